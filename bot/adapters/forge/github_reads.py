"""GitHub reads for one run: the PR snapshot and its lists, files at commits, teams, history.

A sync reads in two GraphQL requests (`github_graphql`): the PR with everything on it and the base
branch's policy, then the governed files at the head with the CODEOWNERS teams. REST serves what
GraphQL cannot answer in one page (long lists, renames' old paths, large blobs, deep listings).
What is read is cached for the run, REST-shaped where the writes update it (the PR, its comments,
statuses), so a write never has to read again what the snapshot already said.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import requests
from github.GithubException import GithubException

from bot.adapters.forge import github_graphql as gql
from bot.adapters.forge.github_client import PER_PAGE, GitHubClient, error_message, graphql_error_message
from bot.adapters.forge.interface import ForgeError, NotARegularFile
from bot.adapters.git.process import Git, parse_commit
from bot.domain.git_objects import CommitHeader, CommitSignature, Ident
from bot.domain.layout import SIGNERS_PATH, classify, is_governed, records_of
from bot.domain.pull_request import (
    ChangedFile,
    Comment,
    Commit,
    FileStatus,
    PullRequest,
    Push,
    Review,
    Team,
    User,
)
from bot.domain.rules import chain
from bot.domain.rules.authorship import attribute_pushes
from bot.domain.rules.codeowners import all_team_slugs, first_found

COMPARE_FILE_CAP = 300
FILES_CAP = 3000  # GitHub lists at most 3,000 files of a PR
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
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


class NoSuchCommit(ForgeError):
    """GitHub does not have the commit a read named."""


REPOSITORY_MEDIA_TYPE = "application/vnd.github.v3.repository+json"
# GitHub's permission booleans, strongest first, and the role each means
_TEAM_ROLES = (
    ("admin", "admin"),
    ("maintain", "maintain"),
    ("push", "write"),
    ("triage", "triage"),
    ("pull", "read"),
)


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


class GitHubReads:
    """The Forge's reads on GitHub, and the run's cache of what they found."""

    def __init__(self, client: GitHubClient, *, bot_login: str | None, local_git: Path | None) -> None:
        self.client = client
        self.bot_login = bot_login
        self.local_git = local_git
        self._prs: dict[int, dict[str, Any]] = {}
        self._blobs: dict[str, bytes] = {}
        self._comments: dict[int, list[dict[str, Any]]] = {}
        # Filled by the GraphQL snapshot (see github_graphql.py); REST reads fill the gaps.
        self._changed: dict[int, list[ChangedFile]] = {}
        self._reviews: dict[int, list[Review]] = {}
        self._pr_commits: dict[int, list[Commit]] = {}
        self._pushed: dict[int, list[Commit]] = {}  # the commits with their pushers
        self._leaves: dict[str, dict[str, gql.Leaf]] = {}  # commit sha -> path -> entry
        self._listed: dict[str, set[str]] = {}  # commit sha -> paths known to be listed completely
        self._heads: dict[str, str] = {}  # branch -> head sha, as the snapshot saw it
        self._history: dict[str, tuple[list[tuple[str, list[str], str, str | None]], bool]] = {}
        self._headers: dict[str, CommitHeader] = {}
        self._teams: dict[str, Team | None] = {}
        self._team_refusals: dict[str, str] = {}  # teams the token may not read, with GitHub's words
        self._permissions: dict[str, str | None] = {}  # login -> permission on the repository
        self._team_permissions: dict[str, str | None] = {}  # org/team -> its permission on it
        self._statuses: dict[str, list[dict[str, Any]]] = {}  # sha -> its statuses, newest first
        self._head_of: dict[str, int] = {}  # PR head sha -> PR number
        self._head_loaded: set[int] = set()

    def pr_data(self, number: int) -> dict[str, Any]:
        """The PR, REST-shaped; the writes keep it up to date (labels, merged)."""
        if number not in self._prs:
            self._snapshot(number)
        return self._prs[number]

    def reread_pr(self, number: int) -> dict[str, Any]:
        """The PR as GitHub says now (a write whose answer was lost may have happened)."""
        self._prs.pop(number, None)
        return self.pr_data(number)

    def statuses(self, sha: str, *, none_yet: bool = False) -> list[dict[str, Any]]:
        """The statuses of `sha`, newest first (the list the writes update): from the snapshot for a
        PR head, else one REST page. `none_yet`: a commit this run made, which has none."""
        if none_yet:
            self._statuses.setdefault(sha, [])
        if sha not in self._statuses:
            _, data = self.client.call(
                "GET",
                f"{self.client.repo}/commits/{sha}/statuses",
                f"read the statuses of {sha}",
                params={"per_page": PER_PAGE},
            )
            self._statuses[sha] = list(data)
        return self._statuses[sha]

    def _snapshot(self, number: int) -> None:
        """The PR, its lists and the base branch's policy files in one GraphQL request."""
        data, errors = self.client.graphql(
            gql.SNAPSHOT, gql.snapshot_variables(self.client.repository, number), f"read PR #{number}"
        )
        pr = (data.get("repository") or {}).get("pullRequest")
        if pr is None or errors:
            raise ForgeError(
                f"GitHub refused to read PR #{number}: {graphql_error_message(errors) or 'not found'}"
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
        self._pushed.pop(number, None)  # a new read of the PR: its pushes are read again too
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
                self.client.pages(
                    f"{self.client.repo}/issues/{number}/labels", f"list labels of PR #{number}"
                )
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
        if "parents" in target:  # the tip, and the signers file its signature is checked with
            parents = [str(p["oid"]) for p in target["parents"]["nodes"] or () if p]
            self._headers[base] = _header(base, target, target.get("signature"), parents)
            for node in target["firstParent"]["nodes"] or ():
                if node:
                    self._remember_tree(str(node["oid"]), SIGNERS_PATH, node.get("signers"))

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
        """The governed files the PR changes and the records they can have, at its head, and every
        CODEOWNERS team: one request."""
        if number in self._head_loaded:
            return
        self._head_loaded.add(number)
        data = self.pr_data(number)
        head = str(data["head"]["sha"])
        changed = [
            f.path
            for f in self._changed.get(number, [])
            if f.status != "removed" and classify(f.path) is not None
        ]
        # and the records they can have, which the record commit compares with before it writes
        possible = sorted({r for p in changed for r in records_of(p)})
        records = [r for r in possible if r not in changed]
        paths = (changed + records)[: gql.HEAD_FILES_MAX]
        base = self._heads.get(str(data["base"]["ref"]))
        leaves = self._leaves.get(base or "", {}) if base else {}
        codeowners = first_found(lambda location: leaf.text if (leaf := leaves.get(location)) else None) or ""
        slugs = [s for s in all_team_slugs(codeowners) if s not in self._teams][: gql.TEAMS_MAX]
        # the same records at the base (is the change decided already?), in the same request
        at_base = [p for p in possible if base and not self._known(base, p)][: gql.HEAD_FILES_MAX]
        self._query_files_and_teams(head, paths, slugs, base=base, base_paths=at_base)

    def _query_files_and_teams(
        self,
        sha: str,
        paths: list[str],
        slugs: list[str],
        *,
        base: str | None = None,
        base_paths: list[str] | None = None,
    ) -> None:
        base_paths = (base_paths or []) if base else []
        if not paths and not slugs and not base_paths:
            return
        teams = [(org, team) for org, _, team in (slug.partition("/") for slug in slugs)]
        # and the directories on the way: GitHub finds nothing under a symlink, which must be refused
        paths, base_paths = self._with_ways(sha, paths), self._with_ways(base or "", base_paths)
        document, variables = gql.head_query(
            self.client.repository, sha, paths, teams, base=base, base_paths=base_paths
        )
        data, errors = self.client.graphql(
            document, variables, f"read files at {sha[:7]} and CODEOWNERS teams"
        )
        team_errors: dict[str, dict[str, Any]] = {}
        for error in errors:
            where = str((error.get("path") or [""])[0])
            if where.startswith("team"):
                team_errors[where] = error
                continue
            raise ForgeError(f"GitHub refused to read {where or 'files'}: {graphql_error_message([error])}")
        commit = (data.get("repository") or {}).get("head") or {}
        if paths and not commit:
            raise NoSuchCommit(f"GitHub has no commit {sha}")
        for i, path in enumerate(paths):
            self._remember_tree(sha, path, commit.get(f"f{i}"))
        at_base = (data.get("repository") or {}).get("base") or {}
        for i, path in enumerate(base_paths if at_base else []):  # no base answer: read again if asked
            self._remember_tree(base or "", path, at_base.get(f"b{i}"))
        for i, slug in enumerate(slugs):
            error = team_errors.get(f"team{i}")
            if error is not None and error.get("type") != "NOT_FOUND":
                # e.g. a GITHUB_TOKEN, which may not read teams: fail when the team is needed, not before
                self._team_refusals[slug] = (
                    f"GitHub refused to read team {slug}: {graphql_error_message([error])}"
                )
                continue
            found = None if error is not None else (data.get(f"team{i}") or {}).get("team")
            self._teams[slug] = self._team_from(slug, found)

    def _with_ways(self, sha: str, paths: list[str]) -> list[str]:
        """`paths` and the directories on their way not known yet at `sha` (a symlink must be seen)."""
        known = self._leaves.get(sha, {})
        ways = {"/".join(p.split("/")[:depth]) for p in paths for depth in range(1, p.count("/") + 1)}
        return paths + sorted(way for way in ways if way not in known and way not in paths)

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
        data = self.pr_data(number)
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
        """The PR's commits, oldest first, each with who pushed it (`authorship.attribute_pushes`)."""
        if number not in self._pushed:
            self._pushed[number] = attribute_pushes(self._commits(number), self.pushes(number))
        return self._pushed[number]

    def pushes(self, number: int) -> list[Push] | None:
        """The moves of the PR's head branch in its current life, newest first, from the activity
        list of the repository it lives in (a fork's own, for a fork's PR): pages until the push
        that created the branch. None: the head repository is gone, so nobody can tell."""
        data = self.pr_data(number)
        repository = (data["head"].get("repo") or {}).get("full_name")
        if not repository:
            return None
        branch = str(data["head"]["ref"])
        out = []
        for item in self.client.pages(
            f"/repos/{repository}/activity",
            f"list the pushes to {repository} {branch}",
            params={"ref": f"refs/heads/{branch}"},
        ):
            kind = str(item["activity_type"])
            out.append(Push(str(item["before"]), str(item["after"]), kind, _user(item.get("actor"))))
            if kind in ("branch_creation", "branch_deletion"):
                break  # older moves belong to an earlier branch of the same name
        return out

    def _commits(self, number: int) -> Sequence[Commit]:
        self.pr_data(number)
        if number in self._pr_commits:
            return self._pr_commits[number]
        out = []
        for item in self.client.pages(
            f"{self.client.repo}/pulls/{number}/commits", f"list commits of PR #{number}"
        ):
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
        data = self.pr_data(number)
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
        for item in self.client.pages(
            f"{self.client.repo}/pulls/{number}/files", f"list files of PR #{number}"
        ):
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
        self.pr_data(number)
        if number in self._reviews:
            return self._reviews[number]
        out = []
        for item in self.client.pages(
            f"{self.client.repo}/pulls/{number}/reviews", f"list reviews of PR #{number}"
        ):
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

    def raw_comments(self, number: int) -> list[dict[str, Any]]:
        self.pr_data(number)
        if number not in self._comments:
            url = f"{self.client.repo}/issues/{number}/comments"
            self._comments[number] = list(self.client.pages(url, f"list comments of PR #{number}"))
        return self._comments[number]

    def comments(self, number: int) -> Sequence[Comment]:
        return [
            Comment(
                id=int(item["id"]),
                user=_required_user(item["user"], f"comment {item['id']}"),
                body=str(item.get("body") or ""),
                created_at=_time(item["created_at"]),
                updated_at=_time(item["updated_at"]),
                editors=tuple(
                    _required_user(u, f"editor of comment {item['id']}") for u in item.get("editors", [])
                ),
                # REST names no editor: an edited comment read there has unknown editors
                edits_known=bool(item.get("edits_known", item["created_at"] == item["updated_at"])),
            )
            for item in self.raw_comments(number)
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
            _, data = self.client.request("GET", base)
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise ForgeError(
                f"GitHub refused to read team {slug}: {exc.status} {error_message(exc)}"
            ) from exc
        members = tuple(
            _required_user(item, f"member of {slug}")
            for item in self.client.pages(f"{base}/members", f"list members of {slug}")
        )
        return Team(slug=f"{org}/{data['slug']}".lower(), id=int(data["id"]), members=members)

    def permission(self, login: str) -> str | None:
        """REST `GET /repos/{o}/{r}/collaborators/{username}/permission` (GraphQL has no such field
        for one account); 404: no such account. Cached for the run."""
        key = login.lower()
        if key not in self._permissions:
            url = f"{self.client.repo}/collaborators/{quote(login, safe='')}/permission"
            try:
                _, data = self.client.request("GET", url)
            except GithubException as exc:
                if exc.status != 404:
                    raise ForgeError(f"GitHub refused to read {login}'s permission: {exc.status}") from exc
                data = None
            except requests.RequestException as exc:
                raise ForgeError(f"could not reach GitHub to read {login}'s permission: {exc}") from exc
            self._permissions[key] = None if data is None else str(data["permission"])
        return self._permissions[key]

    def team_permission(self, slug: str) -> str | None:
        """REST "check team permissions for a repository", asked with the repository media type so
        GitHub answers the permissions (not only 204); 404: the team has no access. Cached."""
        org, _, name = slug.lower().partition("/")
        if slug.lower() not in self._team_permissions:
            url = f"/orgs/{quote(org, safe='')}/teams/{quote(name, safe='')}/repos/{self.client.repository}"
            try:
                _, data = self.client.request("GET", url, headers={"Accept": REPOSITORY_MEDIA_TYPE})
            except GithubException as exc:
                if exc.status != 404:
                    raise ForgeError(
                        f"GitHub refused to read team {slug}'s permission: {exc.status}"
                    ) from exc
                data = None
            except requests.RequestException as exc:
                raise ForgeError(f"could not reach GitHub to read team {slug}'s permission: {exc}") from exc
            granted = (data or {}).get("permissions") or {}
            found = next((role for key, role in _TEAM_ROLES if granted.get(key)), None)
            self._team_permissions[slug.lower()] = found
        return self._team_permissions[slug.lower()]

    def _rest_tree(self, sha: str) -> None:
        """The whole tree at a commit in one recursive REST call, into the same cache GraphQL fills."""
        _, data = self.client.call(
            "GET", f"{self.client.repo}/git/trees/{sha}", f"read the tree of {sha}", params={"recursive": "1"}
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
            _, data = self.client.call("GET", f"{self.client.repo}/git/blobs/{sha}", f"read {path}")
            if data.get("encoding") != "base64":  # e.g. "none" for a blob too large to serve
                raise NotARegularFile(path, f"could not be read (GitHub's encoding {data.get('encoding')!r})")
            self._blobs[sha] = base64.b64decode(data["content"])
        return self._blobs[sha]

    @staticmethod
    def _refuse_links(leaf: gql.Leaf) -> None:
        if leaf.mode == MODE_SYMLINK:
            raise NotARegularFile(leaf.path, "is a symlink")
        if leaf.mode == MODE_SUBMODULE:
            raise NotARegularFile(leaf.path, "is a submodule")

    def _listed_whole(self, sha: str, path: str) -> bool:
        """Whether everything at and under `path` is cached ("" in `_listed`: the whole tree)."""
        return any(d in ("", path) or path.startswith(d + "/") for d in self._listed.get(sha, set()))

    def _known(self, sha: str, path: str) -> bool:
        """Whether the cache says for sure what is (or is not) at `path`."""
        return path in self._leaves.get(sha, {}) or self._listed_whole(sha, path)

    def prefetch(self, sha: str, paths: list[str]) -> None:
        """Make every path known at `sha`: with the PR head's files if `sha` is a head, then in one
        query for the rest (which always leaves them known)."""
        if sha in self._head_of and not all(self._known(sha, p) for p in paths):
            self._load_head(self._head_of[sha])
        unknown = [path for path in paths if not self._known(sha, path)]
        if unknown:
            self._query_files_and_teams(sha, unknown, [])

    def read_file(self, sha: str, path: str) -> bytes | None:
        self.prefetch(sha, [path])
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
            raise NotARegularFile(path, f"is a {leaf.type}")
        if leaf.mode != "100644" and is_governed(path):
            raise NotARegularFile(path, f"is executable (mode {leaf.mode})")
        return leaf.text if leaf.text is not None else self._blob(leaf.oid, path)

    def last_commit(self, sha: str, path: str) -> Commit | None:
        """One REST page of `GET /commits?sha=&path=`: the newest commit that changed `path`."""
        _, data = self.client.call(
            "GET",
            f"{self.client.repo}/commits",
            f"find who last changed {path}",
            params={"sha": sha, "path": path, "per_page": 1},
        )
        if not data:
            return None
        item = data[0]
        detail = item["commit"]
        return Commit(
            sha=str(item["sha"]),
            author=_user(item.get("author")),
            committer=_user(item.get("committer")),
            author_email=str((detail.get("author") or {}).get("email") or ""),
            committer_email=str((detail.get("committer") or {}).get("email") or ""),
            message=str(detail["message"]),
            parents=tuple(str(p["sha"]) for p in item["parents"]) if "parents" in item else None,
        )

    def commit_header(self, sha: str) -> CommitHeader:
        """The base tip from the snapshot, else `GET /git/commits/{sha}`."""
        if sha in self._headers:
            return self._headers[sha]
        _, data = self.client.call("GET", f"{self.client.repo}/git/commits/{sha}", f"read commit {sha[:12]}")
        parents = [str(p["sha"]) for p in data.get("parents") or ()]
        return _header(sha, data, data.get("verification"), parents)

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

    def open_pull_requests(self, limit: int) -> Sequence[int]:
        """One REST page of open PRs, most recently updated first."""
        _, data = self.client.call(
            "GET",
            f"{self.client.repo}/pulls",
            "list open pull requests",
            params={"state": "open", "sort": "updated", "direction": "desc", "per_page": min(limit, 100)},
        )
        return [int(item["number"]) for item in data][:limit]

    def diff_paths(self, base_sha: str, head_sha: str) -> Sequence[str]:
        """One compare call; the API lists at most 300 files, so a full page fails closed."""
        _, data = self.client.call(
            "GET", f"{self.client.repo}/compare/{base_sha}...{head_sha}", "compare commits"
        )
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
        _, data = self.client.call("GET", self.client.ref_url(branch), f"read branch {branch}")
        return str(data["object"]["sha"])

    def latest_decision_sha256(self, sha: str) -> str | None:
        """Walk first parents from `sha`: through the snapshot's history page, else the REST list."""
        if sha in self._history:
            done, found = self._decision_on_first_parents(sha, iter(self._history[sha][0]))
            if done:
                return found
        pages = self.client.pages(f"{self.client.repo}/commits", f"list commits of {sha}", {"sha": sha})
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


def changed_files_from_git(repo: Path, base_sha: str, head_sha: str) -> list[ChangedFile]:
    """Changed files from a local clone (merge base to head), when the API list would be cut short."""
    for sha in (base_sha, head_sha):
        if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
            raise ForgeError(f"not a commit sha: {sha!r}")
    result = Git(repo, ForgeError).run(
        "diff", "--name-status", "-z", "-M", "--no-ext-diff", f"{base_sha}...{head_sha}", "--", check=False
    )
    if result.returncode != 0:
        raise ForgeError(f"git could not list the changed files: {result.stderr.strip()}")
    fields = result.stdout.split("\0")
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


def _header(
    sha: str, fields: Mapping[str, Any], signature: Mapping[str, Any] | None, parents: list[str]
) -> CommitHeader:
    """A commit as GitHub describes it (REST `git/commits` or GraphQL `Commit`). A signed one is
    read from its signature's payload (the raw commit without its `gpgsig` header, verbatim) with
    the armored signature, so the audit's keys check it here as they do in a clone; an unsigned
    one is built from its fields, which are all a signature would have vouched for."""
    payload, armored = (signature or {}).get("payload"), (signature or {}).get("signature")
    if payload and armored:
        body = str(payload).encode()
        text = str(armored) if str(armored).endswith("\n") else f"{armored}\n"
        return parse_commit(sha, body)._replace(signature=CommitSignature(text.encode(), body))
    author, committer = fields.get("author") or {}, fields.get("committer") or {}
    return CommitHeader(
        sha,
        str((fields.get("tree") or {}).get("sha") or ""),
        tuple(parents),
        Ident(str(author.get("name") or ""), str(author.get("email") or "")),
        Ident(str(committer.get("name") or ""), str(committer.get("email") or "")),
        str(fields.get("message") or ""),
        gql.time(committer["date"]) if committer.get("date") else None,
    )


__all__ = ["GitHubReads", "NoSuchCommit", "changed_files_from_git"]
