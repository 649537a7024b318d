"""The scheduled sweep: one tracking issue listing exceptions that expire soon or have expired.

Expiry needs no write to the repository to take effect: `cab verify` compares the decision's
recorded `expires_at` with the time it runs, so a change covered by an expired exception fails the
gate from that instant. The sweep makes it visible to people before and after that moment, and
keeps editing the same issue rather than opening a new one each day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.adapters.forge.interface import Forge
from bot.domain.base_branch import exception_states
from bot.domain.identity import BotIdentity
from bot.domain.rules.exception_status import WARN_DAYS, ExceptionStatus, statuses

MARKER = "<!-- cab-bot:exception-expiry -->"
TITLE = "CAB: accepted-risk exceptions expiring or expired"


@dataclass(frozen=True)
class ExpiryReport:
    expiring: tuple[ExceptionStatus, ...]
    expired: tuple[ExceptionStatus, ...]
    active: int
    issue: int | None

    def summary(self) -> str:
        return (
            f"{len(self.expiring)} expiring within {WARN_DAYS} days, {len(self.expired)} expired, "
            f"{self.active} active"
        )


def issue_body(expiring: list[ExceptionStatus], expired: list[ExceptionStatus], now: dt.datetime) -> str:
    lines = [MARKER, f"Swept at {now.isoformat()}.", ""]
    lines.append(f"### Expiring within {WARN_DAYS} days ({len(expiring)})")
    lines += [
        f"- `{s.id}` expires {s.expires_at.isoformat()} ({s.days_left} days) — {s.scope}" for s in expiring
    ] or ["- none"]
    lines += ["", f"### Expired ({len(expired)})"]
    lines += [
        f"- `{s.id}` expired {s.expires_at.isoformat()} — changes relying on it no longer pass "
        f"`cab verify`; renew with a new exception"
        for s in expired
    ] or ["- none"]
    return "\n".join(lines) + "\n"


def run(forge: Forge, *, now: dt.datetime, identity: BotIdentity, branch: str = "main") -> ExpiryReport:
    del identity  # the sweep writes no commits
    sha = forge.branch_head(branch)
    found = statuses(exception_states(forge, sha), now)
    expiring = [s for s in found if s.state == "expiring"]
    expired = [s for s in found if s.state == "expired"]
    active = sum(1 for s in found if s.state in ("active", "expiring"))
    issue = None
    if expiring or expired:
        issue = forge.upsert_issue(MARKER, TITLE, issue_body(expiring, expired, now))
    return ExpiryReport(tuple(expiring), tuple(expired), active, issue)
