"""A `responses`-backed fake of the GitHub REST endpoints the forge uses, with checked bodies.

Every body registered here is validated first against GitHub's own OpenAPI description (the subset
in `fixtures/github/pr-bot-operations.openapi.json`) or, for endpoints outside that subset, against
`fixtures/github/extra-schemas.json`. A mock that drifts from the real API fails the test that
registers it, and an endpoint with no known schema cannot be mocked at all.

Payload builders start from GitHub's own documented examples and override only what a test needs.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import responses
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests import github_graphql_fake as gqlf

API = "https://api.github.com"
GRAPHQL = f"{API}/graphql"
FIXTURES = Path(__file__).parent / "fixtures" / "github"
OPENAPI_URI = "https://cab.test/openapi.json"
EXTRA_URI = "https://cab.test/extra.json"
REPO = "octo-org/cab"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` to JSON Schema: allow null alongside the declared shape."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str) and "enum" not in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def openapi() -> dict[str, Any]:
    return json.loads((FIXTURES / "pr-bot-operations.openapi.json").read_text())


@functools.cache
def _registry() -> Registry:
    extra = json.loads((FIXTURES / "extra-schemas.json").read_text())
    return Registry().with_resources(
        [
            (OPENAPI_URI, Resource.from_contents(_nullable(openapi()), default_specification=DRAFT202012)),
            (EXTRA_URI, Resource.from_contents(extra, default_specification=DRAFT202012)),
        ]
    )


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"{OPENAPI_URI}#/components/schemas/{name}"}


def _extra(name: str) -> dict[str, Any]:
    return {"$ref": f"{EXTRA_URI}#/$defs/{name}"}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _operation(path: str, method: str, status: int) -> dict[str, Any]:
    """The response schema GitHub's description gives for one operation and status."""
    response = openapi()["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = openapi()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return _rebase(response["content"]["application/json"]["schema"])


def _rebase(schema: Any) -> Any:
    """Point the operation schema's local `#/components` refs at the registered OpenAPI document."""
    text = json.dumps(_nullable(schema)).replace('"#/components/', f'"{OPENAPI_URI}#/components/')
    return json.loads(text)


R = r"/repos/[^/]+/[^/]+"
# (method, path pattern, schema for 2xx answers); error answers are checked against `basic-error`.
ROUTES: list[tuple[str, re.Pattern[str], Any]] = [
    ("GET", re.compile(rf"^{R}/pulls/\d+$"), lambda: _ref("pull-request")),
    ("GET", re.compile(rf"^{R}/pulls$"), lambda: _operation("/repos/{owner}/{repo}/pulls", "get", 200)),
    ("POST", re.compile(rf"^{R}/pulls$"), lambda: _ref("pull-request")),
    ("GET", re.compile(rf"^{R}/pulls/\d+/commits$"), lambda: _array(_extra("commit"))),
    ("GET", re.compile(rf"^{R}/pulls/\d+/files$"), lambda: _array(_extra("diff-entry"))),
    ("GET", re.compile(rf"^{R}/pulls/\d+/reviews$"), lambda: _array(_ref("pull-request-review"))),
    ("PUT", re.compile(rf"^{R}/pulls/\d+/merge$"), lambda: _ref("pull-request-merge-result")),
    ("GET", re.compile(rf"^{R}/issues/\d+/comments$"), lambda: _array(_ref("issue-comment"))),
    ("POST", re.compile(rf"^{R}/issues/\d+/comments$"), lambda: _ref("issue-comment")),
    ("PATCH", re.compile(rf"^{R}/issues/comments/\d+$"), lambda: _ref("issue-comment")),
    ("DELETE", re.compile(rf"^{R}/issues/comments/\d+$"), lambda: None),
    ("POST", re.compile(rf"^{R}/issues/\d+/labels$"), lambda: _array(_ref("label"))),
    ("DELETE", re.compile(rf"^{R}/issues/\d+/labels/[^/]+$"), lambda: _array(_ref("label"))),
    ("POST", re.compile(rf"^{R}/statuses/[0-9a-f]{{40}}$"), lambda: _ref("status")),
    ("GET", re.compile(rf"^{R}/commits/[0-9a-f]{{40}}/statuses$"), lambda: _array(_ref("status"))),
    ("GET", re.compile(rf"^{R}/git/ref/heads/.+$"), lambda: _ref("git-ref")),
    ("POST", re.compile(rf"^{R}/git/refs$"), lambda: _ref("git-ref")),
    ("PATCH", re.compile(rf"^{R}/git/refs/heads/.+$"), lambda: _ref("git-ref")),
    ("GET", re.compile(rf"^{R}/git/trees/[0-9a-f]{{40}}$"), lambda: _extra("git-tree")),
    ("POST", re.compile(rf"^{R}/git/trees$"), lambda: _extra("git-tree")),
    ("GET", re.compile(rf"^{R}/git/blobs/[0-9a-f]{{40}}$"), lambda: _extra("blob")),
    ("POST", re.compile(rf"^{R}/git/blobs$"), lambda: _extra("short-blob")),
    ("POST", re.compile(rf"^{R}/git/commits$"), lambda: _extra("git-commit")),
    ("GET", re.compile(rf"^{R}/commits$"), lambda: _array(_extra("commit"))),
    ("GET", re.compile(rf"^{R}/compare/[^/]+\.\.\.[^/]+$"), lambda: _extra("commit-comparison")),
    ("GET", re.compile(rf"^{R}/issues$"), lambda: _array(_extra("issue"))),
    ("POST", re.compile(rf"^{R}/issues$"), lambda: _extra("issue")),
    ("PATCH", re.compile(rf"^{R}/issues/\d+$"), lambda: _extra("issue")),
    ("GET", re.compile(r"^/orgs/[^/]+/teams/[^/]+$"), lambda: _ref("team")),
    ("GET", re.compile(r"^/orgs/[^/]+/teams/[^/]+/members$"), lambda: _array(_ref("simple-user"))),
]


def check(method: str, path: str, status: int, body: Any) -> None:
    """Fail if `body` is not what GitHub's description says this endpoint answers."""
    route = next((r for r in ROUTES if r[0] == method and r[1].match(path)), None)
    if route is None:
        raise AssertionError(f"no GitHub schema known for {method} {path}: add the endpoint to ROUTES")
    schema_of = route[2]
    if status == 204 or body is None:
        return
    schema = schema_of() if status < 300 else _ref("basic-error")
    if method == "PUT" and path.endswith("/merge") and status in (405, 409):
        schema = _operation("/repos/{owner}/{repo}/pulls/{pull_number}/merge", "put", status)
    if schema is None:
        raise AssertionError(f"{method} {path} answers without a body, got one")
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise AssertionError(
            f"mock body for {method} {path} does not match GitHub's schema at {where}: {first.message}"
        )


def describe(method: str, path: str, body: Any) -> str:
    """A call as the logs show it; GraphQL calls name their operation: `POST /graphql query CabSnapshot`."""
    if path.endswith("/graphql") and body:
        found = re.search(r"\b(query|mutation)\s+(\w+)", json.loads(body)["query"])
        if found:
            return f"{method} {path} {found[1]} {found[2]}"
    return f"{method} {path}"


def _matches(when: int | str, call: str) -> bool:
    return isinstance(when, str) and re.search(when, call) is not None


def _check_error(body: Any) -> None:
    validator = jsonschema.Draft202012Validator(_ref("basic-error"), registry=_registry())
    for problem in validator.iter_errors(body):
        raise AssertionError(f"mock error body does not match GitHub's schema: {problem.message}")


class GitHubMock:
    """Registers checked answers on a `responses.RequestsMock` and records what was called."""

    def __init__(self, rsps: responses.RequestsMock, repo: str = REPO) -> None:
        self.rsps = rsps
        self.repo = repo

    def add(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        repeat: int | None = None,
    ) -> None:
        """`path` is relative to the API root; `{repo}` expands to this mock's repository."""
        path = path.replace("{repo}", f"/repos/{self.repo}")
        check(method, path.split("?", 1)[0], status, body)
        kwargs: dict[str, Any] = {"status": status, "headers": headers or {}}
        if body is not None:
            kwargs["json"] = body
        if query is not None:
            kwargs["match"] = [responses.matchers.query_param_matcher(query, strict_match=False)]
        # PyGithub spells the port out (https://api.github.com:443/...); GitHub's links do not.
        url = re.compile(re.escape(API) + r"(?::443)?" + re.escape(path) + r"(?:\?.*)?$")
        for _ in range(repeat or 1):
            self.rsps.add(method, url, **kwargs)

    def graphql(
        self,
        root: Any = None,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        repeat: int | None = None,
        raises: Exception | None = None,
        url: str = GRAPHQL,
    ) -> None:
        """Answer the next POST to GitHub's GraphQL endpoint. Every document sent is validated against
        GitHub's schema (the subset in `fixtures/github/graphql/`); then it is executed over `root`
        (see `gql_root`) as GitHub would, or answered with `status` and a REST-style error `body`
        (a gateway error, a rate limit), or the request fails with `raises` (a timeout)."""
        if root is None and raises is None:
            _check_error(body)

        def answer(request: Any) -> Any:
            sent = json.loads(request.body)
            gqlf.validate(sent["query"])
            if raises is not None:
                raise raises
            if root is None:
                return (status, headers or {}, json.dumps(body))
            return (
                status,
                headers or {},
                json.dumps(gqlf.execute(sent["query"], sent.get("variables"), root)),
            )

        scheme, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        pattern = re.compile(re.escape(f"{scheme}://{host}") + r"(?::443)?" + re.escape(f"/{path}") + "$")
        for _ in range(repeat or 1):
            self.rsps.add_callback("POST", pattern, callback=answer)

    def calls(self) -> list[str]:
        return [
            describe(str(c.request.method), c.request.path_url.split("?", 1)[0], c.request.body)
            for c in self.rsps.calls
        ]

    def writes(self) -> list[str]:
        return [call for call in self.calls() if not call.startswith("GET ") and " query " not in call]

    def json_of(self, index: int) -> Any:
        body = self.rsps.calls[index].request.body
        return json.loads(body) if body else None


# --- payload builders, from GitHub's documented examples --------------------------------------
def _example(name: str) -> Any:
    return copy.deepcopy(openapi()["components"]["examples"][name]["value"])


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def user(login: str, uid: int, kind: str = "User") -> dict[str, Any]:
    base = _example("pull-request")["user"]
    base.update(login=login, id=uid, type=kind, node_id=f"U_{uid}")
    for key, value in list(base.items()):
        if isinstance(value, str) and "octocat" in value:
            base[key] = value.replace("octocat", login)
    return base


def pull_request(
    number: int = 7,
    *,
    head: str | None = None,
    base: str | None = None,
    head_ref: str = "cab/payments-api-7.4.2",
    author: dict[str, Any] | None = None,
    labels: Iterable[str] = (),
    changed_files: int = 2,
    merged: bool = False,
    state: str = "open",
    head_repo: str = REPO,
    merge_commit_sha: str | None = None,
    comments: int = 0,
) -> dict[str, Any]:
    pr = _example("pull-request")
    pr["comments"] = comments
    pr.update(
        number=number, state=state, merged=merged, changed_files=changed_files, title=f"CAB change {number}"
    )
    pr["user"] = author or user("dev", 101)
    # GitHub's own example predates `team-simple.type` becoming required; no reviewers requested here.
    pr["requested_teams"] = []
    pr["labels"] = [dict(_example("label-items")[0], name=name, id=900 + i) for i, name in enumerate(labels)]
    pr["head"].update(sha=head or sha(f"head{number}"), ref=head_ref)
    pr["head"]["repo"]["full_name"] = head_repo
    pr["base"].update(sha=base or sha("base"), ref="main")
    pr["merge_commit_sha"] = merge_commit_sha
    return pr


def review(
    rid: int, who: dict[str, Any], state: str, commit_id: str, at: str | None = None
) -> dict[str, Any]:
    item = _example("pull-request-review-items")[0]
    item.update(id=rid, user=who, state=state, commit_id=commit_id, node_id=f"R_{rid}")
    if at is not None:
        item["submitted_at"] = at
    return item


def comment(cid: int, who: dict[str, Any], body: str, at: str | None = None) -> dict[str, Any]:
    item = _example("issue-comment")
    item.update(id=cid, user=who, body=body, node_id=f"C_{cid}")
    if at is not None:
        item.update(created_at=at, updated_at=at)
    return item


def issue(
    number: int, title: str, body: str, who: dict[str, Any], names: Iterable[str] = (), repo: str = REPO
) -> dict[str, Any]:
    """An issue as `GET/POST/PATCH /repos/{o}/{r}/issues` answer it (GitHub's "Issue" schema)."""
    url = f"{API}/repos/{repo}/issues/{number}"
    return {
        "id": 5000 + number,
        "node_id": f"I_{number}",
        "url": url,
        "repository_url": f"{API}/repos/{repo}",
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "number": number,
        "state": "open",
        "title": title,
        "body": body,
        "user": who,
        "labels": labels(*names),
        "assignee": None,
        "milestone": None,
        "locked": False,
        "comments": 0,
        "closed_at": None,
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:00:00Z",
        "author_association": "NONE",
    }


def labels(*names: str) -> list[dict[str, Any]]:
    return [dict(_example("label-items")[0], name=name, id=900 + i) for i, name in enumerate(names)]


def git_ref(branch: str, at: str, repo: str = REPO) -> dict[str, Any]:
    return {
        "ref": f"refs/heads/{branch}",
        "node_id": "REF_1",
        "url": f"{API}/repos/{repo}/git/refs/heads/{branch}",
        "object": {"type": "commit", "sha": at, "url": f"{API}/repos/{repo}/git/commits/{at}"},
    }


def status(state: str, description: str | None = None, sid: int = 1) -> dict[str, Any]:
    item = _example("status")
    item.update(state=state, context="cab/decision", id=sid, node_id=f"S_{sid}")
    if description is not None:
        item["description"] = description
    return item


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def tree(at: str, entries: dict[str, tuple[str, bytes | str]], repo: str = REPO) -> dict[str, Any]:
    """A recursive tree: path -> (mode, content); directories are implied, mode 160000 is a submodule."""
    items: list[dict[str, Any]] = []
    dirs: set[str] = set()
    for path, (mode, content) in sorted(entries.items()):
        parts = path.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
        raw = content.encode() if isinstance(content, str) else content
        kind = "commit" if mode == "160000" else "blob"
        the_sha = sha(path) if kind == "commit" else blob_sha(raw)
        item = {
            "path": path,
            "mode": mode,
            "type": kind,
            "sha": the_sha,
            "url": f"{API}/repos/{repo}/git/blobs/{the_sha}",
        }
        if kind == "blob":
            item["size"] = len(raw)
        items.append(item)
    items += [
        {
            "path": d,
            "mode": "040000",
            "type": "tree",
            "sha": sha("tree:" + d),
            "url": f"{API}/repos/{repo}/git/trees/x",
        }
        for d in sorted(dirs)
    ]
    return {
        "sha": sha("root:" + at),
        "url": f"{API}/repos/{repo}/git/trees/{at}",
        "truncated": False,
        "tree": items,
    }


def blob(content: bytes, repo: str = REPO) -> dict[str, Any]:
    the_sha = blob_sha(content)
    return {
        "sha": the_sha,
        "node_id": "B_1",
        "size": len(content),
        "url": f"{API}/repos/{repo}/git/blobs/{the_sha}",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
    }


def git_commit(
    the_sha: str, tree_sha: str, parents: list[str], message: str, repo: str = REPO
) -> dict[str, Any]:
    person = {"name": "cab-bot", "email": "cab-bot@users.noreply.github.com", "date": "2026-11-23T10:00:00Z"}
    return {
        "sha": the_sha,
        "node_id": "GC_1",
        "url": f"{API}/repos/{repo}/git/commits/{the_sha}",
        "html_url": f"https://github.com/{repo}/commit/{the_sha}",
        "author": person,
        "committer": person,
        "message": message,
        "tree": {"sha": tree_sha, "url": f"{API}/repos/{repo}/git/trees/{tree_sha}"},
        "parents": [
            {
                "sha": p,
                "url": f"{API}/repos/{repo}/git/commits/{p}",
                "html_url": f"https://github.com/{repo}/commit/{p}",
            }
            for p in parents
        ],
        "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
    }


def commit(
    the_sha: str,
    *,
    author: dict[str, Any] | None,
    committer: Any = ...,  # ... means "the same account as the author"; None means no account
    message: str = "change",
    parents: Iterable[str] = (),
    email: str = "dev@example.com",
    repo: str = REPO,
) -> dict[str, Any]:
    person = {"name": "someone", "email": email, "date": "2026-11-20T09:00:00Z"}
    return {
        "url": f"{API}/repos/{repo}/commits/{the_sha}",
        "sha": the_sha,
        "node_id": f"C_{the_sha[:6]}",
        "html_url": f"https://github.com/{repo}/commit/{the_sha}",
        "comments_url": f"{API}/repos/{repo}/commits/{the_sha}/comments",
        "commit": {
            "url": f"{API}/repos/{repo}/git/commits/{the_sha}",
            "author": person,
            "committer": person,
            "message": message,
            "comment_count": 0,
            "tree": {"sha": sha("t" + the_sha), "url": f"{API}/repos/{repo}/git/trees/x"},
        },
        "author": author,
        "committer": author if committer is ... else committer,
        "parents": [{"sha": p, "url": f"{API}/repos/{repo}/commits/{p}"} for p in parents],
    }


def diff_entry(
    path: str, status: str = "added", previous: str | None = None, repo: str = REPO
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sha": blob_sha(path.encode()),
        "filename": path,
        "status": status,
        "additions": 10,
        "deletions": 0,
        "changes": 10,
        "blob_url": f"https://github.com/{repo}/blob/x/{path}",
        "raw_url": f"https://github.com/{repo}/raw/x/{path}",
        "contents_url": f"{API}/repos/{repo}/contents/{path}?ref=x",
    }
    if previous is not None:
        item["previous_filename"] = previous
    return item


def team(slug: str, tid: int) -> dict[str, Any]:
    return {
        "id": tid,
        "node_id": f"T_{tid}",
        "url": f"{API}/organizations/1/team/{tid}",
        "html_url": f"https://github.com/orgs/octo-org/teams/{slug}",
        "members_url": f"{API}/organizations/1/team/{tid}/members{{/member}}",
        "repositories_url": f"{API}/organizations/1/team/{tid}/repos",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "permission": "pull",
        "parent": None,
        "type": "organization",
    }


def page_links(path: str, page: int, last: int) -> dict[str, str]:
    """`Link` header of page `page` of `last`, as GitHub sends it."""
    links = []
    if page < last:
        links.append(f'<{API}{path}?per_page=100&page={page + 1}>; rel="next"')
        links.append(f'<{API}{path}?per_page=100&page={last}>; rel="last"')
    return {"Link": ", ".join(links)} if links else {}


def error(message: str) -> dict[str, Any]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


# --- GraphQL answers: roots that `github_graphql_fake.execute` runs each document over ---------
# For shapes FakeGitHub does not make: more than a page, renames, links, blobs GitHub does not inline.
Entry = gqlf.Entry


def symlink(target: str) -> gqlf.Entry:
    return gqlf.Entry(target.encode(), mode=0o120000, text=target)


def submodule() -> gqlf.Entry:
    return gqlf.Entry(b"", mode=0o160000)


def refused(kind: str, message: str) -> gqlf.GitHubError:
    """An error GitHub reports beside partial data, e.g. `refused("FORBIDDEN", "Resource not ...")`."""
    return gqlf.GitHubError(kind, message)


def gql_page(items: Iterable[Any], *, more: bool = False) -> Any:
    """A connection field over `items`; `more`: GitHub has further items beyond these."""
    listed = list(items)

    def resolve(_info: Any, **page: Any) -> dict[str, Any]:
        answer = gqlf.connection(listed, **page)
        answer["pageInfo"]["hasNextPage"] = answer["pageInfo"]["hasNextPage"] or more
        return answer

    return resolve


def gql_commit(oid: str, files: dict[str, bytes | gqlf.Entry] | None = None) -> dict[str, Any]:
    """A root Commit with its files (a flat {path: content}); its history is itself alone."""
    person = {"email": "dev@example.com", "name": "someone", "user": None}
    commit: dict[str, Any] = {
        "__typename": "Commit",
        "oid": oid,
        "message": "change",
        "author": person,
        "committer": person,
        "status": None,
        "parents": gql_page([]),
        "file": lambda _info, path: gqlf.tree_entry(files or {}, path.strip("/")),
    }
    commit["history"] = gql_page([commit])
    return commit


def gql_pull_request(
    number: int = 7,
    *,
    head: str | None = None,
    author: dict[str, Any] | None = None,
    labels: Iterable[str] = (),
    files: Iterable[tuple[str, str]] = (),
    changed_files: int | None = None,
    reviews: Iterable[dict[str, Any]] = (),
    commits: Iterable[dict[str, Any]] | None = None,
    comments: Iterable[dict[str, Any]] = (),
    more: Iterable[str] = (),
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A PullRequest as the snapshot reads it. `files`: (path, changeType); `reviews`, `comments`:
    REST items (`review`, `comment`); `commits`: `gql_commit`s (the head alone by default); `more`:
    the connections ("files", "reviews", ...) that have more than GitHub's one page; `base`: the
    base branch head (`gql_commit`, empty by default)."""
    head = head or sha(f"head{number}")
    base = base or gql_commit(sha("base"))
    changes = list(files)
    chain = list(commits) if commits is not None else [gql_commit(head)]
    return {
        "number": number,
        "title": f"CAB change {number}",
        "body": "",
        "state": "OPEN",
        "merged": False,
        "mergeCommit": None,
        "changedFiles": len(changes) if changed_files is None else changed_files,
        "author": gqlf.actor(author or user("dev", 101)),
        "headRefName": "cab/payments-api-7.4.2",
        "headRefOid": head,
        "baseRefName": "main",
        "baseRefOid": base["oid"],
        "baseRef": {"name": "main", "target": base},
        "headRepository": {"nameWithOwner": REPO},
        "labels": gql_page([{"name": name} for name in labels], more="labels" in more),
        "files": gql_page([{"path": p, "changeType": kind} for p, kind in changes], more="files" in more),
        "reviews": gql_page(
            [gqlf.review_node(r, {"__typename": "Commit", "oid": r["commit_id"]}) for r in reviews],
            more="reviews" in more,
        ),
        "commits": gql_page([{"commit": c} for c in chain], more="commits" in more),
        "comments": gql_page([gqlf.comment_node(c) for c in comments], more="comments" in more),
        "_objects": [base, *chain],  # not a field: the commits `gql_root` lets `object(oid:)` find
    }


def gql_root(
    pull_request: dict[str, Any] | Exception | None = None,
    *,
    commits: Iterable[dict[str, Any]] = (),
    repo: str = REPO,
) -> dict[str, Any]:
    """GitHub's GraphQL root for one repository: its pull request (or the error GitHub gives for it)
    and the commits `object(oid:)` finds (the PR's base and commits too)."""
    found = {c["oid"]: c for c in commits}
    for commit in pull_request.get("_objects", []) if isinstance(pull_request, dict) else []:
        found.setdefault(commit["oid"], commit)

    def pull(_info: Any, number: int) -> dict[str, Any]:
        if isinstance(pull_request, Exception):
            raise pull_request
        if pull_request is None or pull_request["number"] != number:
            raise refused("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
        return pull_request

    def repository(_info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        if f"{owner}/{name}".lower() != repo.lower():
            raise refused("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return {
            "nameWithOwner": repo,
            "pullRequest": pull,
            "object": lambda _info, oid=None, expression=None: found.get(oid),
        }

    return {"repository": repository}


# --- a stateful fake: one repository, enough of GitHub to run PRs through their whole lifecycle ---
class Crash(Exception):
    """Raised by FakeGitHub in place of the N-th call: the process died right before it."""


BOT_USER = ("github-actions[bot]", 41898282, "Bot")


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    """Git objects, refs, pull requests with their own labels, comments and reviews, issues, teams,
    and commit authors, behind checked REST answers.

    Humans act directly on the state (`add_review`, `add_comment`, `commit_tree(author=...)`); the
    bot acts only through the REST calls its forge makes, which are logged. `crash_before(n)` makes
    the n-th call from now (or the first call matching a pattern) fail before GitHub sees it, to
    prove that a re-run converges. Every answer is checked against GitHub's schemas like
    `GitHubMock.add`. Issue and PR numbers share one sequence, as on GitHub.
    """

    def __init__(self, rsps: responses.RequestsMock, repo: str = REPO) -> None:
        self.rsps = rsps
        self.repo = repo
        self.trees: dict[str, dict[str, bytes]] = {}
        self.commits: dict[str, tuple[str, list[str], str]] = {}
        self.authors: dict[str, dict[str, Any] | None] = {}  # commit sha -> GitHub account of its author
        self.refs: dict[str, str] = {}
        self.statuses: list[tuple[str, str]] = []  # (sha, state) in the order they were set
        self.status_items: dict[str, list[dict[str, Any]]] = {}  # sha -> statuses, newest first
        self.prs: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.teams: dict[str, tuple[int, list[dict[str, Any]]]] = {}  # slug -> (id, members)
        self.emails: dict[str, dict[str, Any]] = {}  # commit email -> account, as GitHub links them
        self.missing_orgs: set[str] = set()  # organizations that do not exist (teams are keyed by slug)
        self.unreadable_teams: set[str] = set()  # teams the token may not read (a GITHUB_TOKEN)
        self.log: list[str] = []
        self._crash_at: int | str | None = None
        self._lose_at: int | str | None = None
        self._lost_as: int | None = None
        # call number, or a pattern of the call (e.g. "mutation CabCommit") -> what someone else does
        # right before GitHub handles it
        self.interleave: dict[int | str, Any] = {}
        self._next_id = 1000
        rsps.add_callback(responses.GET, re.compile(r".*"), callback=self._dispatch)
        for verb in (responses.POST, responses.PATCH, responses.PUT, responses.DELETE):
            rsps.add_callback(verb, re.compile(r".*"), callback=self._dispatch)

    # -- setup: what people and earlier history did --
    def commit_tree(
        self,
        files: dict[str, bytes],
        parents: list[str],
        message: str = "seed",
        author: dict[str, Any] | None = None,
    ) -> str:
        tree_sha = sha(json.dumps(sorted((k, v.decode("latin-1")) for k, v in files.items())))
        self.trees[tree_sha] = dict(files)
        self._next_id += 1
        commit_sha = sha(f"{tree_sha}{parents}{message}{self._next_id}")
        self.commits[commit_sha] = (tree_sha, parents, message)
        self.authors[commit_sha] = author
        return commit_sha

    def push(
        self, branch: str, files: dict[str, bytes | None], author: dict[str, Any], message: str = "update"
    ) -> str:
        """A `git push` of one commit by `author` on top of `branch` (None deletes a file)."""
        parent = self.refs[branch]
        content = dict(self._files(parent))
        for path, data in files.items():
            if data is None:
                content.pop(path, None)
            else:
                content[path] = data
        self.refs[branch] = self.commit_tree(content, [parent], message, author)
        return self.refs[branch]

    def add_user(self, login: str, uid: int, kind: str = "User", email: str | None = None) -> dict[str, Any]:
        account = user(login, uid, kind)
        self.emails[(email or f"{login}@example.com").lower()] = account
        return account

    def add_team(self, slug: str, tid: int, members: list[dict[str, Any]]) -> None:
        self.teams[slug] = (tid, members)

    def next_number(self) -> int:
        return max([*self.prs, *self.issues], default=0) + 1

    def open_pr(
        self, number: int, branch: str, base: str = "main", author: dict[str, Any] | None = None
    ) -> None:
        self.prs[number] = {
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
        return self.trees[self.commits[commit_sha][0]]

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
        old, new = self._files(old_sha), self._files(new_sha)
        diff = [diff_entry(p, "added" if p not in old else "modified") for p in new if old.get(p) != new[p]]
        return diff + [diff_entry(p, "removed") for p in old if p not in new]

    def _commit_item(self, at: str) -> dict[str, Any]:
        _, parents, message = self.commits[at]
        return commit(at, author=self.authors.get(at), message=message, parents=parents, repo=self.repo)

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
        from urllib.parse import parse_qs, unquote, urlsplit

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
            if g[2] == "commits":
                chain = [self._commit_item(at) for at in self._between(self.refs[pr["base"]], head)]
                return self._reply(method, path, 200, chain)
            return self._reply(
                method, path, 200, self._diff(self.merge_base(self.refs[pr["base"]], head), head)
            )
        if method == "PUT" and (g := m(r"/pulls/(\d+)/merge", rel)):
            return self._merge(method, path, int(g[1]), body)
        if method == "GET" and rel == "/pulls":
            head = query["head"][0].split(":", 1)[1]
            found = [
                self._pr_body(n) for n, pr in self.prs.items() if pr["branch"] == head and not pr["merged"]
            ]
            simple = [{k: v for k, v in pr.items() if k in _SIMPLE_KEYS} for pr in found]
            return self._reply(method, path, 200, simple)
        if method == "POST" and rel == "/pulls":
            number = self.next_number()
            self.open_pr(number, body["head"], body["base"], user("ci", 300))
            return self._reply(method, path, 201, self._pr_body(number))
        return None

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
        merge = self.commit_tree(merged, [base, head], message, user(*BOT_USER))
        self.refs[pr["base"]] = merge
        pr.update(merged=True, merge=merge, head=head)
        answer = {"sha": merge, "merged": True, "message": "Pull Request successfully merged"}
        return self._reply(method, path, 200, answer)

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
            if not body.get("force") and self.refs[g[1]] not in self.commits[new][1]:
                return self._reply(method, path, 422, error("Update is not a fast forward"))
            self.refs[g[1]] = new
            return self._reply(method, path, 200, git_ref(g[1], new, self.repo))
        if method == "GET" and (g := m(r"/git/trees/([0-9a-f]{40})", rel)):
            files = self._files(g[1])
            listing = tree(g[1], {p: ("100644", c) for p, c in files.items()}, self.repo)
            listing["sha"] = self.commits[g[1]][0]
            return self._reply(method, path, 200, listing)
        if method == "GET" and (g := m(r"/git/blobs/([0-9a-f]{40})", rel)):
            content = next(c for t in self.trees.values() for c in t.values() if blob_sha(c) == g[1])
            return self._reply(method, path, 200, blob(content, self.repo))
        if method == "POST" and rel == "/git/trees":
            files = dict(self.trees[body["base_tree"]])
            for entry in body["tree"]:
                if entry.get("content") is not None:
                    files[entry["path"]] = entry["content"].encode()
                elif entry.get("sha") is None:
                    files.pop(entry["path"], None)
            tree_sha = sha(json.dumps(sorted((k, v.decode("latin-1")) for k, v in files.items())))
            self.trees[tree_sha] = files
            listing = tree("x", {p: ("100644", c) for p, c in files.items()}, self.repo)
            listing["sha"] = tree_sha
            return self._reply(method, path, 201, listing)
        if method == "POST" and rel == "/git/commits":
            commit_sha = sha(f"{body['tree']}{body['parents']}{body['message']}{self._id()}")
            self.commits[commit_sha] = (body["tree"], body["parents"], body["message"])
            self.authors[commit_sha] = self.emails.get(str(body.get("author", {}).get("email", "")).lower())
            answer = git_commit(commit_sha, body["tree"], body["parents"], body["message"])
            return self._reply(method, path, 201, answer)
        return None

    def _other(self, method: str, path: str, rel: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch
        if method == "POST" and (g := m(r"/statuses/([0-9a-f]{40})", rel)):
            self.statuses.append((g[1], body["state"]))
            item = status(body["state"], body.get("description"), self._id())
            item["context"] = body.get("context", "default")
            self.status_items.setdefault(g[1], []).insert(0, item)  # GitHub lists the newest first
            return self._reply(method, path, 201, item)
        if method == "GET" and (g := m(r"/commits/([0-9a-f]{40})/statuses", rel)):
            return self._reply(method, path, 200, self.status_items.get(g[1], []))
        if method == "GET" and (g := m(r"/compare/([0-9a-f]{40})\.\.\.([0-9a-f]{40})", rel)):
            return self._reply(method, path, 200, self._comparison(g[1], g[2]))
        if method == "GET" and rel == "/commits":  # date order is approximated by a walk of all parents
            return self._reply(
                method, path, 200, [self._commit_item(at) for at in self._ancestry(query["sha"][0])]
            )
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


def make_forge(repo: str = REPO, **kwargs: Any) -> Any:
    """A GitHubForge as a test wants it: no throttling pause, retries that record instead of sleeping."""
    from github import Auth

    from bot.adapters.forge.github import GitHubForge
    from bot.adapters.forge.retry import ForgeRetry
    from bot.domain.identity import BotIdentity

    slept: list[float] = kwargs.pop("slept", [])
    kwargs.setdefault("retry", ForgeRetry(sleep=slept.append))
    kwargs.setdefault("identity", BotIdentity("cab-bot", "cab-bot@users.noreply.github.com"))
    return GitHubForge(repo, auth=Auth.Token("test-token"), throttle=False, **kwargs)
