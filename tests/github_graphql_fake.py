"""GitHub's GraphQL endpoint for `FakeGitHub`: every document is validated against the subset of
GitHub's public schema in `fixtures/github/graphql/github-subset.graphql` (copied field by field
from octokit/graphql-schema; see SOURCES.md there), then executed by graphql-core over the fake's
git objects, pull requests and teams. A document that names a field, argument or type GitHub does
not have fails the test that sent it, as it would fail on github.com.

Answers take GitHub's shape: HTTP 200 with `data` and, beside partial data, `errors` whose `type`
is GitHub's (`NOT_FOUND`, `STALE_DATA`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphql

if TYPE_CHECKING:
    from tests.github_mock import FakeGitHub

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "github" / "graphql" / "github-subset.graphql"
MAX_PAGE = 100  # GitHub refuses `first`/`last` above 100
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
MODES = {"blob": 0o100644, "tree": 0o040000}


@functools.cache
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_FILE.read_text())


class GitHubError(graphql.GraphQLError):
    """An error GitHub reports with a `type` beside its message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def connection(
    items: Sequence[Any],
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    **_: Any,
) -> dict[str, Any]:
    for size in (first, last):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise GitHubError("INVALID_ARGUMENTS", f"Requesting {size} records exceeds the limit of 100")
    start = int(after) + 1 if after is not None else 0
    window = list(items)[start:]
    if first is not None:
        page, more = window[:first], len(window) > first
    elif last is not None:
        page, more = window[-last:] if last else [], False
    else:
        raise GitHubError("MISSING_PAGINATION_BOUNDARIES", "You must provide a `first` or `last` value")
    end = start + len(page) - 1 if page else None
    return {
        "nodes": page,
        "totalCount": len(items),
        "pageInfo": {"hasNextPage": more, "endCursor": None if end is None else str(end)},
    }


def _typed(kind: str, **fields: Any) -> dict[str, Any]:
    return {"__typename": kind, **fields}


def actor(account: dict[str, Any] | None) -> dict[str, Any] | None:
    """A REST account as GraphQL's Actor (User or Bot). GraphQL names a Bot without the `[bot]`
    suffix REST gives its login: `github-actions`, not `github-actions[bot]`."""
    if account is None:
        return None
    kind = account.get("type", "User")
    login = str(account["login"])
    login = login.removesuffix("[bot]") if kind == "Bot" else login
    return _typed(kind, login=login, databaseId=account["id"])


def git_user(account: dict[str, Any] | None) -> dict[str, Any] | None:
    """`GitActor.user` is typed User: GitHub links no user for a bot's commits."""
    if account is None or account.get("type") == "Bot":
        return None
    return {"login": account["login"], "databaseId": account["id"]}


class Schema:
    """Resolvers over one FakeGitHub; graphql-core calls methods named like the fields."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def execute(self, document: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        return execute(document, variables, _Root(self.fake))


def validate(document: str) -> graphql.DocumentNode:
    """The parsed document; fails the test if GitHub's schema would reject it."""
    parsed = graphql.parse(document)
    invalid = graphql.validate(schema(), parsed)
    assert not invalid, f"GitHub would reject this GraphQL document: {invalid}"
    return parsed


def execute(document: str, variables: dict[str, Any] | None, root: Any) -> dict[str, Any]:
    """GitHub's answer to a validated `document` over `root` (an object or dicts whose attributes or
    keys are named like the fields, callables taking `(info, **arguments)`): `data`, and beside
    partial data the `errors` that resolvers raised as `GitHubError`, in GitHub's shape."""
    result = graphql.execute_sync(
        schema(),
        validate(document),
        root_value=root,
        variable_values=variables or {},
        type_resolver=_type_name,
    )
    answer: dict[str, Any] = {"data": result.data}
    errors = result.errors or []
    unexpected = [e for e in errors if not isinstance(e.original_error, GitHubError)]
    if unexpected:
        raise AssertionError(f"fake GraphQL failed: {unexpected}") from unexpected[0].original_error
    if errors:
        answer["errors"] = [
            {
                "type": e.original_error.kind,  # type: ignore[union-attr]
                "path": e.path,
                "locations": [{"line": loc.line, "column": loc.column} for loc in e.locations or []],
                "message": e.message,
            }
            for e in errors
        ]
    return answer


def _type_name(value: Any, *_: Any) -> str:
    """Which object type an interface value is: dicts say so, the only resolver class is Commit."""
    return str(value["__typename"]) if isinstance(value, dict) else "Commit"


class _Root:
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

        return _typed("Organization", login=login, team=team)

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
        from tests.github_mock import BOT_USER, user

        new = fake.push(name, changes, user(*BOT_USER), message)
        return {"commit": _Commit(fake, new), "ref": None, "clientMutationId": input.get("clientMutationId")}


