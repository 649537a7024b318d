"""How the GitHub forge retries: bounded, rate-limit aware, and never repeats a non-idempotent write.

Built on PyGithub's `GithubRetry` (a `urllib3.Retry`), which already understands GitHub's 403
rate-limit bodies (primary: wait until `X-RateLimit-Reset`; secondary: `Retry-After` or a fixed wait).
This subclass adds what it lacks:

- 429 responses are retried (GitHub sends them for secondary limits), honouring `Retry-After`;
- a primary limit is also recognised by headers alone (`X-RateLimit-Remaining: 0` on a 403 or 429),
  waiting until `X-RateLimit-Reset`, so a changed error message cannot turn it into a hard failure;
- waits longer than `max_wait` fail at once instead of stalling a CI job for an hour;
- 5xx answers and read timeouts are retried only for requests that are safe to repeat: a POST that
  creates a comment, a ref or a PR may have happened even though the answer was lost, so it is not
  retried here; the step fails and the next run converges (every forge write checks state first);
- `sleep` and `clock` are injectable, so tests check the waits without sleeping.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any, cast

from github.GithubRetry import GithubRetry
from urllib3.exceptions import MaxRetryError, ResponseError

from bot.adapters.progress import notice

Sleep = Callable[[float], None]
Clock = Callable[[], dt.datetime]
Notify = Callable[[str], None]

ATTEMPTS = 5  # retries after the first try; with backoff_factor 1 the waits are 0, 2, 4, 8, 16 s
BACKOFF_FACTOR = 1.0
BACKOFF_MAX = 30.0
MAX_WAIT = 120.0  # the longest rate-limit wait we accept before failing the run
TIMEOUT = 15  # seconds, connect and read, per request

# POSTs that are content-addressed or declarative, so repeating them changes nothing. The bot's
# GraphQL requests are reads, or `createCommitOnBranch` guarded by `expectedHeadOid`, which cannot
# apply twice: a repeat after a lost answer fails as "head moved" and the next sync converges.
_REPEATABLE_POST = re.compile(
    r"/git/(?:blobs|trees|commits)$|/issues/[0-9]+/labels$|/statuses/[0-9a-f]+$|/graphql$"
)
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def safe_to_repeat(method: str | None, url: str | None) -> bool:
    """True when sending the request twice leaves the same state as sending it once."""
    if method is None:
        return False
    if method.upper() in _IDEMPOTENT:
        return True
    path = (url or "").split("?", 1)[0]
    return method.upper() == "POST" and bool(_REPEATABLE_POST.search(path))


class ForgeRetry(GithubRetry):
    """GitHub-aware bounded retry; see the module docstring for what it adds to `GithubRetry`."""

    def __init__(
        self,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = _utcnow,
        max_wait: float = MAX_WAIT,
        notify: Notify = notice,
        attempts: int | None = None,
        **kwargs: Any,
    ) -> None:
        self._sleep_fn = sleep
        self._clock = clock
        self._notify = notify
        self.max_wait = max_wait
        kwargs.setdefault("total", ATTEMPTS)
        self._attempts = attempts if attempts is not None else kwargs["total"]  # for "(2/5)"
        kwargs.setdefault("backoff_factor", BACKOFF_FACTOR)
        kwargs.setdefault("backoff_max", BACKOFF_MAX)
        kwargs.setdefault("status_forcelist", [*range(500, 600), 429])
        kwargs.setdefault("allowed_methods", frozenset({*_IDEMPOTENT, "POST"}))
        # On exhaustion hand back the last answer, so PyGithub raises with GitHub's own message.
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("secondary_rate_wait", 60.0)
        kwargs.setdefault("max_rate_limit_wait", max_wait)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> ForgeRetry:
        kw.update(
            sleep=self._sleep_fn,
            clock=self._clock,
            max_wait=self.max_wait,
            notify=self._notify,
            attempts=self._attempts,
        )
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> ForgeRetry:
        status = getattr(response, "status", None)
        headers = getattr(response, "headers", None) or {}
        rate_limited = status in (403, 429) and (
            headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in headers
        )
        if not rate_limited and status != 403 and not safe_to_repeat(method, url):
            # 5xx or a lost answer to a write that may have happened: do not repeat it.
            raise MaxRetryError(_pool, url or "", error or ResponseError(f"{method} {url} is not repeatable"))
        if rate_limited:
            wait = self._rate_limit_wait(headers)
            if wait > self.max_wait:
                raise MaxRetryError(_pool, url or "", ResponseError(f"rate limited for {wait:.0f}s"))
            retry = super(GithubRetry, self).increment(method, url, response, error, _pool, _stacktrace)
            retry_wait = max(wait, retry.get_backoff_time())
            retry.get_backoff_time = lambda: retry_wait  # type: ignore[method-assign]
            return retry
        return cast(ForgeRetry, super().increment(method, url, response, error, _pool, _stacktrace))

    def _rate_limit_wait(self, headers: Any) -> float:
        """Seconds to wait: `Retry-After` if given, else until `X-RateLimit-Reset` (+1 s)."""
        after = headers.get("Retry-After")
        if after is not None:
            parsed = self.parse_retry_after(after)
            return float(parsed)
        reset = headers.get("X-RateLimit-Reset")
        if reset is not None and str(reset).isdigit():
            until = dt.datetime.fromtimestamp(int(reset), dt.UTC)
            return max(0.0, (until - self._clock()).total_seconds()) + 1.0
        return float(self.secondary_rate_wait)

    def sleep(self, response: Any = None) -> None:
        """Wait before the next attempt, through the injected sleep function, saying so."""
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                self._waiting(after)
                return
        backoff = self.get_backoff_time()
        if backoff > 0:
            self._waiting(backoff)

    def _waiting(self, seconds: float) -> None:
        self._notify(
            f"{self._what_happened()}, retrying in {seconds:.0f} s ({len(self.history)}/{self._attempts})"
        )
        self._sleep_fn(seconds)

    def _what_happened(self) -> str:
        last = self.history[-1] if self.history else None
        if last is not None and last.status is not None:
            return f"GitHub answered {last.status}"
        reason = type(last.error).__name__ if last is not None and last.error is not None else "no answer"
        return f"GitHub did not answer ({reason})"
