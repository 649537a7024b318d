"""GitHub's GraphQL endpoint for `FakeGitHub`: each document is validated against GitHub's schema
(`github_schema.validate`), then executed by graphql-core over the fake's pull requests, teams and
real git repository: every oid, tree entry and blob it answers is the repository's own.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from bot.adapters.git.process import parse_commit
from tests.git_store import TreeItem
from tests.github_payloads import actor, comment_node, git_user, review_node
from tests.github_schema import GitHubError, connection, execute
from tests.signing_keys import GITHUB_EMAIL

if TYPE_CHECKING:
    from tests.github_fake import FakeGitHub

_CO_AUTHOR = re.compile(r"^co-authored-by:\s*([^<\n]*)<([^>\n]+)>\s*$", re.IGNORECASE | re.MULTILINE)


class Schema:
    """Resolvers over one FakeGitHub; graphql-core calls methods named like the fields."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def execute(self, document: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        return execute(document, variables, _Root(self.fake))


class _Root:
    typename = "Query"

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def repository(self, _info: Any, owner: str, name: str, **_: Any) -> _Repository:
        if f"{owner}/{name}".lower() != self.fake.repo.lower():
            raise GitHubError(
                "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
            )
        return _Repository(self.fake)

    def organization(self, _info: Any, login: str) -> dict[str, Any]:
        fake = self.fake
        if fake.missing_orgs and login.lower() in fake.missing_orgs:
            raise GitHubError(
                "NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'."
            )

        def team(_info: Any, slug: str) -> dict[str, Any] | None:
            if slug in fake.unreadable_teams:
                raise GitHubError("FORBIDDEN", "Resource not accessible by integration")
            if slug not in fake.teams:
                return None
            tid, members = fake.teams[slug]
            people = [{"login": m["login"], "databaseId": m["id"]} for m in members]
            return {
                "databaseId": tid,
                "slug": slug,
                "name": slug,
                "members": lambda _info, **page: connection(people, **page),
            }

        return {"__typename": "Organization", "login": login, "team": team}

    def createCommitOnBranch(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        fake, branch = self.fake, input["branch"]
        name, expected = branch.get("branchName"), input["expectedHeadOid"]
        if branch.get("repositoryNameWithOwner", "").lower() != fake.repo.lower() or name not in fake.refs:
            raise GitHubError("NOT_FOUND", f'A ref named "refs/heads/{name}" does not exist.')
        if fake.refs[name] != expected:
            raise GitHubError(
                "STALE_DATA",
                f'Expected branch to point to "{expected}" but it did not. Pull and try again.',
            )
        changes: dict[str, bytes | None] = {}
        for item in (input.get("fileChanges") or {}).get("deletions") or []:
            changes[item["path"]] = None
        for item in (input.get("fileChanges") or {}).get("additions") or []:
            changes[item["path"]] = base64.b64decode(item["contents"], validate=True)
        message = input["message"]["headline"] + (
            f"\n\n{input['message']['body']}" if input["message"].get("body") else ""
        )
        new = fake.api_commit(fake._changed(expected, changes), [expected], message)
        fake.refs[name] = new
        fake.branch_moved(name)
        return {"commit": _Commit(fake, new), "ref": None, "clientMutationId": input.get("clientMutationId")}

    def pinIssue(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        """GitHub pins at most three issues per repository (its web UI says so; the refusal's exact
        wording and type are not documented, so this one is ours)."""
        fake = self.fake
        found = [n for n, item in fake.issues.items() if item["node_id"] == input["issueId"]]
        if not found:
            raise GitHubError(
                "NOT_FOUND", f"Could not resolve to a node with the global id of '{input['issueId']}'"
            )
        if found[0] not in fake.pinned:
            if len(fake.pinned) >= 3:
                raise GitHubError("UNPROCESSABLE", "Repository already has 3 pinned issues")
            fake.pinned.append(found[0])
        return {"issue": _issue(fake, found[0]), "clientMutationId": input.get("clientMutationId")}


def _issue(fake: FakeGitHub, number: int) -> dict[str, Any]:
    item = fake.issues[number]
    return {"id": item["node_id"], "number": number, "isPinned": number in fake.pinned}


class _Repository:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def issue(self, _info: Any, number: int) -> dict[str, Any] | None:
        if number not in self.fake.issues:
            raise GitHubError(
                "NOT_FOUND", f"Could not resolve to an issue or pull request with the number of {number}."
            )
        return _issue(self.fake, number)

    def nameWithOwner(self, _info: Any) -> str:
        return self.fake.repo

    def pullRequest(self, _info: Any, number: int) -> _PullRequest:
        if number not in self.fake.prs:
            raise GitHubError("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
        return _PullRequest(self.fake, number)

    def object(self, _info: Any, oid: str | None = None, expression: str | None = None) -> Any:
        if oid is not None and self.fake.git.has_commit(oid):
            return _Commit(self.fake, oid)
        return None

    def ref(self, _info: Any, qualifiedName: str) -> dict[str, Any] | None:
        name = qualifiedName.removeprefix("refs/heads/")
        return _ref(self.fake, name) if name in self.fake.refs else None


def _ref(fake: FakeGitHub, name: str) -> dict[str, Any]:
    return {"name": name, "target": _Commit(fake, fake.refs[name])}


class _PullRequest:
    def __init__(self, fake: FakeGitHub, number: int) -> None:
        self.fake, self.number = fake, number
        self.pr = fake.prs[number]
        self.rest = fake._pr_body(number)

    def _head(self) -> str:
        return str(self.rest["head"]["sha"])

    def title(self, _info: Any) -> str:
        return str(self.rest["title"])

    def body(self, _info: Any) -> str:
        return str(self.rest.get("body") or "")

    def state(self, _info: Any) -> str:
        return "MERGED" if self.pr["merged"] else "OPEN"

    def merged(self, _info: Any) -> bool:
        return bool(self.pr["merged"])

    def changedFiles(self, _info: Any) -> int:
        return int(self.rest["changed_files"])

    def mergeCommit(self, _info: Any) -> _Commit | None:
        return _Commit(self.fake, self.pr["merge"]) if self.pr["merge"] else None

    def author(self, _info: Any) -> dict[str, Any] | None:
        return actor(self.pr["author"])

    def headRefName(self, _info: Any) -> str:
        return str(self.pr["branch"])

    def headRefOid(self, _info: Any) -> str:
        return self._head()

    def baseRefName(self, _info: Any) -> str:
        return str(self.pr["base"])

    def baseRefOid(self, _info: Any) -> str:
        return str(self.rest["base"]["sha"])

    def baseRef(self, _info: Any) -> dict[str, Any] | None:
        return _ref(self.fake, self.pr["base"]) if self.pr["base"] in self.fake.refs else None

    def headRepository(self, _info: Any) -> _Repository:
        return _Repository(self.fake)

    def labels(self, _info: Any, **page: Any) -> dict[str, Any]:
        return connection([{"name": name} for name in self.pr["labels"]], **page)

    def files(self, _info: Any, **page: Any) -> dict[str, Any]:
        kinds = {"added": "ADDED", "removed": "DELETED", "modified": "MODIFIED", "renamed": "RENAMED"}
        base = self.pr["merged_base"] if self.pr["merged"] else self.fake.refs[self.pr["base"]]
        diff = self.fake._diff(self.fake.merge_base(base, self._head()), self._head())
        return connection([{"path": d["filename"], "changeType": kinds[d["status"]]} for d in diff], **page)

    def reviews(self, _info: Any, **page: Any) -> dict[str, Any]:
        git = self.fake.git
        nodes = [
            review_node(
                r, _Commit(self.fake, r["commit_id"]) if git.has_commit(r.get("commit_id", "")) else None
            )
            for r in self.pr["reviews"]
        ]
        return connection(nodes, **page)

    def commits(self, _info: Any, **page: Any) -> dict[str, Any]:
        chain = self.fake._between(self.fake.refs[self.pr["base"]], self._head())
        return connection([{"commit": _Commit(self.fake, at)} for at in chain], **page)

    def comments(self, _info: Any, **page: Any) -> dict[str, Any]:
        edits = self.fake.comment_edits
        return connection([comment_node(c, edits.get(c["id"], [])) for c in self.pr["comments"]], **page)


class _Commit:
    typename = "Commit"

    def __init__(self, fake: FakeGitHub, sha: str) -> None:
        self.fake, self.sha = fake, sha
        self.git = fake.git.commit_object(sha)

    def oid(self, _info: Any) -> str:
        return self.sha

    def message(self, _info: Any) -> str:
        return self.git.message

    def _person(self, name: str, email: str, date: str | None = None) -> dict[str, Any]:
        user = git_user(self.fake.emails.get(email.lower()))
        return {"email": email, "name": name, "user": user, "date": date}

    def author(self, _info: Any) -> dict[str, Any]:
        return self._person(self.git.author.name, self.git.author.email)

    def committer(self, _info: Any) -> dict[str, Any]:
        header = parse_commit(self.sha, self.fake.git.raw_commit(self.sha))
        when = None if header.committed_at is None else header.committed_at.isoformat()
        return self._person(self.git.committer.name, self.git.committer.email, when)

    def signature(self, _info: Any) -> dict[str, Any] | None:
        """GitHub's `GitSignature` of a signed commit: the armored signature and the raw commit
        without it, verbatim, typed by the armor; GitHub vouches only for its own web-flow key."""
        signed = parse_commit(self.sha, self.fake.git.raw_commit(self.sha)).signature
        if signed is None:
            return None
        armored = signed.armored.decode()
        kind = "SshSignature" if "SSH SIGNATURE" in armored else "GpgSignature" if "PGP" in armored else None
        web_flow = kind == "GpgSignature" and self.git.committer.email == GITHUB_EMAIL
        return {
            "__typename": kind or "UnknownSignature",
            "payload": signed.payload.decode(),
            "signature": armored.rstrip("\n"),
            "email": self.git.committer.email,
            "isValid": web_flow,
            "state": "VALID" if web_flow else "UNKNOWN_KEY",
            "signer": None,
            "verifiedAt": None,
            "wasSignedByGitHub": web_flow,
        }

    def authors(self, _info: Any, **page: Any) -> dict[str, Any]:
        """The author, then each `Co-authored-by: Name <email>` of the message, as GitHub lists them."""
        people = [(self.git.author.name, self.git.author.email)]
        people += [(m[1].strip(), m[2]) for m in _CO_AUTHOR.finditer(self.git.message)]
        return connection([self._person(name, email) for name, email in people], **page)

    def parents(self, _info: Any, **page: Any) -> dict[str, Any]:
        return connection([_Commit(self.fake, p) for p in self.git.parents], **page)

    def history(self, _info: Any, **page: Any) -> dict[str, Any]:
        return connection([_Commit(self.fake, at) for at in self.fake._ancestry(self.sha)], **page)

    def status(self, _info: Any) -> dict[str, Any] | None:
        items = self.fake.status_items.get(self.sha)
        if not items:
            return None
        latest: dict[str, dict[str, Any]] = {}
        for item in items:  # newest first: the first per context is its current state
            latest.setdefault(item["context"], item)
        return {
            "contexts": [
                {"context": c, "state": i["state"].upper(), "description": i.get("description")}
                for c, i in latest.items()
            ]
        }

    def file(self, _info: Any, path: str) -> dict[str, Any] | None:
        path = path.strip("/")
        found = self.fake.git.entry(self.git.tree, path)
        return None if found is None else _tree_entry(self.fake, found, path)

    def tree(self, _info: Any) -> _Tree:
        return _Tree(self.fake, self.git.tree, "")


class _Tree:
    typename = "Tree"

    def __init__(self, fake: FakeGitHub, oid: str, path: str) -> None:
        self.fake, self.oid, self.path = fake, oid, path

    def entries(self, _info: Any) -> list[dict[str, Any]]:
        prefix = f"{self.path}/" if self.path else ""
        return [
            _tree_entry(self.fake, item, prefix + item.name) for item in self.fake.git.tree_items(self.oid)
        ]


def _tree_entry(fake: FakeGitHub, item: TreeItem, path: str) -> dict[str, Any]:
    """A TreeEntry of the repository; GitHub inlines a blob's UTF-8 text and flags anything else binary."""
    obj: Any
    if item.is_tree:
        obj = _Tree(fake, item.oid, path)
    elif item.mode == "160000":  # a submodule: a commit of another repository, which GitHub resolves to null
        obj = None
    else:
        content = fake.git.blob_content(item.oid)
        try:
            text: str | None = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        obj = {
            "__typename": "Blob",
            "oid": item.oid,
            "text": text,
            "isBinary": text is None,
            "isTruncated": False,
            "byteSize": len(content),
        }
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "mode": int(item.mode, 8),
        "type": "tree" if item.is_tree else "commit" if item.mode == "160000" else "blob",
        "oid": item.oid,
        "object": obj,
    }
