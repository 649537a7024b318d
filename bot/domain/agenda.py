"""The CAB meeting's agenda: what waits for the board, what is about to lapse, what was decided.

Pure: the items come in already read; the agenda is Markdown, the form a pinned issue and a
meeting share. Oldest first where age matters: the change that waited longest is discussed first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.rules.exception_status import ExceptionStatus
from bot.domain.rules.rollout_conflicts import Conflict, Planned

POLICY = "policy"  # the `tier` of a waiting policy change (`Waiting`): it has none of its own


@dataclass(frozen=True)
class Waiting:
    """A change with a pending record on a PR branch."""

    change_id: str
    tier: str
    score: str
    title: str
    submitted_at: dt.datetime | None
    branch: str


@dataclass(frozen=True)
class Frozen:
    """A waiting change that a freeze window holds now (bot.domain.rules.freeze.hold)."""

    change_id: str
    tier: str
    branch: str
    reason: str  # "frozen until …: why (freeze window `name`)"


@dataclass(frozen=True)
class RetroDue:
    """An emergency change the CAB has not yet retro-approved (bot.domain.rules.emergency)."""

    change_id: str
    incident: str
    due: dt.datetime
    why_overdue: str | None  # rules.emergency.retro_overdue at the meeting's time; None: not yet due


@dataclass(frozen=True)
class Decided:
    ident: str
    kind: str  # change | exception
    tier: str
    outcome: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class Agenda:
    now: dt.datetime
    days: int
    waiting: tuple[Waiting, ...]
    expiring: tuple[ExceptionStatus, ...]
    expired: tuple[ExceptionStatus, ...]
    decided: tuple[Decided, ...]
    conflicts: tuple[tuple[Planned, Conflict], ...] = ()  # bot.domain.rules.rollout_conflicts.pairs
    frozen: tuple[Frozen, ...] = ()
    retro: tuple[RetroDue, ...] = ()

    def for_cab(self) -> list[Waiting]:
        return _oldest_first(w for w in self.waiting if w.tier == "medium")

    def for_security(self) -> list[Waiting]:
        return _oldest_first(w for w in self.waiting if w.tier == "high")

    def for_both(self) -> list[Waiting]:
        """Policy changes: the CAB and security decide them together."""
        return sorted((w for w in self.waiting if w.tier == POLICY), key=lambda w: w.change_id)


def _oldest_first(items: Iterable[Waiting]) -> list[Waiting]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda w: (w.submitted_at or far, w.change_id))


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace("\n", " ")


def _when(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _age(now: dt.datetime, moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    hours = max((now - moment).total_seconds(), 0) / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"


def markdown(agenda: Agenda) -> str:
    now = agenda.now
    lines = [f"## CAB agenda, {_when(now)}", ""]
    for heading, items in (
        ("Waiting for the CAB (medium)", agenda.for_cab()),
        ("Waiting for security (high)", agenda.for_security()),
    ):
        lines += [f"### {heading}: {len(items)}", ""]
        if items:
            lines += [
                "| change | score | title | submitted | waiting | branch |",
                "|---|---:|---|---|---:|---|",
            ]
            lines += [
                f"| `{w.change_id}` | {w.score} | {w.title} | {_when(w.submitted_at)} | "
                f"{_age(now, w.submitted_at)} | `{w.branch}` |"
                for w in items
            ]
        else:
            lines.append("Nothing waiting.")
        lines.append("")
    policy = agenda.for_both()
    lines += [f"### Policy changes waiting for the CAB and security: {len(policy)}", ""]
    lines += [f"- `{w.change_id}` (`{w.branch}`): {_escape(w.title)}" for w in policy] or ["Nothing waiting."]
    lines.append("")
    lines += [f"### Rollout conflicts: {len(agenda.conflicts)}", ""]
    lines += [
        f"- `{mine.change_id}` (`{mine.where}`) and `{clash.other.change_id}` (`{clash.other.where}`) "
        f"both roll out {', '.join(f'`{c}`' for c in clash.components)} "
        f"from {_when(clash.start)} to {_when(clash.end)}"
        for mine, clash in agenda.conflicts
    ] or ["None."]
    lines += ["", f"### Frozen changes: {len(agenda.frozen)}", ""]
    lines += [
        f"- `{f.change_id}` ({f.tier}, `{f.branch}`): {_escape(f.reason)}"
        for f in sorted(agenda.frozen, key=lambda f: f.change_id)
    ] or ["None."]
    lines.append("")
    overdue = [r for r in agenda.retro if r.why_overdue is not None]
    lines += [f"### Retro-reviews overdue: {len(overdue)} (of {len(agenda.retro)} awaiting the CAB)", ""]
    lines += [
        f"- `{r.change_id}` (emergency for {_escape(r.incident)}): due {_when(r.due)}"
        + (" — **overdue**" if r.why_overdue is not None else "")
        + "; `/cab retro-approve` on its pull request"
        for r in sorted(agenda.retro, key=lambda r: (r.due, r.change_id))
    ] or ["None."]
    lines.append("")
    lines += [f"### Exceptions expiring soon: {len(agenda.expiring)}", ""]
    lines += [
        f"- `{s.id}` expires {_when(s.expires_at)} ({s.days_left} days left): {s.scope}"
        for s in agenda.expiring
    ] or ["None."]
    lines += ["", f"### Exceptions expired: {len(agenda.expired)}", ""]
    lines += [
        f"- `{s.id}` expired {_when(s.expires_at)}: changes relying on it no longer pass `cab verify`"
        for s in agenda.expired
    ] or ["None."]
    recent = sorted(agenda.decided, key=lambda d: (d.decided_at, d.ident), reverse=True)
    lines += ["", f"### Decided in the last {agenda.days} days: {len(recent)}", ""]
    if recent:
        lines += ["| decided | id | kind | tier | outcome |", "|---|---|---|---|---|"]
        lines += [
            f"| {_when(d.decided_at)} | `{d.ident}` | {d.kind} | {d.tier} | {d.outcome} |" for d in recent
        ]
    else:
        lines.append("Nothing decided.")
    return "\n".join(lines) + "\n"