class _Repository:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def nameWithOwner(self, _info: Any) -> str:
        return self.fake.repo

    def pullRequest(self, _info: Any, number: int) -> _PullRequest:
        if number not in self.fake.prs:
            raise GitHubError("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
        return _PullRequest(self.fake, number)

    def object(self, _info: Any, oid: str | None = None, expression: str | None = None) -> Any:
        if oid is not None and oid in self.fake.commits:
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
        diff = self.fake._diff(
            self.fake.merge_base(self.fake.refs[self.pr["base"]], self._head()), self._head()
        )
        return connection([{"path": d["filename"], "changeType": kinds[d["status"]]} for d in diff], **page)

    def reviews(self, _info: Any, **page: Any) -> dict[str, Any]:
        commits = self.fake.commits
        nodes = [
            review_node(r, _Commit(self.fake, r["commit_id"]) if r.get("commit_id") in commits else None)
            for r in self.pr["reviews"]
        ]
        return connection(nodes, **page)

    def commits(self, _info: Any, **page: Any) -> dict[str, Any]:
        chain = self.fake._between(self.fake.refs[self.pr["base"]], self._head())
        return connection([{"commit": _Commit(self.fake, at)} for at in chain], **page)

    def comments(self, _info: Any, **page: Any) -> dict[str, Any]:
        return connection([comment_node(c) for c in self.pr["comments"]], **page)


def review_node(review: dict[str, Any], commit: Any) -> dict[str, Any]:
    """A REST review as a PullRequestReview node; `commit` is the Commit object it was made on."""
    return {
        "fullDatabaseId": str(review["id"]),
        "databaseId": review["id"],
        "state": review["state"],
        "body": review.get("body") or "",
        "submittedAt": review.get("submitted_at"),
        "commit": commit,
        "author": actor(review.get("user")),
    }


def comment_node(comment: dict[str, Any]) -> dict[str, Any]:
    """A REST issue comment as an IssueComment node."""
    return {
        "fullDatabaseId": str(comment["id"]),
        "databaseId": comment["id"],
        "body": comment.get("body") or "",
        "createdAt": comment["created_at"],
        "updatedAt": comment["updated_at"],
        "author": actor(comment.get("user")),
    }


class _Commit:
    def __init__(self, fake: FakeGitHub, sha: str) -> None:
        self.fake, self.sha = fake, sha

    def oid(self, _info: Any) -> str:
        return self.sha

    def message(self, _info: Any) -> str:
        return self.fake.commits[self.sha][2]

    def _person(self) -> dict[str, Any]:
        account = self.fake.authors.get(self.sha)
        if account is None:
            return {"email": "someone@example.com", "name": "someone", "user": None}
        emails = [e for e, a in self.fake.emails.items() if a["login"] == account["login"]]
        email = (
            BOT_EMAIL if account.get("type") == "Bot" else (emails or [f"{account['login']}@example.com"])[0]
        )
        return {"email": email, "name": account["login"], "user": git_user(account)}

    def author(self, _info: Any) -> dict[str, Any]:
        return self._person()

    def committer(self, _info: Any) -> dict[str, Any]:
        return self._person()

    def parents(self, _info: Any, **page: Any) -> dict[str, Any]:
        return connection([_Commit(self.fake, p) for p in self.fake.commits[self.sha][1]], **page)

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

    def _files(self) -> dict[str, bytes]:
        return self.fake._files(self.sha)

    def file(self, _info: Any, path: str) -> dict[str, Any] | None:
        return tree_entry(self._files(), path.strip("/"))

    def tree(self, _info: Any) -> dict[str, Any]:
        entry = tree_entry(self._files(), "")
        assert entry is not None
        return entry["object"]  # type: ignore[no-any-return]


def _blob_sha(content: bytes) -> str:
    from tests.github_mock import blob_sha  # github_mock imports this module

    return blob_sha(content)


@dataclass(frozen=True)
class Entry:
    """A tree entry that is not a plain file GitHub inlines: a symlink (mode 0o120000, `content` its
    target) or a submodule (0o160000), or a blob whose `text` GitHub gives differently from its bytes
    (None for binary, cut short with `truncated`, or decoded lossily)."""

    content: bytes
    mode: int = 0o100644
    text: str | None = None
    truncated: bool = False
    binary: bool = False


def _blob(content: bytes) -> tuple[int, str, dict[str, Any]]:
    """(mode, type, object) of a plain file: GitHub inlines UTF-8 text and flags anything else binary."""
    try:
        text: str | None = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    blob = _typed(
        "Blob",
        oid=_blob_sha(content),
        text=text,
        isBinary=text is None,
        isTruncated=False,
        byteSize=len(content),
    )
    return MODES["blob"], "blob", blob


def _special(entry: Entry) -> tuple[int, str, dict[str, Any] | None]:
    if entry.mode == 0o160000:  # a commit of another repository: GitHub resolves no object for it
        return entry.mode, "commit", None
    blob = _typed(
        "Blob",
        oid=_blob_sha(entry.content),
        text=entry.text,
        isBinary=entry.binary,
        isTruncated=entry.truncated,
        byteSize=len(entry.content),
    )
    return entry.mode, "blob", blob


def tree_entry(files: Mapping[str, bytes | Entry], path: str) -> dict[str, Any] | None:
    """The TreeEntry at `path` in a flat {path: content} snapshot (directories are implied)."""
    if path in files:
        value = files[path]
        mode, kind, obj = _special(value) if isinstance(value, Entry) else _blob(value)
        oid = obj["oid"] if obj is not None else hashlib.sha1(f"submodule {path}".encode()).hexdigest()
        return {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "mode": mode,
            "type": kind,
            "oid": oid,
            "object": obj,
        }
    prefix = f"{path}/" if path else ""
    below = [p for p in files if p.startswith(prefix)]
    if not below:
        return None
    children = sorted({p[len(prefix) :].split("/", 1)[0] for p in below})
    oid = hashlib.sha1(repr(sorted((p, files[p]) for p in below)).encode()).hexdigest()
    entries: Callable[[Any], list[dict[str, Any]]] = lambda _info: [  # noqa: E731
        e for child in children if (e := tree_entry(files, prefix + child)) is not None
    ]
    tree = _typed("Tree", oid=oid, entries=entries)
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "mode": MODES["tree"],
        "type": "tree",
        "oid": oid,
        "object": tree,
    }
