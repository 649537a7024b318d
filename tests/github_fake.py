"""A stateful fake of GitHub for one repository, backed by a real git repository.

Enough of GitHub to run pull requests through their whole lifecycle: branches and commits (real git
objects and refs in a temporary bare repository, see `tests.git_store`), pull requests with their own
labels, comments and reviews, issues, teams, and the accounts GitHub links to commit emails. Commits
the bot makes through the API look as GitHub makes them: authored by the token's account, committed
by `GitHub <noreply@github.com>` and signed with a stand-in for GitHub's web-flow key; a merge has parents [base head, PR head]. So a history the bot made
here can be cloned and audited like one made on github.com.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses

from bot.adapters.git.process import parse_commit
from bot.domain.identity import BotIdentity
from tests.git_store import GitStore, Person
from tests.github_payloads import (
    blob,
    branch_rules,
    collaborator_permission,
    comment,
    commit,
    diff_entry,
    error,
    git_commit,
    git_ref,
    issue,
    labels,
    pull_request,
    review,
    status,
    team,
    team_repository,
    user,
)
from tests.github_schema import API, REPO, check, describe, openapi
from tests.signing_keys import web_flow_sign


class Crash(Exception):
    """Raised by FakeGitHub in place of the N-th call: the process died right before it."""


BOT_USER = ("github-actions[bot]", 41898282, "Bot")  # the account the token acts as
# The git identity GitHub writes for that account's commits; the bot must be configured with the same
# (CAB_BOT_NAME, CAB_BOT_EMAIL), as .github/workflows/cab.yml configures it.
TOKEN_IDENT = BotIdentity("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
GITHUB_IDENT = ("GitHub", "noreply@github.com")  # the committer of everything made through the API
WEB_FLOW = ("web-flow", 19864447)  # the account GitHub links to its committer email
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or T0).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    """A git repository (`git`, with `refs`, `commits`, `authors` as views of it), pull requests with
    their own labels, comments and reviews, issues, teams, and commit emails linked to accounts,
    behind checked REST and GraphQL answers.

    Humans act directly on the state (`add_review`, `add_comment`, `push`, `commit_tree(author=...)`);
    the bot acts only through the calls its forge makes, which are logged. `crash_before(n)` makes
    the n-th call from now (or the first call matching a pattern) fail before GitHub sees it, to
    prove that a re-run converges. Every answer is checked against GitHub's schemas like
    `GitHubMock.add`. Issue and PR numbers share one sequence, as on GitHub.
    """

    def __init__(
        self,
        rsps: responses.RequestsMock,
        repo: str = REPO,
        *,
        root: Path | None = None,
        token: BotIdentity = TOKEN_IDENT,
    ) -> None:
        """`root`: where the bare git repository goes (default: a temporary directory); `token`: the
        git identity GitHub gives the token's account (`BOT_USER`) in the commits it makes."""
        self.rsps = rsps
        self.repo = repo
        self.git = GitStore(root)
        self.refs = self.git.refs  # branch -> head sha, written through to refs/heads/ of the repository
        # every move of a branch, oldest first, as `GET /repos/{o}/{r}/activity` lists them (newest
        # first); `acting`: who pushes now (None: the account linked to the new head's author email)
        self.activities: list[dict[str, Any]] = []
        self.acting: dict[str, Any] | None = None
        self.refs.on_move = self._moved
        self.commits = _Commits(self.git)  # sha -> (tree, parents, message), read from the repository
        self.authors = _Authors(self)  # sha -> the GitHub account linked to its author email, if any
        self.statuses: list[tuple[str, str]] = []  # (sha, state) in the order they were set
        self.status_items: dict[str, list[dict[str, Any]]] = {}  # sha -> statuses, newest first
        self.prs: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.pinned: list[int] = []  # issue numbers pinned to the repository (GraphQL only), oldest first
        self.accounts: dict[str, dict[str, Any]] = {}  # login -> account (every add_user)
        self.permissions: dict[str, str] = {}  # login -> repository permission (default: write)
        self.team_permissions: dict[str, str | None] = {}  # team slug -> its permission (default: write)
        self.teams: dict[str, tuple[int, list[dict[str, Any]]]] = {}  # slug -> (id, members)
        self.emails: dict[str, dict[str, Any]] = {}  # commit email -> account, as GitHub links them
        self.missing_orgs: set[str] = set()  # organizations that do not exist (teams are keyed by slug)
        self.unreadable_teams: set[str] = set()  # teams the token may not read (a GITHUB_TOKEN)
        self.last_push_approval: bool | None = True  # the branch ruleset's require_last_push_approval
        self.log: list[str] = []
        self.comment_edits: dict[int, list[dict[str, Any]]] = {}  # comment id -> who edited it, in order
        self._crash_at: int | str | None = None
        self._lose_at: int | str | None = None
        self._lost_as: int | None = None
        # call number, or a pattern of the call (e.g. "mutation CabCommit") -> what someone else does
        # right before GitHub handles it
        self.interleave: dict[int | str, Any] = {}
        # The branch rule of the base branch, as set in a ruleset: how many approving reviews a merge
        # needs, and "Dismiss stale pull request approvals when new commits are pushed", under which
        # every push to a PR's branch (a person's, or the bot's createCommitOnBranch) dismisses the
        # approvals given before it.
        self.required_approvals = 0
        self.dismiss_stale_approvals = False
        self._next_id = 1000
        self._ticks = 0  # commit times: one minute apart from T0, so shas do not depend on the clock
        self.token = token
        self.emails[token.email.lower()] = user(*BOT_USER)
        self.emails[GITHUB_IDENT[1]] = user(*WEB_FLOW)
        rsps.add_callback(responses.GET, re.compile(r".*"), callback=self._dispatch)
        for verb in (responses.POST, responses.PATCH, responses.PUT, responses.DELETE):
            rsps.add_callback(verb, re.compile(r".*"), callback=self._dispatch)

    # -- setup: what people and earlier history did --
    def commit_tree(
        self,
        files: Mapping[str, bytes],
        parents: list[str],
        message: str = "seed",
        author: dict[str, Any] | None = None,
    ) -> str:
        """A commit of exactly `files` by `author` (an account; None: an email GitHub links to no one),
        who is also its committer, as after a `git push`."""
        person = self._person(*self._ident(author))
        return self.git.commit(self.git.tree(files), parents, person, person, message)

    def push(
        self, branch: str, files: Mapping[str, bytes | None], author: dict[str, Any], message: str = "update"
    ) -> str:
        """A `git push` of one commit by `author` on top of `branch` (None deletes a file)."""
        parent = self.refs[branch]
        self.refs[branch] = self.commit_tree(self._changed(parent, files), [parent], message, author)
        self.branch_moved(branch)
        return self.refs[branch]

    def branch_moved(self, branch: str) -> None:
        """What GitHub does to the open PRs from `branch` when a commit is pushed to it."""
        if not self.dismiss_stale_approvals:
            return
        for pr in self.prs.values():
            if pr["branch"] == branch and not pr["merged"]:
                for item in pr["reviews"]:
                    if item["state"] == "APPROVED":
                        item["state"] = "DISMISSED"

    def api_commit(
        self, files: Mapping[str, bytes], parents: list[str], message: str, *, signed: bool = True
    ) -> str:
        """A commit GitHub makes for the token (createCommitOnBranch, a merge): authored by the token's
        account, committed by GitHub and signed with its web-flow key (here a test key). The Git
        database API's commits (`POST .../git/commits`) are not signed: `signed=False`."""
        author = self._person(self.token.name, self.token.email)
        committer = self._person(*GITHUB_IDENT, author.when)
        sign = web_flow_sign if signed else None
        return self.git.commit(self.git.tree(files), parents, author, committer, message, sign)

    def _changed(self, parent: str, files: Mapping[str, bytes | None]) -> dict[str, bytes]:
        content = dict(self._files(parent))
        for path, data in files.items():
            if data is None:
                content.pop(path, None)
            else:
                content[path] = data
        return content

    def _ident(self, account: dict[str, Any] | None) -> tuple[str, str]:
        """The git name and email of an account's commits; GitHub links that email back to it."""
        if account is None:
            return "someone", "someone@example.com"
        known = [email for email, linked in self.emails.items() if linked["login"] == account["login"]]
        if known:
            return str(account["login"]), known[0]
        email = (
            f"{account['id']}+{account['login']}@users.noreply.github.com"
            if account.get("type") == "Bot"
            else f"{account['login']}@example.com"
        )
        self.emails[email] = account
        return str(account["login"]), email

    def _person(self, name: str, email: str, when: dt.datetime | None = None) -> Person:
        if when is None:
            self._ticks += 1
            when = T0 + dt.timedelta(minutes=self._ticks)
        return Person(name, email, when)

    def add_user(self, login: str, uid: int, kind: str = "User", email: str | None = None) -> dict[str, Any]:
        """An account; its commits carry `email` (default: login@example.com, or a bot's noreply one)."""
        account = user(login, uid, kind)
        self.accounts[login.lower()] = account
        if email is not None:
            self.emails[email.lower()] = account
        else:
            self._ident(account)
        return account

    def add_team(self, slug: str, tid: int, members: list[dict[str, Any]]) -> None:
        self.teams[slug] = (tid, members)

    def next_number(self) -> int:
        return max([*self.prs, *self.issues], default=0) + 1

    def open_pr(
        self,
        number: int,
        branch: str,
        base: str = "main",
        author: dict[str, Any] | None = None,
        head_owner: str | None = None,
    ) -> None:
        """`head_owner`: the owner of the fork the PR comes from (None: this repository's owner)."""
        self.prs[number] = {
            "head_owner": head_owner or self.repo.split("/")[0],
            "branch": branch,
            "base": base,
            "merged": False,
            "merge": None,
            "author": author,
            "labels": [],
            "comments": [],
            "reviews": [],
        }

    def add_review(
        self, number: int, who: dict[str, Any], state: str, commit_id: str, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        item = review(self._id(), who, state, commit_id, _stamp(at))
        self.prs[number]["reviews"].append(item)
        return item

    def add_comment(
        self, number: int, who: dict[str, Any], body: str, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        item = comment(self._id(), who, body, _stamp(at))
        self.prs[number]["comments"].append(item)
        return item

    def edit_comment(
        self, number: int, comment_id: int, who: dict[str, Any], body: str, at: dt.datetime | None = None
    ) -> None:
        """`who` edits a comment in the web UI (a maintainer may edit anyone's comment)."""
        for item in self.prs[number]["comments"]:
            if item["id"] == comment_id:
                item["body"], item["updated_at"] = body, _stamp(at)
                self.comment_edits.setdefault(comment_id, []).append(who)
                return
        raise KeyError(comment_id)

    # The first PR's lists, for tests that only ever have one PR.
    def _only(self) -> dict[str, Any]:
        assert self.prs, "open a PR first"
        return self.prs[min(self.prs)]

    @property
    def labels(self) -> list[str]:
        return self._only()["labels"]  # type: ignore[no-any-return]

    @labels.setter
    def labels(self, value: list[str]) -> None:
        self._only()["labels"] = value

    @property
    def comments(self) -> list[dict[str, Any]]:
        return self._only()["comments"]  # type: ignore[no-any-return]

    @comments.setter
    def comments(self, value: list[dict[str, Any]]) -> None:
        self._only()["comments"] = value

    @property
    def reviews(self) -> list[dict[str, Any]]:
        return self._only()["reviews"]  # type: ignore[no-any-return]

    @reviews.setter
    def reviews(self, value: list[dict[str, Any]]) -> None:
        self._only()["reviews"] = value

    def crash_before(self, call: int | str | None) -> None:
        """Crash before the `call`-th call from now, or before the first call matching the regular
        expression `call` (e.g. `"PUT .*/merge$"`)."""
        self._crash_at = len(self.log) + call if isinstance(call, int) else call

    def lose_answer_of(self, call: int | str, status: int | None = None) -> None:
        """The `call`-th call from now (or the first matching the regular expression `call`) happens
        on GitHub, but its answer never arrives; with `status`, a gateway error arrives instead."""
        self._lose_at = len(self.log) + call if isinstance(call, int) else call
        self._lost_as = status

    def writes(self) -> list[str]:
        return [entry for entry in self.log if not entry.startswith("GET ") and " query " not in entry]

    # -- git helpers --
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _files(self, commit_sha: str) -> dict[str, bytes]:
        return self.git.files(self.git.commit_object(commit_sha).tree)

    def _changes(self, at: str, file: str) -> bool:
        """Whether commit `at` changed `file` relative to its first parent (or added it)."""
        parents = self.commits[at][1]
        before = self._files(parents[0]).get(file) if parents else None
        return self._files(at).get(file) != before

    def _ancestry(self, start: str) -> list[str]:
        """`start` and all its ancestors, nearest first (breadth first)."""
        seen, order, queue = set(), [], [start]
        while queue:
            at = queue.pop(0)
            if at in seen:
                continue
            seen.add(at)
            order.append(at)
            queue += self.commits[at][1]
        return order

    def merge_base(self, one: str, other: str) -> str:
        ancestors = set(self._ancestry(one))
        return next(at for at in self._ancestry(other) if at in ancestors)

    def _between(self, base: str, head: str) -> list[str]:
        """Commits reachable from `head` but not from `base`, oldest first (`git log base..head`)."""
        excluded = set(self._ancestry(base))
        return [at for at in reversed(self._ancestry(head)) if at not in excluded]

    def _diff(self, old_sha: str, new_sha: str) -> list[dict[str, Any]]:
        """`GET .../files` and compare entries: each names the blob of the file's new content."""
        old, new = self._files(old_sha), self._files(new_sha)
        diff = []
        for path in sorted(old.keys() | new.keys()):
            if old.get(path) == new.get(path):
                continue
            kind = "removed" if path not in new else "added" if path not in old else "modified"
            item = diff_entry(path, kind, repo=self.repo)
            content = new.get(path, old.get(path, b""))
            item["sha"] = self.git.blob(content)
            diff.append(item)
        return diff

    def _commit_item(self, at: str) -> dict[str, Any]:
        """A commit as `GET .../commits` lists it: git's people and tree, and the accounts GitHub
        links to their emails."""
        found = self.git.commit_object(at)
        item = commit(
            at,
            author=self.emails.get(found.author.email.lower()),
            committer=self.emails.get(found.committer.email.lower()),
            message=found.message,
            parents=found.parents,
            repo=self.repo,
        )
        item["commit"].update(author=_git_person(found.author), committer=_git_person(found.committer))
        item["commit"]["tree"] = {"sha": found.tree, "url": f"{API}/repos/{self.repo}/git/trees/{found.tree}"}
        return item

    def _reply(
        self, method: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> Any:
        check(method, path, status, body)
        return (status, headers or {}, "" if body is None else json.dumps(body))

    def _pr_body(self, number: int) -> dict[str, Any]:
        pr = self.prs[number]
        head = pr["head"] if pr["merged"] else self.refs[pr["branch"]]
        base = self.refs[pr["base"]]
        return pull_request(
            number,
            head=head,
            base=base,
            head_ref=pr["branch"],
            labels=pr["labels"],
            merged=pr["merged"],
            state="closed" if pr["merged"] else "open",
            merge_commit_sha=pr["merge"],
            author=pr["author"],
            comments=len(pr["comments"]),
            changed_files=len(self._diff(self.merge_base(base, head), head)),
        )

    def _dispatch(self, request: Any) -> Any:
        parts = urlsplit(request.url)
        path, query = unquote(parts.path), parse_qs(parts.query)
        method = request.method
        self.log.append(describe(method, path, request.body))
        crash = self._crash_at
        if (isinstance(crash, int) and len(self.log) >= crash) or (
            isinstance(crash, str) and re.search(crash, self.log[-1])
        ):
            self._crash_at = None
            raise Crash(f"crashed before {method} {path}")
        for when in [w for w in self.interleave if w == len(self.log) or _matches(w, self.log[-1])]:
            self.interleave.pop(when)()
        answer = self._answer(request, method, path, query)
        lose = self._lose_at
        if (isinstance(lose, int) and len(self.log) >= lose) or (
            isinstance(lose, str) and re.search(lose, self.log[-1])
        ):
            self._lose_at = None
            if self._lost_as is not None:  # GitHub did it, but its gateway answered with an error
                return (self._lost_as, {}, json.dumps(error("Server Error")))
            raise Crash(f"answer to {method} {path} lost")
        return answer

    def _answer(self, request: Any, method: str, path: str, query: dict[str, list[str]]) -> Any:
        body = json.loads(request.body) if request.body else None
        self._accept = str(request.headers.get("Accept", ""))
        if method == "POST" and path.endswith("/graphql"):
            from tests.github_graphql_fake import Schema

            return (200, {}, json.dumps(Schema(self).execute(body["query"], body.get("variables"))))
        base = f"/repos/{self.repo}"
        rel = path[len(base) :] if path.startswith(base) else path
        for handler in (self._pulls, self._issues, self._git, self._other):
            answer = handler(method, path, rel, query, body)
            if answer is not None:
                return answer
        raise AssertionError(f"FakeGitHub does not implement {method} {path}")

    def _pulls(self, method: str, path: str, rel: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch
        if method == "GET" and (g := m(r"/pulls/(\d+)", rel)):
            return self._reply(method, path, 200, self._pr_body(int(g[1])))
        if method == "GET" and (g := m(r"/pulls/(\d+)/reviews", rel)):
            return self._reply(method, path, 200, self.prs[int(g[1])]["reviews"])
        if method == "GET" and (g := m(r"/pulls/(\d+)/(commits|files)", rel)):
            pr = self.prs[int(g[1])]
            head = pr["head"] if pr["merged"] else self.refs[pr["branch"]]
            base = pr["merged_base"] if pr["merged"] else self.refs[pr["base"]]  # as GitHub keeps them
            if g[2] == "commits":
                chain = [self._commit_item(at) for at in self._between(base, head)]
                return self._reply(method, path, 200, chain)
            return self._reply(method, path, 200, self._diff(self.merge_base(base, head), head))
        if method == "PUT" and (g := m(r"/pulls/(\d+)/merge", rel)):
            return self._merge(method, path, int(g[1]), body)
        if method == "GET" and rel == "/pulls" and "head" not in query:
            return self._pull_list(method, path, query)
        if method == "GET" and rel == "/pulls":
            owner, head = query["head"][0].split(":", 1) if "head" in query else (None, None)
            found = [
                self._pr_body(n)
                for n, pr in sorted(self.prs.items(), reverse=True)  # newest first: no update times here
                if head in (None, pr["branch"]) and owner in (None, pr["head_owner"]) and not pr["merged"]
            ][: int(query.get("per_page", ["30"])[0])]
            simple = [{k: v for k, v in pr.items() if k in _SIMPLE_KEYS} for pr in found]
            return self._reply(method, path, 200, simple)
        if method == "POST" and (g := m(r"/pulls/(\d+)/requested_reviewers", rel)):
            pr = self.prs[int(g[1])]
            asked = pr.setdefault("requested_teams", [])
            for slug in body.get("team_reviewers", []):
                if slug not in self.teams:
                    return self._reply(
                        method, path, 422, error("Reviews may only be requested from collaborators.")
                    )
                if slug not in asked:
                    asked.append(slug)
            simple = {k: v for k, v in self._pr_body(int(g[1])).items() if k in _SIMPLE_KEYS}
            return self._reply(method, path, 201, simple)
        if method == "POST" and rel == "/pulls":
            number = self.next_number()
            self.open_pr(number, body["head"], body["base"], user("ci", 300))
            return self._reply(method, path, 201, self._pr_body(number))
        return None

    def _pull_list(self, method: str, path: str, query: dict[str, list[str]]) -> Any:
        """`GET /pulls?state=open|closed|all`, by number descending, paginated as GitHub does."""
        state = query.get("state", ["open"])[0]
        per_page, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
        numbers = sorted(
            (
                n
                for n, pr in self.prs.items()
                if state == "all" or state == ("closed" if pr["merged"] else "open")
            ),
            reverse=True,
        )
        last = max(1, -(-len(numbers) // per_page))
        chunk = numbers[(page - 1) * per_page : page * per_page]
        items = [{k: v for k, v in self._pr_body(n).items() if k in _SIMPLE_KEYS} for n in chunk]
        links = []
        if page < last:
            url = f"{API}{path}?state={state}&per_page={per_page}"
            links = [f'<{url}&page={page + 1}>; rel="next"', f'<{url}&page={last}>; rel="last"']
        return self._reply(method, path, 200, items, {"Link": ", ".join(links)} if links else None)

    def _merge(self, method: str, path: str, number: int, body: Any) -> Any:
        """A merge commit of base and head: head's changes since the merge base on top of base."""
        pr = self.prs[number]
        if pr["merged"]:
            return self._reply(method, path, 405, {"message": "Pull Request is not mergeable"})
        head, base = self.refs[pr["branch"]], self.refs[pr["base"]]
        if body.get("sha") != head:
            return self._reply(
                method, path, 409, {"message": "Head branch was modified. Review and try the merge again."}
            )
        if self._approvals(number) < self.required_approvals:
            message = "At least 1 approving review is required by reviewers with write access."
            return self._reply(method, path, 405, {"message": message})
        ancestor = self._files(self.merge_base(base, head))
        ours, theirs = self._files(base), self._files(head)
        merged = dict(ours)
        for name in set(ancestor) | set(theirs):
            if theirs.get(name) == ancestor.get(name):
                continue
            if ours.get(name) not in (ancestor.get(name), theirs.get(name)):
                return self._reply(method, path, 405, {"message": "Pull Request is not mergeable"})
            if name in theirs:
                merged[name] = theirs[name]
            else:
                merged.pop(name, None)
        message = f"{body['commit_title']}\n\n{body['commit_message']}"
        merge = self.api_commit(merged, [base, head], message)
        self.refs[pr["base"]] = merge
        pr.update(merged=True, merge=merge, head=head, merged_base=base)
        answer = {"sha": merge, "merged": True, "message": "Pull Request successfully merged"}
        return self._reply(method, path, 200, answer)

    def _approvals(self, number: int) -> int:
        """Reviewers whose latest review approves (the count a branch rule compares)."""
        latest: dict[int, str] = {}
        for item in self.prs[number]["reviews"]:
            latest[item["user"]["id"]] = item["state"]
        return sum(1 for state in latest.values() if state == "APPROVED")

    def _issues(self, method: str, path: str, rel: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch
        if (g := m(r"/issues/(\d+)/comments", rel)) and method in ("GET", "POST"):
            comments = self.prs[int(g[1])]["comments"]
            if method == "GET":
                return self._reply(method, path, 200, comments)
            item = comment(self._id(), user(*BOT_USER), body["body"])
            comments.append(item)
            return self._reply(method, path, 201, item)
        if (g := m(r"/issues/comments/(\d+)", rel)) and method in ("PATCH", "DELETE"):
            for pr in self.prs.values():
                for item in pr["comments"]:
                    if item["id"] == int(g[1]):
                        if method == "DELETE":
                            pr["comments"].remove(item)
                            return self._reply(method, path, 204, None)
                        item["body"] = body["body"]
                        return self._reply(method, path, 200, item)
            return self._reply(method, path, 404, error("Not Found"))
        if method == "POST" and (g := m(r"/issues/(\d+)/labels", rel)):
            names = self.prs[int(g[1])]["labels"]
            names += [name for name in body["labels"] if name not in names]
            return self._reply(method, path, 200, labels(*names))
        if method == "DELETE" and (g := m(r"/issues/(\d+)/labels/(.+)", rel)):
            names = self.prs[int(g[1])]["labels"]
            if g[2] not in names:
                return self._reply(method, path, 404, error("Label does not exist"))
            names.remove(g[2])
            return self._reply(method, path, 200, labels(*names))
        if method == "GET" and rel == "/issues":
            state = query.get("state", ["open"])[0]
            wanted = set(query["labels"][0].split(",")) if "labels" in query else set()
            found = [
                item
                for item in self.issues.values()
                if state in ("all", item["state"]) and wanted <= {lab["name"] for lab in item["labels"]}
            ]
            return self._reply(method, path, 200, found)
        if method == "POST" and rel == "/issues":
            number = self.next_number()
            item = issue(
                number, body["title"], body.get("body") or "", user(*BOT_USER), body.get("labels", [])
            )
            self.issues[number] = item
            return self._reply(method, path, 201, item)
        if method == "PATCH" and (g := m(r"/issues/(\d+)", rel)):
            item = self.issues[int(g[1])]
            item.update({key: body[key] for key in ("title", "body", "state") if key in body})
            return self._reply(method, path, 200, item)
        return None

    def _git(self, method: str, path: str, rel: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch
        if method == "GET" and (g := m(r"/git/ref/heads/(.+)", rel)):
            if g[1] not in self.refs:
                return self._reply(method, path, 404, error("Not Found"))
            return self._reply(method, path, 200, git_ref(g[1], self.refs[g[1]], self.repo))
        if method == "POST" and rel == "/git/refs":
            branch = body["ref"].removeprefix("refs/heads/")
            if branch in self.refs:
                return self._reply(method, path, 422, error("Reference already exists"))
            self.refs[branch] = body["sha"]
            return self._reply(method, path, 201, git_ref(branch, body["sha"], self.repo))
        if method == "PATCH" and (g := m(r"/git/refs/heads/(.+)", rel)):
            new = body["sha"]
            if not body.get("force") and self.refs[g[1]] not in self._ancestry(new):
                return self._reply(method, path, 422, error("Update is not a fast forward"))
            self.refs[g[1]] = new
            return self._reply(method, path, 200, git_ref(g[1], new, self.repo))
        if method == "GET" and (g := m(r"/git/trees/([0-9a-f]{40})", rel)):
            return self._reply(method, path, 200, self._tree_listing(g[1], "recursive" in query))
        if method == "GET" and (g := m(r"/git/blobs/([0-9a-f]{40})", rel)):
            try:
                content = self.git.blob_content(g[1])
            except KeyError:
                return self._reply(method, path, 404, error("Not Found"))
            return self._reply(method, path, 200, blob(content, self.repo))
        if method == "POST" and rel == "/git/trees":
            files = dict(self.git.files(body["base_tree"]))
            for entry in body["tree"]:
                if entry.get("content") is not None:
                    files[entry["path"]] = entry["content"].encode()
                elif entry.get("sha") is None:
                    files.pop(entry["path"], None)
            return self._reply(method, path, 201, self._tree_listing(self.git.tree(files), True))
        if method == "GET" and (g := m(r"/git/commits/([0-9a-f]{40})", rel)):
            return self._reply(method, path, 200, self._git_commit(g[1]))
        if method == "POST" and rel == "/git/commits":
            new = self.api_commit(
                self.git.files(body["tree"]), body["parents"], body["message"], signed=False
            )
            answer = git_commit(new, body["tree"], body["parents"], body["message"], self.repo)
            made = self.git.commit_object(new)
            answer.update(author=_git_person(made.author), committer=_git_person(made.committer))
            return self._reply(method, path, 201, answer)
        return None

    def _git_commit(self, sha: str) -> dict[str, Any]:
        """`GET .../git/commits/{sha}`: the commit's fields and, when it is signed, GitHub's
        `verification`: the armored signature and the raw commit without it, verbatim."""
        made = self.git.commit_object(sha)
        header = parse_commit(sha, self.git.raw_commit(sha))
        answer = git_commit(sha, made.tree, list(made.parents), made.message, self.repo)
        answer.update(author=_git_person(made.author), committer=_git_person(made.committer))
        if header.signature is not None:
            answer["verification"] = {
                "verified": True,
                "reason": "valid",
                "signature": header.signature.armored.decode(),
                "payload": header.signature.payload.decode(),
            }
        return answer

    def _tree_listing(self, at: str, recursive: bool) -> dict[str, Any]:
        """`GET .../git/trees/{sha}` of a tree or commit: the real tree's entries and shas."""
        root = self.git.commit_object(at).tree if self.git.has_commit(at) else at
        items: list[dict[str, Any]] = []

        def walk(tree: str, prefix: str) -> None:
            for entry in self.git.tree_items(tree):
                name = prefix + entry.name
                kind = "tree" if entry.is_tree else "blob"
                item: dict[str, Any] = {
                    "path": name,
                    "mode": "040000" if entry.is_tree else entry.mode,
                    "type": kind,
                    "sha": entry.oid,
                    "url": f"{API}/repos/{self.repo}/git/{kind}s/{entry.oid}",
                }
                if not entry.is_tree:
                    item["size"] = len(self.git.blob_content(entry.oid))
                items.append(item)
                if entry.is_tree and recursive:
                    walk(entry.oid, name + "/")

        walk(root, "")
        return {
            "sha": root,
            "url": f"{API}/repos/{self.repo}/git/trees/{root}",
            "truncated": False,
            "tree": items,
        }

    def _moved(self, branch: str, before: str | None, after: str | None) -> None:
        """GitHub's activity list entry for one move of a branch (`activity` in its REST description)."""
        zero = "0" * 40
        if before is None:
            kind = "branch_creation"
        elif after is None:
            kind = "branch_deletion"
        else:
            kind = "push" if before in self._ancestry(after) else "force_push"
        actor = self.acting if self.acting is not None else (self.authors[after] if after else None)
        self.activities.append(
            {
                "id": self._id(),
                "node_id": f"RA_{len(self.activities)}",
                "before": before or zero,
                "after": after or zero,
                "ref": f"refs/heads/{branch}",
                "timestamp": _stamp(T0 + dt.timedelta(minutes=self._ticks)),
                "activity_type": kind,
                "actor": actor,
            }
        )

    def _activity(self, method: str, path: str, query: dict[str, list[str]]) -> Any:
        """One page of a repository's activity, newest first, cut by the `after` cursor (an id)."""
        owner = path.split("/")[2]
        ref = query.get("ref", [""])[0]
        wanted = ref if ref.startswith("refs/") else f"refs/heads/{ref}"
        per_page = int(query.get("per_page", ["30"])[0])
        mine = [
            item
            for item in reversed(self.activities)
            if item["ref"] == wanted and self._branch_owner(item["ref"].removeprefix("refs/heads/")) == owner
        ]
        if "after" in query:
            cursor = int(query["after"][0])
            mine = [item for item in mine if item["id"] < cursor]
        page = mine[:per_page]
        links = None
        if len(mine) > per_page:
            url = f"{API}{path}?ref={wanted}&per_page={per_page}&after={page[-1]['id']}"
            links = {"Link": f'<{url}>; rel="next"'}
        return self._reply(method, path, 200, page, links)

    def _branch_owner(self, branch: str) -> str:
        """Whose repository a branch lives in: a fork's PR branch in the fork, any other here."""
        for pr in self.prs.values():
            if pr["branch"] == branch:
                return str(pr["head_owner"])
        return self.repo.split("/")[0]

    def _other(self, method: str, path: str, rel: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch
        if method == "GET" and m(r"/repos/[^/]+/[^/]+/activity", path):
            return self._activity(method, path, query)
        if method == "POST" and (g := m(r"/statuses/([0-9a-f]{40})", rel)):
            self.statuses.append((g[1], body["state"]))
            item = status(body["state"], body.get("description"), self._id())
            item["context"] = body.get("context", "default")
            self.status_items.setdefault(g[1], []).insert(0, item)  # GitHub lists the newest first
            return self._reply(method, path, 201, item)
        if method == "GET" and m(r"/rules/branches/[^/]+", rel):
            return self._reply(method, path, 200, branch_rules(self.last_push_approval, self.repo))
        if method == "GET" and (g := m(r"/commits/([0-9a-f]{40})/statuses", rel)):
            return self._reply(method, path, 200, self.status_items.get(g[1], []))
        if method == "GET" and (g := m(r"/compare/([0-9a-f]{40})\.\.\.([0-9a-f]{40})", rel)):
            return self._reply(method, path, 200, self._comparison(g[1], g[2]))
        if method == "GET" and rel == "/commits":  # date order is approximated by a walk of all parents
            found = self._ancestry(query["sha"][0])
            if "path" in query:  # only commits that changed the file, as `git log -- path`
                found = [at for at in found if self._changes(at, query["path"][0])]
            return self._reply(method, path, 200, [self._commit_item(at) for at in found])
        if method == "GET" and (g := m(r"/collaborators/([^/]+)/permission", rel)):
            account = self.accounts.get(g[1].lower())
            if account is None:
                return self._reply(method, path, 404, error("Not Found"))
            permission = self.permissions.get(account["login"], "write")
            return self._reply(method, path, 200, collaborator_permission(account, permission))
        if method == "GET" and (g := m(r"/orgs/[^/]+/teams/([^/]+)/repos/([^/]+/[^/]+)", path)):
            granted = self.team_permissions.get(g[1], "write")
            if g[1] not in self.teams or granted is None or g[2].lower() != self.repo.lower():
                return self._reply(method, path, 404, error("Not Found"))
            if "application/vnd.github.v3.repository+json" not in self._accept:
                return self._reply(method, path, 204, None)  # access, but not which: GitHub's default
            return self._reply(method, path, 200, team_repository(granted, self.repo))
        if method == "GET" and (g := m(r"/orgs/[^/]+/teams/([^/]+)(/members)?", path)):
            if g[1] not in self.teams:
                return self._reply(method, path, 404, error("Not Found"))
            tid, members = self.teams[g[1]]
            return self._reply(method, path, 200, members if g[2] else team(g[1], tid))
        return None

    def _comparison(self, base: str, head: str) -> dict[str, Any]:
        """`GET /compare/{base}...{head}`: commits and files from the merge base to head."""
        ancestor = self.merge_base(base, head)
        ahead, behind = self._between(ancestor, head), self._between(ancestor, base)
        state = (
            "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
        )
        web = f"https://github.com/{self.repo}/compare"
        return {
            "url": f"{API}/repos/{self.repo}/compare/{base}...{head}",
            "html_url": f"{web}/{base}...{head}",
            "permalink_url": f"{web}/{base}...{head}",
            "diff_url": f"{web}/{base}...{head}.diff",
            "patch_url": f"{web}/{base}...{head}.patch",
            "base_commit": self._commit_item(base),
            "merge_base_commit": self._commit_item(ancestor),
            "status": state,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [self._commit_item(at) for at in ahead],
            "files": self._diff(ancestor, head),
        }


_SIMPLE_KEYS = set(openapi()["components"]["examples"]["pull-request-simple-items"]["value"][0])


class _Commits(Mapping[str, tuple[str, list[str], str]]):
    """The repository's commits as (tree, parents, message), every one the fake has made."""

    def __init__(self, store: GitStore) -> None:
        self._git = store

    def __getitem__(self, oid: str) -> tuple[str, list[str], str]:
        found = self._git.commit_object(oid)
        return found.tree, list(found.parents), found.message

    def __contains__(self, oid: object) -> bool:
        return isinstance(oid, str) and self._git.has_commit(oid)

    def __iter__(self) -> Iterator[str]:
        return iter(self._git.made_commits())

    def __len__(self) -> int:
        return len(self._git.made_commits())


class _Authors(Mapping[str, "dict[str, Any] | None"]):
    """Commit sha -> the account GitHub links to its author's email (None: linked to no one)."""

    def __init__(self, fake: FakeGitHub) -> None:
        self._fake = fake

    def __getitem__(self, oid: str) -> dict[str, Any] | None:
        email = self._fake.git.commit_object(oid).author.email
        return self._fake.emails.get(email.lower())

    def __iter__(self) -> Iterator[str]:
        return iter(self._fake.commits)

    def __len__(self) -> int:
        return len(self._fake.commits)


def _git_person(person: Person) -> dict[str, str]:
    return {"name": person.name, "email": person.email, "date": person.when.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _matches(when: int | str, call: str) -> bool:
    return isinstance(when, str) and re.search(when, call) is not None


def make_forge(repo: str = REPO, **kwargs: Any) -> Any:
    """A GitHubForge as a test wants it: no throttling pause, retries that record instead of sleeping."""
    from github import Auth

    from bot.adapters.forge.github import GitHubForge
    from bot.adapters.forge.retry import ForgeRetry

    slept: list[float] = kwargs.pop("slept", [])
    kwargs.setdefault("retry", ForgeRetry(sleep=slept.append))
    kwargs.setdefault("identity", TOKEN_IDENT)
    return GitHubForge(repo, auth=Auth.Token("test-token"), throttle=False, **kwargs)
