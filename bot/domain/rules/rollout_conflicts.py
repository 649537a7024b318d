"""Rollout conflicts: two open changes to one component whose rollout windows overlap. Pure.

The one home of the rule: the bot tells each change about the others in its PR comment, and
`cab agenda` lists every conflicting pair for the board. Windows are half-open, `[start, end)`: a
rollout that starts when another ends does not conflict with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models.evidence import EvidencePack


@dataclass(frozen=True)
class Planned:
    """An open change's planned rollout: where it is (`#12`, or a branch), what and when."""

    change_id: str
    where: str
    components: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Conflict:
    """Another change rolling out some of the same components at overlapping times."""

    other: Planned
    components: tuple[str, ...]  # the components both name
    start: dt.datetime  # the overlap
    end: dt.datetime

    def describe(self) -> str:
        shared = ", ".join(f"`{c}`" for c in self.components)
        return (
            f"{self.other.where} `{self.other.change_id}` also rolls out {shared} "
            f"from {_when(self.other.start)} to {_when(self.other.end)} "
            f"(overlap {_when(self.start)} to {_when(self.end)})"
        )


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def planned(pack: EvidencePack, where: str) -> Planned | None:
    """The pack's rollout, when it names both a window and at least one component."""
    window = pack.rollout.window if pack.rollout else None
    names = tuple(pack.scope.affected_components) if pack.scope else ()
    if window is None or not names:
        return None
    return Planned(pack.change_id, where, names, window.start, window.end)


def conflict(mine: Planned, other: Planned) -> Conflict | None:
    """How `other` conflicts with `mine`, or None (another change id, a shared component, and
    windows that overlap)."""
    if other.change_id == mine.change_id:
        return None
    shared = tuple(sorted(set(mine.components) & set(other.components)))
    start, end = max(mine.start, other.start), min(mine.end, other.end)
    if not shared or start >= end:
        return None
    return Conflict(other, shared, start, end)


def conflicts(mine: Planned, others: Sequence[Planned]) -> list[Conflict]:
    """Every conflict of `mine` with the other open changes, the earliest overlap first."""
    found = [c for other in others if (c := conflict(mine, other)) is not None]
    return sorted(found, key=lambda c: (c.start, c.other.change_id))


def pairs(changes: Sequence[Planned]) -> list[tuple[Planned, Conflict]]:
    """Each conflicting pair once (the first change in id order, and how the second conflicts)."""
    ordered = sorted(changes, key=lambda p: (p.change_id, p.where))
    out = []
    for i, mine in enumerate(ordered):
        out += [(mine, c) for c in conflicts(mine, ordered[i + 1 :])]
    return out
