"""What GitHub accepts and answers, from its own published descriptions, and a checked mock.

REST: every body is validated against GitHub's OpenAPI description (the subset in
`fixtures/github/pr-bot-operations.openapi.json`) or, for endpoints outside that subset, against
`fixtures/github/extra-schemas.json`. A mock that drifts from the real API fails the test that
registers it, and an endpoint with no known schema cannot be mocked at all.

GraphQL: every document is validated against the subset of GitHub's public schema in
`fixtures/github/graphql/github-subset.graphql` (copied field by field from octokit/graphql-schema;
see SOURCES.md there) and executed by graphql-core; answers take GitHub's shape: HTTP 200 with
`data` and, beside partial data, `errors` whose `type` is GitHub's (`NOT_FOUND`, `STALE_DATA`).

`GitHubMock` registers scripted answers, checked against both, on a `responses.RequestsMock`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphql
import jsonschema
import responses
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

API = "https://api.github.com"
GRAPHQL = f"{API}/graphql"
FIXTURES = Path(__file__).parent / "fixtures" / "github"
OPENAPI_URI = "https://cab.test/openapi.json"
EXTRA_URI = "https://cab.test/extra.json"
RULES_URI = "https://cab.test/rules.json"
PERMISSION_URI = "https://cab.test/collaborator-permission.json"
PERMISSION_PATH = "/repos/{owner}/{repo}/collaborators/{username}/permission"
TEAM_REPO_URI = "https://cab.test/team-repository.json"
TEAM_REPO_PATH = "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"
ACTIVITY_URI = "https://cab.test/activity.json"
REPO = "octo-org/cab"

GRAPHQL_SCHEMA = FIXTURES / "graphql" / "github-subset.graphql"
MAX_PAGE = 100  # GitHub refuses `first`/`last` above 100


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
def rules_openapi() -> dict[str, Any]:
    """GitHub's description of `GET /repos/{o}/{r}/rules/branches/{branch}` (see SOURCES.md)."""
    return json.loads((FIXTURES / "rules-branches.openapi.json").read_text())


@functools.cache
def permission_openapi() -> dict[str, Any]:
    """GitHub's description of `GET /repos/{o}/{r}/collaborators/{username}/permission` (SOURCES.md)."""
    return json.loads((FIXTURES / "collaborator-permission.openapi.json").read_text())


@functools.cache
def team_repo_openapi() -> dict[str, Any]:
    """GitHub's description of `GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}` (SOURCES.md)."""
    return json.loads((FIXTURES / "team-repository.openapi.json").read_text())


@functools.cache
def activity_openapi() -> dict[str, Any]:
    """GitHub's description of `GET /repos/{o}/{r}/activity` (see SOURCES.md)."""
    return json.loads((FIXTURES / "activity.openapi.json").read_text())


@functools.cache
def _registry() -> Registry:
    extra = json.loads((FIXTURES / "extra-schemas.json").read_text())
    return Registry().with_resources(
        [
            (OPENAPI_URI, Resource.from_contents(_nullable(openapi()), default_specification=DRAFT202012)),
            (EXTRA_URI, Resource.from_contents(extra, default_specification=DRAFT202012)),
            (
                RULES_URI,
                Resource.from_contents(_nullable(rules_openapi()), default_specification=DRAFT202012),
            ),
            (
                PERMISSION_URI,
                Resource.from_contents(_nullable(permission_openapi()), default_specification=DRAFT202012),
            ),
            (
                TEAM_REPO_URI,
                Resource.from_contents(_nullable(team_repo_openapi()), default_specification=DRAFT202012),
            ),
            (
                ACTIVITY_URI,
                Resource.from_contents(_nullable(activity_openapi()), default_specification=DRAFT202012),
            ),
        ]
    )


