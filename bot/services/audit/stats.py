"""Aggregates for the reports' charts, and the table of decisions an auditor reads.

The aggregates are counts per month, fixed histogram bins and the (few) exceptions. The table
(`rows`) has one small row per decision: an auditor needs every decision listed, and a row is a
few hundred bytes (100,000 decisions: tens of MB). Dates here are for display only; no check
depends on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from bot.services.audit.decision_check import DecisionSummary
from bot.services.audit.merge_check import DecisionRow, ExceptionUse

SCORE_BINS = 10  # 0-10, 10-20, ... 90-100
LEAD_TIME_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1),
    ("1-8 h", 8),
    ("8-24 h", 24),
    ("1-3 d", 72),
    ("3-7 d", 168),
    ("> 7 d", float("inf")),
)


@dataclass
class Stats:
    decisions: int = 0
    per_month: dict[str, dict[str, int]] = field(default_factory=dict)  # month -> tier -> count
    outcomes: dict[str, int] = field(default_factory=dict)
    scores: list[int] = field(default_factory=lambda: [0] * SCORE_BINS)
    lead_time: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in LEAD_TIME_BUCKETS})
    exceptions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (from, to) ISO
    exception_decisions: int = 0
    rows: list[DecisionRow] = field(default_factory=list)  # newest decision merge first
    # emergency change id -> when the CAB retro-approved it (ISO), for `emergency.retro-overdue`
    retro_approvals: dict[str, str] = field(default_factory=dict)

    def add(self, decision: DecisionSummary) -> None:
        self.decisions += 1
        month = decision.decided_at.astimezone(dt.UTC).strftime("%Y-%m") if decision.decided_at else "unknown"
        tiers = self.per_month.setdefault(month, {})
        tiers[decision.tier] = tiers.get(decision.tier, 0) + 1
        self.outcomes[decision.outcome] = self.outcomes.get(decision.outcome, 0) + 1
        self.scores[min(int(Decimal(decision.score) // 10), SCORE_BINS - 1)] += 1
        if decision.decided_at and decision.submitted_at:
            hours = (decision.decided_at - decision.submitted_at).total_seconds() / 3600
            name = next(n for n, limit in LEAD_TIME_BUCKETS if hours < limit)
            self.lead_time[name] += 1
        for use in decision.exceptions:  # an approval seen by this audit gives the exact span instead
            self.exceptions.setdefault(use.id, (_iso(use.requested_at), _iso(use.expires_at)))

    def add_exception(self, approved: ExceptionUse) -> None:
        """An exception is active from its approval (`requested_at` is its `decided_at` here) to expiry."""
        self.exceptions[approved.id] = (_iso(approved.requested_at), _iso(approved.expires_at))

    def add_row(self, row: DecisionRow) -> None:
        self.rows.append(row)
        self.exception_decisions += row.kind == "exception"

    def merge(self, other: Stats) -> None:
        """Add a later stretch of history (`other`, newer) to this one."""
        self.rows[:0] = other.rows
        self.exception_decisions += other.exception_decisions
        self.decisions += other.decisions
        for month, tiers in other.per_month.items():
            mine = self.per_month.setdefault(month, {})
            for tier, count in tiers.items():
                mine[tier] = mine.get(tier, 0) + count
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        self.scores = [a + b for a, b in zip(self.scores, other.scores, strict=True)]
        for name, count in other.lead_time.items():
            self.lead_time[name] = self.lead_time.get(name, 0) + count
        self.exceptions.update(other.exceptions)
        self.retro_approvals.update(other.retro_approvals)

    def exceptions_active(self) -> dict[str, int]:
        """Per month (of the decision months and exception spans), how many exceptions were active."""
        months = set(self.per_month) - {"unknown"}
        for start, end in self.exceptions.values():
            months |= set(_months_between(start[:7], end[:7]))
        return {
            month: sum(1 for start, end in self.exceptions.values() if start[:7] <= month <= end[:7])
            for month in sorted(months)
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "decisions_per_month": {m: dict(sorted(t.items())) for m, t in sorted(self.per_month.items())},
            "outcomes": dict(sorted(self.outcomes.items())),
            "score_histogram": list(self.scores),
            "lead_time_histogram": dict(self.lead_time),
            "exceptions": {k: {"from": a, "to": b} for k, (a, b) in sorted(self.exceptions.items())},
            "exceptions_active_per_month": self.exceptions_active(),
            "exception_decisions": self.exception_decisions,
            "table": [asdict(row) for row in self.rows],
            "retro_approvals": dict(sorted(self.retro_approvals.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stats:
        return cls(
            decisions=int(data["decisions"]),
            per_month={m: dict(t) for m, t in data["decisions_per_month"].items()},
            outcomes=dict(data["outcomes"]),
            scores=list(data["score_histogram"]),
            lead_time={name: int(data["lead_time_histogram"].get(name, 0)) for name, _ in LEAD_TIME_BUCKETS},
            exceptions={k: (v["from"], v["to"]) for k, v in data["exceptions"].items()},
            exception_decisions=int(data["exception_decisions"]),
            rows=[_row(item) for item in data["table"]],
            retro_approvals=dict(data.get("retro_approvals", {})),  # absent in older caches
        )


def _row(item: dict[str, Any]) -> DecisionRow:
    return DecisionRow(
        **{**item, "approvers": tuple(item["approvers"]), "exceptions": tuple(item["exceptions"])}
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _months_between(start: str, end: str) -> list[str]:
    year, month = int(start[:4]), int(start[5:7])
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= end and len(out) < 1200:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
