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

API = "https://api.github.com"
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
    ("GET", re.compile(rf"^{R}/git/ref/heads/.+$"), lambda: _ref("git-ref")),
    ("POST", re.compile(rf"^{R}/git/refs$"), lambda: _ref("git-ref")),
    ("PATCH", re.compile(rf"^{R}/git/refs/heads/.+$"), lambda: _ref("git-ref")),
    ("GET", re.compile(rf"^{R}/git/trees/[0-9a-f]{{40}}$"), lambda: _extra("git-tree")),
    ("POST", re.compile(rf"^{R}/git/trees$"), lambda: _extra("git-tree")),
    ("GET", re.compile(rf"^{R}/git/blobs/[0-9a-f]{{40}}$"), lambda: _extra("blob")),
    ("POST", re.compile(rf"^{R}/git/blobs$"), lambda: _extra("short-blob")),
    ("POST", re.compile(rf"^{R}/git/commits$"), lambda: _extra("git-commit")),
    ("GET", re.compile(rf"^{R}/commits$"), lambda: _array(_extra("commit"))),
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

    def calls(self) -> list[str]:
        return [f"{c.request.method} {c.request.path_url.split('?', 1)[0]}" for c in self.rsps.calls]

    def writes(self) -> list[str]:
        return [call for call in self.calls() if not call.startswith("GET ")]

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
) -> dict[str, Any]:
    pr = _example("pull-request")
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


def review(rid: int, who: dict[str, Any], state: str, commit_id: str) -> dict[str, Any]:
    item = _example("pull-request-review-items")[0]
    item.update(id=rid, user=who, state=state, commit_id=commit_id, node_id=f"R_{rid}")
    return item


def comment(cid: int, who: dict[str, Any], body: str) -> dict[str, Any]:
    item = _example("issue-comment")
    item.update(id=cid, user=who, body=body, node_id=f"C_{cid}")
    return item


def labels(*names: str) -> list[dict[str, Any]]:
    return [dict(_example("label-items")[0], name=name, id=900 + i) for i, name in enumerate(names)]


def git_ref(branch: str, at: str, repo: str = REPO) -> dict[str, Any]:
    return {
        "ref": f"refs/heads/{branch}",
        "node_id": "REF_1",
        "url": f"{API}/repos/{repo}/git/refs/heads/{branch}",
        "object": {"type": "commit", "sha": at, "url": f"{API}/repos/{repo}/git/commits/{at}"},
    }


def status(state: str) -> dict[str, Any]:
    item = _example("status")
    item.update(state=state, context="cab/decision")
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
    committer: dict[str, Any] | None = None,
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
        "committer": committer if committer is not None else author,
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