def _rules_answer() -> Any:
    """The 200 answer of the branch-rules operation, its refs pointed at the registered document."""
    operation = rules_openapi()["paths"]["/repos/{owner}/{repo}/rules/branches/{branch}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return json.loads(json.dumps(_nullable(schema)).replace('"#/components/', f'"{RULES_URI}#/components/'))


def _permission_answer() -> Any:
    """The 200 answer of the collaborator-permission operation, its refs at the registered document."""
    operation = permission_openapi()["paths"][PERMISSION_PATH]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    text = json.dumps(_nullable(schema)).replace('"#/components/', f'"{PERMISSION_URI}#/components/')
    return json.loads(text)


def _team_repo_answer() -> Any:
    """The 200 answer (asked with the repository media type) of "check team permissions"."""
    operation = team_repo_openapi()["paths"][TEAM_REPO_PATH]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    text = json.dumps(_nullable(schema)).replace('"#/components/', f'"{TEAM_REPO_URI}#/components/')
    return json.loads(text)


def _activity_answer() -> Any:
    """The 200 answer of "List repository activities", its refs pointed at the registered document."""
    operation = activity_openapi()["paths"]["/repos/{owner}/{repo}/activity"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return json.loads(
        json.dumps(_nullable(schema)).replace('"#/components/', f'"{ACTIVITY_URI}#/components/')
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
    # "Request reviewers for a pull request" answers 201 with a pull-request-simple
    ("POST", re.compile(rf"^{R}/pulls/\d+/requested_reviewers$"), lambda: _ref("pull-request-simple")),
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
    ("GET", re.compile(rf"^{R}/git/commits/[0-9a-f]{{40}}$"), lambda: _extra("git-commit")),
    ("POST", re.compile(rf"^{R}/git/commits$"), lambda: _extra("git-commit")),
    ("GET", re.compile(rf"^{R}/commits$"), lambda: _array(_extra("commit"))),
    ("GET", re.compile(rf"^{R}/compare/[^/]+\.\.\.[^/]+$"), lambda: _extra("commit-comparison")),
    ("GET", re.compile(rf"^{R}/issues$"), lambda: _array(_extra("issue"))),
    ("POST", re.compile(rf"^{R}/issues$"), lambda: _extra("issue")),
    ("PATCH", re.compile(rf"^{R}/issues/\d+$"), lambda: _extra("issue")),
    ("GET", re.compile(rf"^{R}/rules/branches/[^/]+$"), _rules_answer),
    ("GET", re.compile(rf"^{R}/collaborators/[^/]+/permission$"), _permission_answer),
    ("GET", re.compile(rf"^{R}/activity$"), _activity_answer),
    ("GET", re.compile(r"^/orgs/[^/]+/teams/[^/]+$"), lambda: _ref("team")),
    ("GET", re.compile(r"^/orgs/[^/]+/teams/[^/]+/repos/[^/]+/[^/]+$"), _team_repo_answer),
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


def _check_error(body: Any) -> None:
    validator = jsonschema.Draft202012Validator(_ref("basic-error"), registry=_registry())
    for problem in validator.iter_errors(body):
        raise AssertionError(f"mock error body does not match GitHub's schema: {problem.message}")


# --- GraphQL -----------------------------------------------------------------------------------
@functools.cache
def graphql_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(GRAPHQL_SCHEMA.read_text())


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


def validate(document: str) -> graphql.DocumentNode:
    """The parsed document; fails the test if GitHub's schema would reject it."""
    parsed = graphql.parse(document)
    invalid = graphql.validate(graphql_schema(), parsed)
    assert not invalid, f"GitHub would reject this GraphQL document: {invalid}"
    return parsed


def execute(document: str, variables: dict[str, Any] | None, root: Any) -> dict[str, Any]:
    """GitHub's answer to a validated `document` over `root` (an object or dicts whose attributes or
    keys are named like the fields, callables taking `(info, **arguments)`): `data`, and beside
    partial data the `errors` that resolvers raised as `GitHubError`, in GitHub's shape."""
    result = graphql.execute_sync(
        graphql_schema(),
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
    """Which object type an interface value is: dicts say so, resolver objects name it in `typename`."""
    return str(value["__typename"]) if isinstance(value, dict) else str(value.typename)


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
            validate(sent["query"])
            if raises is not None:
                raise raises
            if root is None:
                return (status, headers or {}, json.dumps(body))
            return (
                status,
                headers or {},
                json.dumps(execute(sent["query"], sent.get("variables"), root)),
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
