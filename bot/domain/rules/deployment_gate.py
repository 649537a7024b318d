"""The deployment gate: is this change approved, unexpired and untampered? Pure; `now` passed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.models import Decision
from bot.domain.models.decision import APPROVING_OUTCOMES


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


def verify(
    record: Decision,
    evidence_sha256: str | None,
    now: dt.datetime,
    expired_exceptions: frozenset[str] = frozenset(),
) -> Verdict:
    """`evidence_sha256` is the canonical hash of the evidence file as it is now (None if gone)."""
    if record.outcome not in APPROVING_OUTCOMES:
        return Verdict(False, f"{record.change_id} is {record.outcome}, not approved")
    if evidence_sha256 is None:
        return Verdict(
            False, f"{record.evidence.path} is missing: the evidence was deleted after the decision"
        )
    if evidence_sha256 != record.evidence.sha256:
        return Verdict(
            False,
            f"{record.evidence.path} changed after the decision "
            f"(sha256 {evidence_sha256[:12]}…, decided on {record.evidence.sha256[:12]}…)",
        )
    for exception in record.exceptions:
        if exception.id in expired_exceptions or now >= exception.expires_at:
            return Verdict(
                False,
                f"exception {exception.id} expired at {exception.expires_at.isoformat()}; "
                "the change is no longer covered",
            )
    conditions = f" with conditions: {'; '.join(record.conditions)}" if record.conditions else ""
    return Verdict(
        True,
        f"{record.change_id} {record.outcome} (risk {record.risk.score}, {record.risk.tier}){conditions}",
    )
