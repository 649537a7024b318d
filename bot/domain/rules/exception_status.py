"""Where each exception stands at a moment: active, expiring soon, expired, or never approved.

Pure: `now` is passed in. "Expiring" means active and expiring within `warn_days` (7 by default,
as the seeds ask); the boundary is inclusive, and an exception is expired from the instant of its
`expires_at` (so `cab verify` and this report always agree).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.domain.documents import Loaded
from bot.domain.models import ExceptionDecision, ExceptionRecord


@dataclass(frozen=True)
class ExceptionState:
    """An exception file on a branch and the bot's decision on it, if any."""

    exception: Loaded[ExceptionRecord]
    decision: ExceptionDecision | None

    @property
    def approved(self) -> bool:
        # Approved exactly as it stands: an edit after approval voids the approval.
        d = self.decision
        return d is not None and d.outcome == "approved" and d.exception.sha256 == self.exception.sha256


State = Literal["active", "expiring", "expired", "unapproved", "rejected"]
WARN_DAYS = 7


@dataclass(frozen=True)
class ExceptionStatus:
    id: str
    path: str
    state: State
    expires_at: dt.datetime
    remaining: dt.timedelta
    approved_by: tuple[str, ...]
    scope: str

    @property
    def days_left(self) -> int:
        return max(0, self.remaining.days)


def _scope(state: ExceptionState) -> str:
    scope = state.exception.model.scope
    parts = [f"change {c}" for c in scope.change_ids]
    parts += [f"artifact {a[:12]}…" for a in scope.artifact_sha256s]
    parts += list(scope.vulnerability_ids)
    return ", ".join(parts)


def status_of(state: ExceptionState, now: dt.datetime, warn_days: int = WARN_DAYS) -> ExceptionStatus:
    record = state.exception.model
    remaining = record.expires_at - now
    kind: State
    if state.decision is not None and state.decision.outcome == "rejected":
        kind = "rejected"
    elif not state.approved:
        kind = "unapproved"
    elif remaining <= dt.timedelta(0):
        kind = "expired"
    elif remaining <= dt.timedelta(days=warn_days):
        kind = "expiring"
    else:
        kind = "active"
    approvers = tuple(a.login for a in state.decision.approvals) if state.decision else ()
    return ExceptionStatus(
        record.id, state.exception.source, kind, record.expires_at, remaining, approvers, _scope(state)
    )


def statuses(
    states: Sequence[ExceptionState], now: dt.datetime, warn_days: int = WARN_DAYS
) -> list[ExceptionStatus]:
    return sorted((status_of(s, now, warn_days) for s in states), key=lambda s: (s.expires_at, s.id))
