"""Retries: bounded, rate-limit aware, never repeating a write that may have happened."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.response import HTTPResponse

from bot.adapters.forge.interface import ForgeError
from bot.adapters.forge.retry import ATTEMPTS, TIMEOUT, ForgeRetry
from tests import github_fake as gf
from tests import github_payloads as gp
from tests import github_schema as gs

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
URL = "https://api.github.com/repos/octo-org/cab/pulls/7"
GRAPHQL = "https://api.github.com/graphql"


@pytest.fixture
def gh():
    with responses.RequestsMock() as rsps:
        yield gs.GitHubMock(rsps)


def answer(status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(body=b"{}", status=status, headers=headers or {}, preload_content=True)


def policy(slept: list[float]) -> ForgeRetry:
    return ForgeRetry(sleep=slept.append, clock=lambda: NOW)


def then_the_pr(gh) -> None:
    """GitHub's answer to the snapshot query once it answers."""
    gh.graphql(gp.gql_root(gp.gql_pull_request(7)))


# --- through PyGithub and HTTP: a sync's reads are POSTs to GraphQL -------------------------------
def test_server_errors_are_retried_until_an_answer(gh):
    gh.graphql(status=502, body=gp.error("Server Error"), repeat=2)
    then_the_pr(gh)
    assert gf.make_forge().pull_request(7).number == 7
    assert len(gh.calls()) == 3


def test_server_errors_are_retried_a_bounded_number_of_times(gh):
    gh.graphql(status=503, body=gp.error("Server Error"), repeat=ATTEMPTS + 1)
    with pytest.raises(ForgeError, match="503"):
        gf.make_forge().pull_request(7)
    assert len(gh.calls()) == ATTEMPTS + 1


def test_a_comment_is_not_posted_twice_after_a_server_error(gh):
    then_the_pr(gh)  # no comments yet
    gh.add("POST", "{repo}/issues/7/comments", gp.error("Server Error"), status=502)
    with pytest.raises(ForgeError, match="502"):
        gf.make_forge().upsert_comment(7, "<!-- m -->", "hello <!-- m -->")
    assert gh.writes() == ["POST /repos/octo-org/cab/issues/7/comments"]


def test_too_many_requests_is_retried(gh):
    gh.graphql(status=429, body=gp.error("Too many requests"), headers={"Retry-After": "1"})
    then_the_pr(gh)
    assert gf.make_forge().pull_request(7).number == 7
    assert len(gh.calls()) == 2


def test_primary_rate_limit_is_retried_after_reset(gh):
    reset = str(int(dt.datetime.now(dt.UTC).timestamp()) + 5)
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    gh.graphql(status=403, body=gp.error("API rate limit exceeded for installation ID 1."), headers=limited)
    then_the_pr(gh)
    assert gf.make_forge().pull_request(7).number == 7
    assert len(gh.calls()) == 2


def test_primary_rate_limit_resetting_too_late_fails_at_once(gh):
    reset = str(int(dt.datetime.now(dt.UTC).timestamp()) + 3600)
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    gh.graphql(status=403, body=gp.error("API rate limit exceeded for installation ID 1."), headers=limited)
    with pytest.raises(ForgeError, match="403 API rate limit exceeded"):
        gf.make_forge().pull_request(7)
    assert len(gh.calls()) == 1


def test_secondary_rate_limit_is_retried(gh):
    gh.graphql(
        status=403,
        body=gp.error(
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        ),
        headers={"Retry-After": "3"},
    )
    then_the_pr(gh)
    assert gf.make_forge().pull_request(7).number == 7
    assert len(gh.calls()) == 2


def test_a_plain_forbidden_is_not_retried(gh):
    gh.graphql(status=403, body=gp.error("Resource not accessible by integration"))
    with pytest.raises(ForgeError, match="403"):
        gf.make_forge().pull_request(7)
    assert len(gh.calls()) == 1


def test_requests_carry_a_timeout(gh):
    then_the_pr(gh)
    gf.make_forge().pull_request(7)
    assert gh.rsps.calls[0].request.req_kwargs["timeout"] == TIMEOUT


def test_a_timeout_becomes_a_forge_error_naming_the_step(gh):
    gh.graphql(raises=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(ForgeError, match="could not reach GitHub to read PR #7"):
        gf.make_forge().pull_request(7)


# --- the policy's waits, without sleeping -----------------------------------------------------
def test_retry_after_is_waited_through_the_injected_sleep():
    slept: list[float] = []
    limited = answer(429, {"Retry-After": "7"})
    policy(slept).increment("GET", URL, response=limited).sleep(limited)
    assert slept == [7]


def test_primary_limit_waits_until_reset_plus_one_second():
    slept: list[float] = []
    reset = int((NOW + dt.timedelta(seconds=30)).timestamp())
    limited = answer(429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    policy(slept).increment("GET", URL, response=limited).sleep()
    assert slept == [31.0]


def test_server_errors_back_off_exponentially_and_stop():
    slept: list[float] = []
    retry = policy(slept)
    for _ in range(ATTEMPTS):
        retry = retry.increment("GET", URL, response=answer(502))
        retry.sleep()
    with pytest.raises(MaxRetryError):
        retry.increment("GET", URL, response=answer(502))
    assert slept == [2.0, 4.0, 8.0, 16.0]  # urllib3 skips the wait before the first retry


def test_read_timeouts_are_retried_for_reads():
    timeout = ReadTimeoutError(None, URL, "read timed out")  # type: ignore[arg-type]
    retry = policy([]).increment("GET", URL, error=timeout)
    assert retry.total == ATTEMPTS - 1


def test_read_timeouts_are_not_retried_for_comment_posts():
    timeout = ReadTimeoutError(None, URL, "read timed out")  # type: ignore[arg-type]
    with pytest.raises(MaxRetryError):
        policy([]).increment("POST", URL.replace("pulls/7", "issues/7/comments"), error=timeout)


def test_read_timeouts_are_retried_for_graphql_posts():
    """Reads, or a commit whose `expectedHeadOid` guard cannot let it apply twice."""
    timeout = ReadTimeoutError(None, GRAPHQL, "read timed out")  # type: ignore[arg-type]
    retry = policy([]).increment("POST", GRAPHQL, error=timeout)
    assert retry.total == ATTEMPTS - 1


def test_read_timeouts_are_retried_for_content_addressed_posts():
    timeout = ReadTimeoutError(None, URL, "read timed out")  # type: ignore[arg-type]
    retry = policy([]).increment("POST", URL.replace("pulls/7", "git/trees"), error=timeout)
    assert retry.total == ATTEMPTS - 1


def test_each_wait_is_announced_with_the_status_the_wait_and_the_attempt():
    said: list[str] = []
    retry = ForgeRetry(sleep=lambda _s: None, clock=lambda: NOW, notify=said.append)
    for _ in range(2):
        retry = retry.increment("GET", URL, response=answer(502))
        retry.sleep()
    assert said == [f"GitHub answered 502, retrying in 2 s (2/{ATTEMPTS})"]  # no wait before the first retry


def test_a_wait_after_a_timeout_says_there_was_no_answer():
    said: list[str] = []
    timeout = ReadTimeoutError(None, URL, "read timed out")  # type: ignore[arg-type]
    retry = ForgeRetry(sleep=lambda _s: None, clock=lambda: NOW, notify=said.append)
    retry = retry.increment("GET", URL, error=timeout).increment("GET", URL, error=timeout)
    retry.sleep()
    assert said == [f"GitHub did not answer (ReadTimeoutError), retrying in 2 s (2/{ATTEMPTS})"]
