"""Change-management metrics from the decision population: volume, lead time, waiting, rejections.

Pure: rows in (see `bot.domain.population`), numbers out. Percentiles use the nearest-rank
method (the smallest value with at least p% of the sample at or below it), which is defined for
any sample size and always names a real observation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.domain.change_failure import ChangeFailure, change_failure
from bot.domain.population import Row

TIERS = ("low", "medium", "high")


def nearest_rank(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Spread:
    """A duration sample in hours: how many, the median and the 90th percentile."""

    count: int
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, hours: list[float]) -> Spread:
        return cls(len(hours), nearest_rank(hours, 50), nearest_rank(hours, 90))

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "p50_hours": _round(self.p50), "p90_hours": _round(self.p90)}


@dataclass(frozen=True)
class Metrics:
    since: dt.datetime | None
    now: dt.datetime
    changes: int
    by_tier: dict[str, int]
    by_outcome: dict[str, int]
    lead_time: Spread  # submission -> decision, every change
    waiting_for_cab: Spread  # submission -> first approval, medium changes
    waiting_for_security: Spread  # submission -> first approval, high changes
    rejected: int
    exceptions_open: int
    unverified: int
    per_month: dict[str, dict[str, int]] = field(default_factory=dict)  # month -> tier -> count
    # changes a later change fixed or rolled back
    failure: ChangeFailure = field(default_factory=lambda: ChangeFailure(0, ()))
    emergencies: int = 0  # decided `emergency`: one on-call approval, the CAB's review afterwards

    @property
    def rejection_rate(self) -> float | None:
        return None if not self.changes else self.rejected / self.changes

    @property
    def emergency_share(self) -> float | None:
        return None if not self.changes else self.emergencies / self.changes

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "now": _iso(self.now),
            "changes": self.changes,
            "by_tier": self.by_tier,
            "by_outcome": dict(sorted(self.by_outcome.items())),
            "lead_time": self.lead_time.as_dict(),
            "waiting_for_cab": self.waiting_for_cab.as_dict(),
            "waiting_for_security": self.waiting_for_security.as_dict(),
            "rejected": self.rejected,
            "rejection_rate": None if self.rejection_rate is None else round(self.rejection_rate, 4),
            "exceptions_open": self.exceptions_open,
            "emergencies": self.emergencies,
            "emergency_share": None if self.emergency_share is None else round(self.emergency_share, 4),
            "unverified": self.unverified,
            "per_month": {m: self.per_month[m] for m in sorted(self.per_month)},
            "change_failure": self.failure.as_dict(),
        }


def measure(rows: Iterable[Row], now: dt.datetime, since: dt.datetime | None = None) -> Metrics:
    """Metrics over the change decisions taken at or after `since`; exceptions open at `now`."""
    by_tier = dict.fromkeys(TIERS, 0)
    by_outcome: dict[str, int] = {}
    lead: list[float] = []
    cab: list[float] = []
    security: list[float] = []
    per_month: dict[str, dict[str, int]] = {}
    changes = rejected = unverified = emergencies = 0
    open_exceptions: set[str] = set()
    closed: set[str] = set()
    window: list[Row] = []
    for row in rows:  # newest first: the first decision seen for an exception id is its latest
        unverified += not row.verified
        if row.kind == "exception":
            if row.id not in open_exceptions | closed:
                active = row.outcome == "approved" and row.expires_at is not None and row.expires_at > now
                (open_exceptions if active else closed).add(row.id)
            continue
        if since is not None and (row.decided_at is None or row.decided_at < since):
            continue
        changes += 1
        window.append(row)
        if row.tier in by_tier:
            by_tier[row.tier] += 1
        by_outcome[row.outcome] = by_outcome.get(row.outcome, 0) + 1
        rejected += row.outcome == "rejected"
        emergencies += row.outcome == "emergency"
        if row.decided_at is not None:
            month = per_month.setdefault(
                row.decided_at.astimezone(dt.UTC).strftime("%Y-%m"), dict.fromkeys(TIERS, 0)
            )
            if row.tier in month:
                month[row.tier] += 1
        if row.submitted_at is None:
            continue
        if row.decided_at is not None:
            lead.append(_hours(row.decided_at - row.submitted_at))
        if row.approvers and row.tier in ("medium", "high") and row.outcome != "emergency":  # on call
            first = min(a.approved_at for a in row.approvers)
            (cab if row.tier == "medium" else security).append(_hours(first - row.submitted_at))
    return Metrics(
        since=since,
        now=now,
        changes=changes,
        by_tier=by_tier,
        by_outcome=by_outcome,
        lead_time=Spread.of(lead),
        waiting_for_cab=Spread.of(cab),
        waiting_for_security=Spread.of(security),
        rejected=rejected,
        exceptions_open=len(open_exceptions),
        unverified=unverified,
        per_month=per_month,
        failure=change_failure(window),
        emergencies=emergencies,
    )


def _hours(delta: dt.timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 3600


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _duration(hours: float | None) -> str:
    if hours is None:
        return "-"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def _spread(s: Spread) -> str:
    return f"{_duration(s.p50)} / {_duration(s.p90)} (n={s.count})"


def summary_rows(m: Metrics) -> list[tuple[str, str]]:
    rate = "-" if m.rejection_rate is None else f"{m.rejection_rate:.0%}"
    share = "-" if m.emergency_share is None else f"{m.emergency_share:.0%}"
    return [
        ("changes decided", str(m.changes)),
        ("by tier (low / medium / high)", " / ".join(str(m.by_tier[t]) for t in TIERS)),
        ("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(m.by_outcome.items())) or "-"),
        ("lead time, submission to decision (p50 / p90)", _spread(m.lead_time)),
        ("waiting for the CAB, medium (p50 / p90)", _spread(m.waiting_for_cab)),
        ("waiting for security, high (p50 / p90)", _spread(m.waiting_for_security)),
        ("rejection rate", f"{rate} ({m.rejected} rejected)"),
        *_failure_rows(m.failure),
        ("emergency share", f"{share} ({m.emergencies} emergency)"),
        (f"exceptions open at {_iso(m.now)}", str(m.exceptions_open)),
        ("decisions that failed re-verification", str(m.unverified)),
    ]


def _failure_rows(f: ChangeFailure) -> list[tuple[str, str]]:
    rate = "-" if f.rate is None else f"{f.rate:.0%}"
    rows = [
        (
            "change failure rate",
            f"{rate} ({f.failed} of {f.deployed} approved changes later fixed or rolled back)",
        )
    ]
    if f.failures:
        rows.append(("failed changes", ", ".join(str(failure) for failure in f.failures)))
    return rows


def text(m: Metrics) -> str:
    rows = summary_rows(m)
    width = max(len(label) for label, _ in rows)
    head = f"CAB metrics{' since ' + str(_iso(m.since)) if m.since else ''}"
    return "\n".join([head, "", *(f"{label.ljust(width)}  {value}" for label, value in rows)])


def markdown(m: Metrics) -> str:
    head = f"### CAB metrics{' since ' + str(_iso(m.since)) if m.since else ''}"
    return "\n".join(
        [head, "", "| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in summary_rows(m))]
    )
