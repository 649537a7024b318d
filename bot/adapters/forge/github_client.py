"""What talks to GitHub: credentials, one retrying PyGithub `Requester`, REST calls and pages,
GraphQL requests, and GitHub's refusals turned into ForgeErrors.

PyGithub gives us auth (token or App installation), `GITHUB_API_URL` for GitHub Enterprise Server,
timeouts and retries. We send requests through its `requester` with explicit URLs and documents
instead of its object graph, because the objects fetch lazily in ways that hide extra calls: every
HTTP call the forge makes goes through a method here (`benchmarks/bench_api_calls.py` counts them).
`cab audit --online` shares the credentials and the paging helpers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import github
import requests
from github import Auth
from github.GithubException import GithubException
from requests.utils import parse_header_links

from bot.adapters.forge.interface import ForgeError
from bot.adapters.forge.retry import TIMEOUT, ForgeRetry
from bot.domain.errors import UsageError

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100


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


class GitHubClient:
    """HTTP to one GitHub repository (and its organization's teams) for one run."""

    def __init__(
        self,
        repository: str,
        *,
        auth: Auth.Auth,
        base_url: str = DEFAULT_API_URL,
        retry: ForgeRetry | None = None,
        timeout: int = TIMEOUT,
        throttle: bool = True,
    ) -> None:
        """`throttle=False` drops PyGithub's pause between requests (tests and benchmarks)."""
        self.repository = repository
        self.repo = f"/repos/{repository}"  # the REST path of the repository
        self.requester = github.Github(
            auth=auth,
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            retry=retry or ForgeRetry(),
            per_page=PER_PAGE,
            seconds_between_requests=0.25 if throttle else None,
            seconds_between_writes=1.0 if throttle else None,
        ).requester

    def request(
        self, verb: str, url: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], Any]:
        """One REST call that leaves GitHub's refusal as `GithubException`, for callers that act on
        its status (a 404 that means "already gone", a 409 that means "the head moved")."""
        return self.requester.requestJsonAndCheck(verb, url, input=body, headers=headers)

    def call(
        self,
        verb: str,
        url: str,
        doing: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[dict[str, Any], Any]:
        """One REST call; a refusal or an unreachable GitHub is a ForgeError saying what failed."""
        try:
            return self.requester.requestJsonAndCheck(verb, url, parameters=params, input=body)
        except GithubException as exc:
            raise ForgeError(f"GitHub refused to {doing}: {exc.status} {error_message(exc)}") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"could not reach GitHub to {doing}: {exc}") from exc

    def graphql(
        self, document: str, variables: dict[str, Any], doing: str
    ) -> tuple[dict[str, Any], list[Any]]:
        """One GraphQL request: its data, and the errors GitHub reported beside partial data."""
        _, answer = self.call(
            "POST", self.requester.graphql_url, doing, body={"query": document, "variables": variables}
        )
        errors = list(answer.get("errors") or [])
        if answer.get("data") is None:
            raise ForgeError(f"GitHub refused to {doing}: {graphql_error_message(errors)}")
        return answer["data"], errors

    def pages(self, url: str, doing: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following `Link: rel="next"` to the end."""
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        next_url: str | None = url
        while next_url:
            headers, data = self.call("GET", next_url, doing, params=query)
            yield from data
            query = None  # the next link carries the query
            next_url = next_link(headers)

    def ref_url(self, branch: str) -> str:
        return f"{self.repo}/git/ref/heads/{quote(branch, safe='/')}"


def error_message(exc: GithubException) -> str:
    """GitHub's own words from a refused REST call."""
    data = exc.data
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return str(data or "")


def graphql_error_message(errors: Sequence[Any]) -> str:
    return "; ".join(str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors)


def next_link(headers: Mapping[str, Any]) -> str | None:
    """The `rel="next"` URL of a REST page's `Link` header, None on the last page."""
    link = next((v for k, v in headers.items() if k.lower() == "link"), None)
    if not link:
        return None
    for item in parse_header_links(str(link)):
        if item.get("rel") == "next":
            return str(item["url"])
    return None


__all__ = [
    "DEFAULT_API_URL",
    "PER_PAGE",
    "GitHubClient",
    "auth_from_env",
    "error_message",
    "graphql_error_message",
    "next_link",
]
