"""The Forge on GitHub, through PyGithub's authenticated, retrying `Requester`.

PyGithub gives us auth (token or App installation), `GITHUB_API_URL` for GitHub Enterprise Server,
timeouts and retries. We send requests through its `requester` with explicit URLs and documents
instead of its object graph, because the objects fetch lazily in ways that hide extra calls: the
number of HTTP calls per step is visible here (`benchmarks/bench_api_calls.py` counts them).

A sync reads in two GraphQL requests (`bot/forge/github_graphql.py`): the PR with everything on it
and the base branch's policy, then the governed files at the head with the CODEOWNERS teams. REST
serves what GraphQL cannot answer in one page (long lists, renames' old paths, large blobs) and the
writes (labels, comment, status, merge); the record commit is one `createCommitOnBranch`.

One forge object serves one run: what it has read is cached for that run. Every write first
compares with what is there, so a run repeated after a crash converges.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import github
import requests
from github import Auth
from github.GithubException import GithubException
from requests.utils import parse_header_links

from bot.adapters.forge import github_graphql as gql
from bot.adapters.forge.github_graphql import git_blob_sha
from bot.adapters.forge.interface import ForgeError, HeadMovedError
from bot.adapters.forge.retry import TIMEOUT, ForgeRetry
from bot.domain.errors import UsageError
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.pull_request import ChangedFile, Comment, Commit, FileStatus, PullRequest, Review, Team, User
from bot.domain.rules import chain
from bot.domain.rules.codeowners import all_team_slugs, first_found

COMPARE_FILE_CAP = 300
ISSUE_LABEL = "cab-expiry"
DEFAULT_API_URL = "https://api.github.com"
FILES_CAP = 3000  # GitHub lists at most 3,000 files of a PR
PER_PAGE = 100
STATUS_CONTEXT = "cab/decision"
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
HEAD_FILES_MAX = 50  # governed files read at a PR head in one query; a PR with more is refused anyway
TEAMS_MAX = 20  # teams read with them; more CODEOWNERS teams are read one by one when asked for
_REVIEW_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"})
_FILE_STATUS: dict[str, FileStatus] = {
    "added": "added",
    "modified": "modified",
    "changed": "modified",
    "removed": "removed",
    "renamed": "renamed",
    "copied": "added",
    "unchanged": "modified",
}


class _NoSuchCommit(ForgeError):
    """GitHub does not have the commit a read named."""


def auth_from_env(environ: Mapping[str, str]) -> Auth.Auth:
    """`GITHUB_TOKEN`, or a GitHub App installation (`CAB_APP_ID`, `CAB_APP_PRIVATE_KEY`,
    `CAB_APP_INSTALLATION_ID`), which lets the bot act under its own App identity."""
    app_id = environ.get("CAB_APP_ID")
    key = environ.get("CAB_APP_PRIVATE_KEY")
    installation = environ.get("CAB_APP_INSTALLATION_ID")
    if app_id and key and installation:
        if not installation.isdigit():
            raise ForgeError("CAB_APP_INSTALLATION_ID must be the numeric installation id")
        return Auth.AppAuth(app_id, key).get_installation_auth(int(installation))
    token = environ.get("GITHUB_TOKEN")
    if not token:
        raise UsageError(
            "no GitHub credentials: set GITHUB_TOKEN, or CAB_APP_ID, CAB_APP_PRIVATE_KEY and "
            "CAB_APP_INSTALLATION_ID for a GitHub App"
        )
    return Auth.Token(token)


def _user(data: Mapping[str, Any] | None) -> User | None:
    if not data:
        return None
    login = str(data["login"])
    return User(login=login, id=int(data["id"]), is_bot=data.get("type") == "Bot" or login.endswith("[bot]"))


def _required_user(data: Mapping[str, Any] | None, what: str) -> User:
    user = _user(data)
    if user is None:  # GitHub shows deleted accounts as "ghost"; never as null on these objects
        raise ForgeError(f"GitHub returned no user for {what}")
    return user


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


class GitHubForge:
    """`bot.adapters.forge.interface.Forge` for one GitHub repository."""

    def __init__(
        self,
        repository: str,
        *,
        auth: Auth.Auth,
        identity: BotIdentity,
        base_url: str = DEFAULT_API_URL,
        retry: ForgeRetry | None = None,
        timeout: int = TIMEOUT,
        throttle: bool = True,
        bot_login: str | None = None,
        local_git: Path | None = None,
    ) -> None:
        """`bot_login`: the account the bot posts as (e.g. `github-actions[bot]`); when set, only its
        comments are edited and only merges it authored count as decisions. `local_git`: a clone used to
        list changed files when a PR has more than the API's 3,000; without it such PRs fail closed.
        `throttle=False` drops PyGithub's pause between requests (tests and benchmarks)."""
        if repository.count("/") != 1:
            raise ForgeError(f"repository must be OWNER/NAME, got {repository!r}")
        self.repository = repository
        self.identity = identity
        self.bot_login = bot_login
        self.local_git = local_git
        self._gh = github.Github(
            auth=auth,
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            retry=retry or ForgeRetry(),
            per_page=PER_PAGE,
            seconds_between_requests=0.25 if throttle else None,
            seconds_between_writes=1.0 if throttle else None,
        )
        self._requester = self._gh.requester
        self._repo = f"/repos/{repository}"
        self._prs: dict[int, dict[str, Any]] = {}
        self._blobs: dict[str, bytes] = {}
        self._comments: dict[int, list[dict[str, Any]]] = {}
        self._created: set[str] = set()  # commits this run created
        # Filled by the GraphQL snapshot (see bot/forge/github_graphql.py); REST reads fill the gaps.
        self._changed: dict[int, list[ChangedFile]] = {}
        self._reviews: dict[int, list[Review]] = {}
        self._pr_commits: dict[int, list[Commit]] = {}
        self._leaves: dict[str, dict[str, gql.Leaf]] = {}  # commit sha -> path -> entry
        self._listed: dict[str, set[str]] = {}  # commit sha -> paths known to be listed completely
        self._heads: dict[str, str] = {}  # branch -> head sha, as the snapshot saw it
        self._history: dict[str, tuple[list[tuple[str, list[str], str, str | None]], bool]] = {}
        self._teams: dict[str, Team | None] = {}
        self._team_refusals: dict[str, str] = {}  # teams the token may not read, with GitHub's words
        self._statuses: dict[str, list[dict[str, Any]]] = {}  # sha -> its statuses, newest first
        self._head_of: dict[str, int] = {}  # PR head sha -> PR number
        self._head_loaded: set[int] = set()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> GitHubForge:
        """Configured the way GitHub Actions configures a job."""
        env = os.environ if environ is None else environ
        repository = env.get("GITHUB_REPOSITORY")
        if not repository:
            raise ForgeError("GITHUB_REPOSITORY is not set (expected OWNER/NAME)")
        from bot.adapters.environment import bot_identity

        return cls(
            repository,
            auth=auth_from_env(env),
            identity=bot_identity(dict(env)),
            base_url=env.get("GITHUB_API_URL", DEFAULT_API_URL),
            bot_login=env.get("CAB_BOT_LOGIN") or None,
            **kwargs,
        )

    # --- transport ---------------------------------------------------------------------------
    def _call(
        self,
        verb: str,
        url: str,
        doing: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[dict[str, Any], Any]:
        try:
            return self._requester.requestJsonAndCheck(verb, url, parameters=params, input=body)
        except GithubException as exc:
            raise ForgeError(f"GitHub refused to {doing}: {exc.status} {_message(exc)}") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"could not reach GitHub to {doing}: {exc}") from exc

    def _graphql(
        self, document: str, variables: dict[str, Any], doing: str
    ) -> tuple[dict[str, Any], list[Any]]:
        """One GraphQL request: its data, and the errors GitHub reported beside partial data."""
        _, answer = self._call(
            "POST", self._requester.graphql_url, doing, body={"query": document, "variables": variables}
        )
        errors = list(answer.get("errors") or [])
        if answer.get("data") is None:
            raise ForgeError(f"GitHub refused to {doing}: {_graphql_message(errors)}")
        return answer["data"], errors

    def _pages(self, url: str, doing: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following `Link: rel="next"` to the end."""
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        next_url: str | None = url
        while next_url:
            headers, data = self._call("GET", next_url, doing, params=query)
            yield from data
            query = None  # the next link carries the query
            next_url = _next_link(headers)

    # --- reads -------------------------------------------------------------------------------
    def _pr(self, number: int) -> dict[str, Any]:
        if number not in self._prs:
            self._snapshot(number)
        return self._prs[number]

    def _snapshot(self, number: int) -> None:
        """The PR, its lists and the base branch's policy files in one GraphQL request."""
        owner, name = self.repository.split("/")
        data, errors = self._graphql(
            gql.SNAPSHOT, {"owner": owner, "name": name, "number": number}, f"read PR #{number}"
        )
        pr = (data.get("repository") or {}).get("pullRequest")
        if pr is None or errors:
            raise ForgeError(
                f"GitHub refused to read PR #{number}: {_graphql_message(errors) or 'not found'}"
            )
        head, base_ref = str(pr["headRefOid"]), pr.get("baseRef") or {}
        state = "open" if pr["state"] == "OPEN" else "closed"
        self._prs[number] = {
            "number": int(pr["number"]),
            "title": str(pr["title"]),
            "body": str(pr.get("body") or ""),
            "state": state,
            "merged": bool(pr["merged"]),
            "merge_commit_sha": (pr.get("mergeCommit") or {}).get("oid"),
            "user": gql.rest_user(pr.get("author")),
            "head": {
                "sha": head,
                "ref": str(pr["headRefName"]),
                "repo": {"full_name": (pr.get("headRepository") or {}).get("nameWithOwner")},
            },
            "base": {"sha": str(pr["baseRefOid"]), "ref": str(pr["baseRefName"])},
            "labels": [{"name": str(n["name"])} for n in pr["labels"]["nodes"]],
            "changed_files": int(pr["changedFiles"]),
        }
        self._head_of[head] = number
        complete = {key: not pr[key]["pageInfo"]["hasNextPage"] for key in ("files", "reviews", "commits")}
        files = gql.changed_files(pr["files"]["nodes"])
        if (
            complete["files"]
            and int(pr["changedFiles"]) < FILES_CAP
            and not any(
                f.status == "renamed"
                for f in files  # GraphQL names no previous path: REST has it
            )
        ):
            self._changed[number] = files
        if complete["reviews"]:
            self._reviews[number] = gql.reviews(pr["reviews"]["nodes"])
        if complete["commits"]:
            self._pr_commits[number] = gql.commits(pr["commits"]["nodes"])
        if not pr["comments"]["pageInfo"]["hasNextPage"]:
            self._comments[number] = gql.rest_comments(pr["comments"]["nodes"])
        if pr["labels"]["pageInfo"]["hasNextPage"]:
            self._prs[number]["labels"] = list(
                self._pages(f"{self._repo}/issues/{number}/labels", f"list labels of PR #{number}")
            )
        for node in pr["latest"]["nodes"]:
            contexts = (node["commit"].get("status") or {}).get("contexts") or []
            self._statuses[str(node["commit"]["oid"])] = [dict(c) for c in contexts]
        target = base_ref.get("target")
        if target is None:
            return  # the base branch is gone: policy reads go to REST and fail there with a message
        base = str(target["oid"])
        self._heads[str(base_ref["name"])] = base
        history = target.get("history") or {"nodes": [], "pageInfo": {"hasNextPage": True}}
        self._history[base] = (gql.history(history["nodes"]), not history["pageInfo"]["hasNextPage"])
        for alias, path, _levels, _text in gql.BASE_DIRS:
            self._remember_tree(base, path, target.get(alias))

    def _remember_tree(self, sha: str, path: str, entry: Mapping[str, Any] | None) -> None:
        listed = self._listed.setdefault(sha, set())
        if entry is None:  # no such path at that commit: nothing below it either
            listed.add(path)
            return
        complete = True
        for leaf, whole in gql.walk(entry):
            self._remember_leaf(sha, leaf)
            complete = complete and whole
        if complete:
            listed.add(path)

    def _remember_leaf(self, sha: str, leaf: gql.Leaf) -> None:
        leaves = self._leaves.setdefault(sha, {})
        known = leaves.get(leaf.path)
        if known is None or known.text is None:  # a names-only listing keeps a text already read
            leaves[leaf.path] = leaf

    def _load_head(self, number: int) -> None:
        """The governed files the PR changes, at its head, and every CODEOWNERS team: one request."""
        if number in self._head_loaded:
            return
        self._head_loaded.add(number)
        data = self._pr(number)
        head = str(data["head"]["sha"])
        paths = [
            f.path
            for f in self._changed.get(number, [])
            if f.status != "removed" and classify(f.path) is not None
        ][:HEAD_FILES_MAX]
        base = self._heads.get(str(data["base"]["ref"]))
        leaves = self._leaves.get(base or "", {}) if base else {}
        codeowners = first_found(lambda location: leaf.text if (leaf := leaves.get(location)) else None) or ""
        slugs = [s for s in all_team_slugs(codeowners) if s not in self._teams][:TEAMS_MAX]
        self._query_files_and_teams(head, paths, slugs)

    def _query_files_and_teams(self, sha: str, paths: list[str], slugs: list[str]) -> None:
        if not paths and not slugs:
            return
        owner, name = self.repository.split("/")
        teams = [tuple(slug.split("/", 1)) for slug in slugs]
        # and the directories on the way: GitHub finds nothing under a symlink, which must be refused
        known = self._leaves.get(sha, {})
        ways = {"/".join(p.split("/")[:depth]) for p in paths for depth in range(1, p.count("/") + 1)}
        paths = paths + sorted(way for way in ways if way not in known and way not in paths)
        document, variables = gql.head_query(paths, teams)  # type: ignore[arg-type]
        variables.update(owner=owner, name=name, head=sha)
        data, errors = self._graphql(document, variables, f"read files at {sha[:7]} and CODEOWNERS teams")
        team_errors: dict[str, dict[str, Any]] = {}
        for error in errors:
            where = str((error.get("path") or [""])[0])
            if where.startswith("team"):
                team_errors[where] = error
                continue
            raise ForgeError(f"GitHub refused to read {where or 'files'}: {_graphql_message([error])}")
        commit = (data.get("repository") or {}).get("head") or {}
        if paths and not commit:
            raise _NoSuchCommit(f"GitHub has no commit {sha}")
        for i, path in enumerate(paths):
            self._remember_tree(sha, path, commit.get(f"f{i}"))
        for i, slug in enumerate(slugs):
            error = team_errors.get(f"team{i}")
            if error is not None and error.get("type") != "NOT_FOUND":
                # e.g. a GITHUB_TOKEN, which may not read teams: fail when the team is needed, not before
                self._team_refusals[slug] = f"GitHub refused to read team {slug}: {_graphql_message([error])}"
                continue
            found = None if error is not None else (data.get(f"team{i}") or {}).get("team")
            self._teams[slug] = self._team_from(slug, found)

    def _team_from(self, slug: str, found: Mapping[str, Any] | None) -> Team | None:
        if found is None:
            return None
        members = found["members"]
        if members["pageInfo"]["hasNextPage"]:
            return self._rest_team(slug)
        people = tuple(
            User(str(m["login"]), int(m["databaseId"]), str(m["login"]).endswith("[bot]"))
            for m in members["nodes"]
        )
        org = slug.split("/", 1)[0]
        return Team(slug=f"{org}/{found['slug']}".lower(), id=int(found["databaseId"]), members=people)

    def pull_request(self, number: int) -> PullRequest:
        data = self._pr(number)
        state: Literal["open", "closed", "merged"] = (
            "merged" if data.get("merged") else "open" if data["state"] == "open" else "closed"
        )
        return PullRequest(
            number=int(data["number"]),
            title=str(data["title"]),
            author=_required_user(data["user"], f"PR #{number}"),
            head_sha=str(data["head"]["sha"]),
            head_ref=str(data["head"]["ref"]),
            base_sha=str(data["base"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            state=state,
            labels=tuple(str(label["name"]) for label in data.get("labels", [])),
            body=str(data.get("body") or ""),
        )

    def commits(self, number: int) -> Sequence[Commit]:
        self._pr(number)
        if number in self._pr_commits:
            return self._pr_commits[number]
        out = []
        for item in self._pages(f"{self._repo}/pulls/{number}/commits", f"list commits of PR #{number}"):
            detail = item["commit"]
            out.append(
                Commit(
                    sha=str(item["sha"]),
                    author=_user(item.get("author")),
                    committer=_user(item.get("committer")),
                    author_email=str((detail.get("author") or {}).get("email") or ""),
                    committer_email=str((detail.get("committer") or {}).get("email") or ""),
                    message=str(detail["message"]),
                )
            )
        return out

    def changed_files(self, number: int) -> Sequence[ChangedFile]:
        data = self._pr(number)
        if number in self._changed:
            return self._changed[number]
        if int(data.get("changed_files", 0)) >= FILES_CAP:
            if self.local_git is None:
                raise ForgeError(
                    f"PR #{number} changes {data['changed_files']} files; GitHub lists at most {FILES_CAP}, "
                    "so the change cannot be checked completely (refusing; run with a local clone)"
                )
            return changed_files_from_git(self.local_git, data["base"]["sha"], data["head"]["sha"])
        out = []
        for item in self._pages(f"{self._repo}/pulls/{number}/files", f"list files of PR #{number}"):
            out.append(
                ChangedFile(
                    path=str(item["filename"]),
                    status=_FILE_STATUS.get(str(item["status"]), "modified"),
                    previous_path=item.get("previous_filename"),
                )
            )
        if len(out) >= FILES_CAP:
            raise ForgeError(f"PR #{number}: GitHub's file list was cut at {FILES_CAP} files (refusing)")
        return out

    def reviews(self, number: int) -> Sequence[Review]:
        self._pr(number)
        if number in self._reviews:
            return self._reviews[number]
        out = []
        for item in self._pages(f"{self._repo}/pulls/{number}/reviews", f"list reviews of PR #{number}"):
            state = str(item["state"])
            if state not in _REVIEW_STATES or not item.get("submitted_at") or not item.get("user"):
                continue  # pending drafts have no submission time and count for nothing
            out.append(
                Review(
                    id=int(item["id"]),
                    user=_required_user(item["user"], f"review {item['id']}"),
                    state=state,  # type: ignore[arg-type]
                    commit_id=str(item.get("commit_id") or ""),
                    submitted_at=_time(item["submitted_at"]),
                    body=str(item.get("body") or ""),
                )
            )
        return out

    def _raw_comments(self, number: int) -> list[dict[str, Any]]:
        self._pr(number)
        if number not in self._comments:
            url = f"{self._repo}/issues/{number}/comments"
            self._comments[number] = list(self._pages(url, f"list comments of PR #{number}"))
        return self._comments[number]

    def comments(self, number: int) -> Sequence[Comment]:
        return [
            Comment(
                id=int(item["id"]),
                user=_required_user(item["user"], f"comment {item['id']}"),
                body=str(item.get("body") or ""),
                created_at=_time(item["created_at"]),
                updated_at=_time(item["updated_at"]),
            )
            for item in self._raw_comments(number)
            if item.get("user")
        ]

    def team(self, slug: str) -> Team | None:
        org, _, name = slug.partition("/")
        if not org or not name or "/" in name:
            raise ForgeError(f"team must be written org/team, got {slug!r}")
        slug = slug.lower()
        for number in list(self._prs):  # a sync reads its CODEOWNERS teams with the PR's head files
            self._load_head(number)
        if slug in self._team_refusals:
            raise ForgeError(self._team_refusals[slug])
        if slug not in self._teams:
            self._teams[slug] = self._rest_team(slug)
        return self._teams[slug]

    def _rest_team(self, slug: str) -> Team | None:
        org, _, name = slug.partition("/")
        base = f"/orgs/{quote(org, safe='')}/teams/{quote(name, safe='')}"
        try:
            _, data = self._requester.requestJsonAndCheck("GET", base)
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise ForgeError(f"GitHub refused to read team {slug}: {exc.status} {_message(exc)}") from exc
        members = tuple(
            _required_user(item, f"member of {slug}")
            for item in self._pages(f"{base}/members", f"list members of {slug}")
        )
        return Team(slug=f"{org}/{data['slug']}".lower(), id=int(data["id"]), members=members)

    def _rest_tree(self, sha: str) -> None:
        """The whole tree at a commit in one recursive REST call, into the same cache GraphQL fills."""
        _, data = self._call(
            "GET", f"{self._repo}/git/trees/{sha}", f"read the tree of {sha}", params={"recursive": "1"}
        )
        if data.get("truncated"):
            raise ForgeError(f"the tree of {sha} is too large for one GitHub call (refusing)")
        for e in data["tree"]:
            self._remember_leaf(
                sha, gql.Leaf(str(e["path"]), str(e["mode"]), str(e["type"]), str(e["sha"]), None)
            )
        self._listed.setdefault(sha, set()).add("")  # "": the whole tree

    def _blob(self, sha: str, path: str) -> bytes:
        if sha not in self._blobs:
            _, data = self._call("GET", f"{self._repo}/git/blobs/{sha}", f"read {path}")
            if data.get("encoding") != "base64":
                raise ForgeError(f"GitHub returned {path} in an unexpected encoding {data.get('encoding')!r}")
            self._blobs[sha] = base64.b64decode(data["content"])
        return self._blobs[sha]

    @staticmethod
    def _refuse_links(leaf: gql.Leaf) -> None:
        if leaf.mode == MODE_SYMLINK:
            raise ForgeError(f"{leaf.path} is a symlink; governed files must be regular files")
        if leaf.mode == MODE_SUBMODULE:
            raise ForgeError(f"{leaf.path} is a submodule; governed files must be regular files")

    def _listed_whole(self, sha: str, path: str) -> bool:
        """Whether everything at and under `path` is cached ("" in `_listed`: the whole tree)."""
        return any(d in ("", path) or path.startswith(d + "/") for d in self._listed.get(sha, set()))

    def _known(self, sha: str, path: str) -> bool:
        """Whether the cache says for sure what is (or is not) at `path`."""
        return path in self._leaves.get(sha, {}) or self._listed_whole(sha, path)

    def _prefetch(self, sha: str, paths: list[str]) -> None:
        """Make every path known at `sha`: with the PR head's files if `sha` is a head, then in one
        query for the rest (which always leaves them known)."""
        if sha in self._head_of and not all(self._known(sha, p) for p in paths):
            self._load_head(self._head_of[sha])
        unknown = [path for path in paths if not self._known(sha, path)]
        if unknown:
            self._query_files_and_teams(sha, unknown, [])

    def read_file(self, sha: str, path: str) -> bytes | None:
        self._prefetch(sha, [path])
        leaves = self._leaves.get(sha, {})
        parts = path.split("/")
        for depth in range(1, len(parts)):  # a symlinked or submodule directory on the way
            parent = leaves.get("/".join(parts[:depth]))
            if parent is not None:
                self._refuse_links(parent)
        leaf = leaves.get(path)
        if leaf is None:
            return None
        self._refuse_links(leaf)
        if leaf.type != "blob":
            raise ForgeError(f"{path} is a {leaf.type}, not a file")
        return leaf.text if leaf.text is not None else self._blob(leaf.oid, path)

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        directory = directory.strip("/")
        if not self._listed_whole(sha, directory):
            self._rest_tree(sha)
        out = []
        for path, leaf in sorted(self._leaves.get(sha, {}).items()):
            if path.startswith(directory + "/") or path == directory:
                self._refuse_links(leaf)
                if leaf.type == "blob":
                    out.append(path)
        return out

    def diff_paths(self, base_sha: str, head_sha: str) -> Sequence[str]:
        """One compare call; the API lists at most 300 files, so a full page fails closed."""
        _, data = self._call("GET", f"{self._repo}/compare/{base_sha}...{head_sha}", "compare commits")
        files = data.get("files") or []
        if len(files) >= COMPARE_FILE_CAP:
            raise ForgeError(
                f"{base_sha[:7]}...{head_sha[:7]} changes {len(files)}+ files; too many to compare"
            )
        paths = []
        for item in files:
            paths.append(str(item["filename"]))
            if item.get("previous_filename"):
                paths.append(str(item["previous_filename"]))
        return paths

    def branch_head(self, branch: str) -> str:
        """The branch's head as this run's PR snapshot saw it, or as GitHub says now."""
        if branch in self._heads:
            return self._heads[branch]
        _, data = self._call("GET", self._ref_url(branch), f"read branch {branch}")
        return str(data["object"]["sha"])

    def latest_decision_sha256(self, sha: str) -> str | None:
        """Walk first parents from `sha`: through the snapshot's history page, else the REST list."""
        if sha in self._history:
            done, found = self._decision_on_first_parents(sha, iter(self._history[sha][0]))
            if done:
                return found
        pages = self._pages(f"{self._repo}/commits", f"list commits of {sha}", {"sha": sha})
        rest = (
            (
                str(item["sha"]),
                [str(p["sha"]) for p in item.get("parents", [])],
                str(item["commit"]["message"]),
                (item.get("author") or {}).get("login"),
            )
            for item in pages
        )
        done, found = self._decision_on_first_parents(sha, rest)
        if not done:
            raise ForgeError(f"the history of {sha} ended before its first-parent walk did")
        return found

    def _decision_on_first_parents(
        self, sha: str, items: Iterator[tuple[str, list[str], str, str | None]]
    ) -> tuple[bool, str | None]:
        """(whether the walk finished within `items`, the record sha256 it found, if any)."""
        known: dict[str, tuple[str, list[str], str, str | None]] = {}
        current: str | None = sha
        while current:
            while current not in known:
                item = next(items, None)
                if item is None:
                    return False, None
                known[item[0]] = item
            _, parents, message, author = known[current]
            found = chain.record_sha256_of_merge(message, len(parents))
            if found is not None and (self.bot_login is None or author == self.bot_login):
                return True, found
            current = parents[0] if parents else None
        return True, None

    # --- writes ------------------------------------------------------------------------------
    def set_risk_label(self, number: int, label: str) -> None:
        data = self._pr(number)
        labels = [str(item["name"]) for item in data.get("labels", [])]
        issue = f"{self._repo}/issues/{number}/labels"
        for other in labels:
            if other.startswith("risk:") and other != label:
                try:
                    self._requester.requestJsonAndCheck("DELETE", f"{issue}/{quote(other, safe='')}")
                except GithubException as exc:
                    if exc.status != 404:  # already gone: a re-run after a crash
                        raise ForgeError(f"GitHub refused to remove label {other}: {_message(exc)}") from exc
        if label not in labels:
            self._call("POST", issue, f"label PR #{number}", body={"labels": [label]})
        kept = [item for item in data.get("labels", []) if not str(item["name"]).startswith("risk:")]
        data["labels"] = [*kept, {"name": label}]

    def _is_mine(self, item: Mapping[str, Any]) -> bool:
        user = item.get("user") or {}
        if self.bot_login is not None:
            return bool(user.get("login") == self.bot_login)
        return bool(user.get("type") == "Bot")

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        text = body if marker in body else f"{body}\n\n{marker}"
        mine = [
            c for c in self._raw_comments(number) if marker in str(c.get("body") or "") and self._is_mine(c)
        ]
        if not mine:
            _, created = self._call(
                "POST",
                f"{self._repo}/issues/{number}/comments",
                f"comment on PR #{number}",
                body={"body": text},
            )
            self._comments[number].append(created)
            return
        keep, *extra = sorted(mine, key=lambda c: int(c["id"]))
        for duplicate in extra:  # left by an earlier race; the oldest one stays
            try:
                self._requester.requestJsonAndCheck(
                    "DELETE", f"{self._repo}/issues/comments/{duplicate['id']}"
                )
            except GithubException as exc:
                if exc.status != 404:
                    raise ForgeError(f"GitHub refused to delete comment {duplicate['id']}") from exc
            self._comments[number].remove(duplicate)
        if keep.get("body") != text:
            _, edited = self._call(
                "PATCH",
                f"{self._repo}/issues/comments/{keep['id']}",
                "edit the CAB comment",
                body={"body": text},
            )
            keep.update(edited)

    def upsert_issue(self, marker: str, title: str, body: str) -> int:
        text = body if marker in body else f"{body}\n\n{marker}"
        params = {"state": "open", "labels": ISSUE_LABEL}
        for item in self._pages(f"{self._repo}/issues", "list CAB issues", params):
            if marker in str(item.get("body") or "") and self._is_mine(item) and "pull_request" not in item:
                if (item.get("title"), item.get("body")) != (title, text):
                    self._call(
                        "PATCH",
                        f"{self._repo}/issues/{item['number']}",
                        "edit the CAB issue",
                        body={"title": title, "body": text},
                    )
                return int(item["number"])
        _, created = self._call(
            "POST",
            f"{self._repo}/issues",
            "open the CAB issue",
            body={"title": title, "body": text, "labels": [ISSUE_LABEL]},
        )
        return int(created["number"])

    def set_status(self, sha: str, state: Literal["pending", "success", "failure"], description: str) -> None:
        """Post the status unless the sha already shows exactly this one: GitHub appends every post
        (up to 1,000 per sha and context), so a re-run must not add another."""
        description = description[:140]
        if sha in self._created:
            self._statuses.setdefault(sha, [])  # a commit this run just made has no statuses yet
        if sha not in self._statuses:
            _, data = self._call(
                "GET",
                f"{self._repo}/commits/{sha}/statuses",
                f"read the statuses of {sha}",
                params={"per_page": PER_PAGE},
            )
            self._statuses[sha] = list(data)
        latest = next((item for item in self._statuses[sha] if item.get("context") == STATUS_CONTEXT), None)
        if latest is not None and (str(latest.get("state")).lower(), latest.get("description")) == (
            state,
            description,
        ):
            return
        self._call(
            "POST",
            f"{self._repo}/statuses/{sha}",
            f"set the {STATUS_CONTEXT} status",
            body={"state": state, "context": STATUS_CONTEXT, "description": description},
        )
        self._statuses[sha].insert(0, {"context": STATUS_CONTEXT, "state": state, "description": description})

    def commit_files(
        self, number: int, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        data = self._pr(number)
        head_repo = (data["head"].get("repo") or {}).get("full_name")
        if head_repo != self.repository:
            raise ForgeError(
                f"PR #{number} comes from {head_repo or 'a deleted fork'}; the bot cannot write to it"
            )
        return self.commit_to_branch(str(data["head"]["ref"]), expected_head, files, message)

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        """One `createCommitOnBranch` call, which GitHub applies only if the branch is still at
        `expected_head` (else HeadMovedError: re-sync, never force). The commit is authored by the
        token's account and committed and signed by GitHub. A crash before the answer leaves either
        nothing or the commit; the re-run finds the content already there, or commits it again.
        """
        try:
            self._prefetch(expected_head, list(files))
        except _NoSuchCommit as exc:  # so the branch cannot be at it
            raise HeadMovedError(f"{branch} is not at {expected_head[:7]}: {exc}") from exc
        changes = {
            path: content for path, content in files.items() if self.read_file(expected_head, path) != content
        }
        if not changes:
            return expected_head
        headline, _, body = message.partition("\n")
        file_changes = {
            "additions": [
                {"path": path, "contents": base64.b64encode(content).decode()}
                for path, content in sorted(changes.items())
                if content is not None
            ],
            "deletions": [{"path": path} for path, content in sorted(changes.items()) if content is None],
        }
        variables = {
            "input": {
                "branch": {"repositoryNameWithOwner": self.repository, "branchName": branch},
                "expectedHeadOid": expected_head,
                "message": {"headline": headline, "body": body.strip("\n")},
                "fileChanges": file_changes,
            }
        }
        data, errors = self._graphql(gql.COMMIT, variables, f"commit to {branch}")
        if errors:
            text = _graphql_message(errors)
            if "expectedheadoid" in text.lower() or "expected branch to point to" in text.lower():
                raise HeadMovedError(f"{branch} moved past {expected_head[:7]}: {text}")
            raise ForgeError(f"GitHub refused to commit to {branch}: {text}")
        new = str(data["createCommitOnBranch"]["commit"]["oid"])
        self._created.add(new)
        return new

    def merge(self, number: int, sha: str, title: str, message: str) -> str:
        data = self._pr(number)
        if data.get("merged") and data["head"]["sha"] == sha and data.get("merge_commit_sha"):
            return str(data["merge_commit_sha"])
        try:
            _, result = self._requester.requestJsonAndCheck(
                "PUT",
                f"{self._repo}/pulls/{number}/merge",
                input={"sha": sha, "merge_method": "merge", "commit_title": title, "commit_message": message},
            )
        except GithubException as exc:
            text = _message(exc)
            if exc.status == 409 or (exc.status == 405 and "head branch was modified" in text.lower()):
                raise HeadMovedError(f"PR #{number} moved past {sha}: {text}") from exc
            if exc.status == 405:  # perhaps merged by our own earlier run whose answer was lost
                self._prs.pop(number, None)
                fresh = self._pr(number)
                if fresh.get("merged") and fresh["head"]["sha"] == sha and fresh.get("merge_commit_sha"):
                    return str(fresh["merge_commit_sha"])
            raise ForgeError(f"GitHub refused to merge PR #{number}: {exc.status} {text}") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"could not reach GitHub to merge PR #{number}: {exc}") from exc
        if not result.get("merged"):
            raise ForgeError(f"GitHub did not merge PR #{number}: {result.get('message')}")
        data.update(merged=True, state="closed", merge_commit_sha=result["sha"])
        return str(result["sha"])

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int:
        owner = self.repository.split("/", 1)[0]

        def existing() -> int | None:
            for item in self._pages(
                f"{self._repo}/pulls", f"look for a PR from {head}", {"head": f"{owner}:{head}", "base": base}
            ):
                if item["head"]["ref"] == head and item["state"] == "open":
                    return int(item["number"])
            return None

        found = existing()
        if found is not None:
            return found
        try:
            _, data = self._requester.requestJsonAndCheck(
                "POST",
                f"{self._repo}/pulls",
                input={"head": head, "base": base, "title": title, "body": body},
            )
        except GithubException as exc:
            again = existing() if exc.status == 422 else None  # opened by a racing run
            if again is not None:
                return again
            raise ForgeError(
                f"GitHub refused to open a PR from {head}: {exc.status} {_message(exc)}"
            ) from exc
        return int(data["number"])

    def ensure_branch(self, branch: str, from_sha: str) -> str:
        """The branch's head, creating the branch at `from_sha` if it does not exist yet."""
        try:
            _, data = self._requester.requestJsonAndCheck("GET", self._ref_url(branch))
            return str(data["object"]["sha"])
        except GithubException as exc:
            if exc.status != 404:
                raise ForgeError(f"GitHub refused to read branch {branch}: {_message(exc)}") from exc
        try:
            _, data = self._requester.requestJsonAndCheck(
                "POST", f"{self._repo}/git/refs", input={"ref": f"refs/heads/{branch}", "sha": from_sha}
            )
        except GithubException as exc:
            if exc.status == 422:  # created by a racing run
                return self.branch_head(branch)
            raise ForgeError(f"GitHub refused to create branch {branch}: {_message(exc)}") from exc
        return str(data["object"]["sha"])

    def _ref_url(self, branch: str, *, single: bool = True) -> str:
        kind = "ref" if single else "refs"
        return f"{self._repo}/git/{kind}/heads/{quote(branch, safe='/')}"


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return str(data or "")


def _graphql_message(errors: Sequence[Any]) -> str:
    return "; ".join(str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors)


def _next_link(headers: Mapping[str, Any]) -> str | None:
    link = next((v for k, v in headers.items() if k.lower() == "link"), None)
    if not link:
        return None
    for item in parse_header_links(str(link)):
        if item.get("rel") == "next":
            return str(item["url"])
    return None


def changed_files_from_git(repo: Path, base_sha: str, head_sha: str) -> list[ChangedFile]:
    """Changed files from a local clone (merge base to head), when the API list would be cut short."""
    for sha in (base_sha, head_sha):
        if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
            raise ForgeError(f"not a commit sha: {sha!r}")
    result = subprocess.run(
        ["git", "-C", str(repo), "diff", "--name-status", "-z", "-M", f"{base_sha}...{head_sha}", "--"],
        capture_output=True,
        check=False,
        env={**os.environ, "GIT_NO_REPLACE_OBJECTS": "1"},
    )
    if result.returncode != 0:
        raise ForgeError(f"git could not list the changed files: {result.stderr.decode(errors='replace')}")
    fields = result.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    out: list[ChangedFile] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i]
        if code[0] in "RC":  # rename or copy: score, old path, new path
            kind: FileStatus = "renamed" if code[0] == "R" else "added"
            out.append(ChangedFile(path=fields[i + 2], status=kind, previous_path=fields[i + 1]))
            i += 3
            continue
        status: FileStatus = {"A": "added", "D": "removed"}.get(code[0], "modified")  # type: ignore[assignment]
        out.append(ChangedFile(path=fields[i + 1], status=status))
        i += 2
    return out


__all__ = ["GitHubForge", "auth_from_env", "changed_files_from_git", "git_blob_sha"]
