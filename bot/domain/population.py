"""The population listing auditors sample from: one row per decision, re-verified, never dropped.

Pure: a decision record, where it landed and what the audit found there go in; a flat row goes
out. A row whose decision fails verification is kept and marked, so the population is complete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.domain.models import Decision, ExceptionDecision

COLUMNS = (
    "kind",
    "id",
    "outcome",
    "tier",
    "score",
    "model_version",
    "model_sha256",
    "approvers",
    "exceptions",
    "evidence_path",
    "evidence_sha256",
    "decided_at",
    "pull_request",
    "record_path",
    "merge_commit",
    "verified",
    "problems",
)


@dataclass(frozen=True)
class Approver:
    login: str
    team: str
    approved_at: dt.datetime
    review_id: int

    @property
    def at(self) -> str:
        return _iso(self.approved_at)

    def __str__(self) -> str:
        return f"{self.login} ({self.team}) at {self.at}"


@dataclass(frozen=True)
class Row:
    kind: str  # "change" or "exception"
    id: str
    outcome: str
    record_path: str
    merge_commit: str
    problems: tuple[str, ...]
    tier: str = ""
    score: str = ""
    model_version: str = ""
    model_sha256: str = ""
    approvers: tuple[Approver, ...] = ()
    exceptions: tuple[str, ...] = ()
    evidence_path: str = ""
    evidence_sha256: str = ""
    decided_at: dt.datetime | None = None
    pull_request: int | None = None
    submitted_at: dt.datetime | None = None  # the pack's submission (the exception's request)
    expires_at: dt.datetime | None = None  # an exception decision's expiry
    fixes: tuple[str, ...] = ()  # the earlier changes the pack says it fixes (metrics only)
    rolls_back: str | None = None  # ... and the one it rolls back

    @property
    def verified(self) -> bool:
        return not self.problems

    def flat(self) -> dict[str, str]:
        """Every column as text (CSV, and the SQLite table)."""
        return {
            "kind": self.kind,
            "id": self.id,
            "outcome": self.outcome,
            "tier": self.tier,
            "score": self.score,
            "model_version": self.model_version,
            "model_sha256": self.model_sha256,
            "approvers": "; ".join(str(a) for a in self.approvers),
            "exceptions": "; ".join(self.exceptions),
            "evidence_path": self.evidence_path,
            "evidence_sha256": self.evidence_sha256,
            "decided_at": _iso(self.decided_at) if self.decided_at else "",
            "pull_request": "" if self.pull_request is None else str(self.pull_request),
            "record_path": self.record_path,
            "merge_commit": self.merge_commit,
            "verified": "yes" if self.verified else "no",
            "problems": "; ".join(self.problems),
        }

    def as_dict(self) -> dict[str, Any]:
        """The JSON Lines object: lists stay lists, the verdict a boolean."""
        out: dict[str, Any] = dict(self.flat())
        out["approvers"] = [
            {"login": a.login, "team": a.team, "approved_at": a.at, "review_id": a.review_id}
            for a in self.approvers
        ]
        out["exceptions"] = list(self.exceptions)
        out["pull_request"] = self.pull_request
        out["decided_at"] = _iso(self.decided_at) if self.decided_at else None
        out["verified"] = self.verified
        out["problems"] = list(self.problems)
        return out


def row_of(record: Decision | ExceptionDecision, path: str, commit: str, problems: tuple[str, ...]) -> Row:
    approvers = tuple(Approver(a.login, a.team, a.approved_at, a.review_id) for a in record.approvals)
    number = record.pull_request.number if record.pull_request else None
    if isinstance(record, ExceptionDecision):
        return Row(
            kind="exception",
            id=record.exception_id,
            outcome=record.outcome,
            record_path=path,
            merge_commit=commit,
            problems=problems,
            approvers=approvers,
            evidence_path=record.exception.path,
            evidence_sha256=record.exception.sha256,
            decided_at=record.decided_at,
            pull_request=number,
            expires_at=record.expires_at,
        )
    return Row(
        kind="change",
        id=record.change_id,
        outcome=record.outcome,
        record_path=path,
        merge_commit=commit,
        problems=problems,
        tier=record.risk.tier,
        score=record.risk.score,
        model_version=record.risk.model_version,
        model_sha256=record.risk.model_sha256,
        approvers=approvers,
        exceptions=tuple(e.id for e in record.exceptions),
        evidence_path=record.evidence.path,
        evidence_sha256=record.evidence.sha256,
        decided_at=record.decided_at,
        pull_request=number,
    )


def unreadable_row(kind: str, ident: str, path: str, commit: str, why: str) -> Row:
    """A record the export could not read is still a row of the population, marked."""
    return Row(kind=kind, id=ident, outcome="", record_path=path, merge_commit=commit, problems=(why,))


def within(row: Row, since: dt.datetime | None, until: dt.datetime | None) -> bool:
    """Whether the row's decision time falls in [since, until); an undated row is kept only unbounded."""
    if since is None and until is None:
        return True
    if row.decided_at is None:
        return False
    return (since is None or row.decided_at >= since) and (until is None or row.decided_at < until)


def _iso(moment: dt.datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
