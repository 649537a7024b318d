"""Freeze windows: is a change to these components frozen at this moment, and until when? Pure.

The one home of the rule: the bot asks it before it merges a change (`bot.domain.decision_plan`),
the audit asks it again with each decision's time and the calendar at the decision's base
(`freeze.merged-in-window`), and `cab agenda` lists the changes it holds.

A window's times are wall-clock times in its zone, so each occurrence is placed in that zone
before it is compared with the (aware) moment; recurrences come from python-dateutil's rrule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.models.evidence import EvidencePack
from bot.domain.models.freeze import FreezeCalendar, FreezeWindow

# How far either side of a moment occurrences are looked for: wider than any daylight-saving shift.
_SLACK = dt.timedelta(days=1)


@dataclass(frozen=True)
class InForce:
    """One occurrence of a window, placed in time (aware datetimes)."""

    window: FreezeWindow
    start: dt.datetime
    end: dt.datetime

    def until(self) -> str:
        """`2026-12-27 00:00 Europe/Berlin (2026-12-26 23:00 UTC)`: the end as the window's people
        say it, and in UTC."""
        local = self.end.astimezone(self.window.zone).strftime("%Y-%m-%d %H:%M")
        utc = self.end.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{local} {self.window.time_zone} ({utc})"


def exempt(pack: EvidencePack) -> bool:
    """Whether a change merges even during a freeze: the one place the bot (`freeze_hold`), the
    audit and `cab verify` ask. Emergency changes do (issue 16: `emergency:` on the pack)."""
    from bot.domain.rules.emergency import is_emergency  # its policy reading: only when asked

    return is_emergency(pack)


def components(pack: EvidencePack) -> list[str]:
    """The components a change says it affects (none named: only windows on `all` hold it)."""
    return list(pack.scope.affected_components) if pack.scope else []


def occurrences(window: FreezeWindow, around: dt.datetime) -> list[InForce]:
    """The window's occurrences that may contain `around` (an aware moment)."""
    zone = window.zone
    local = around.astimezone(zone).replace(tzinfo=None)
    rule = window.rule
    if rule is None:
        starts: Iterable[dt.datetime] = [window.start]
    else:
        starts = rule.between(local - window.duration - _SLACK, local + _SLACK, inc=True)
    return [
        InForce(window, start.replace(tzinfo=zone), (start + window.duration).replace(tzinfo=zone))
        for start in starts
    ]


def in_force(
    calendar: FreezeCalendar | None, component_names: Sequence[str], moment: dt.datetime
) -> InForce | None:
    """The window holding a change to these components at `moment`, or None. Of several, the one
    that ends last: that is when the change may merge (unless another begins by then)."""
    if calendar is None:
        return None
    found = [
        hit
        for window in calendar.windows
        if window.covers(list(component_names))
        for hit in occurrences(window, moment)
        if hit.start <= moment < hit.end
    ]
    return max(found, key=lambda hit: (hit.end, hit.window.name), default=None)


def frozen_reason(hit: InForce) -> str:
    """What the PR's comment and status say while the change waits."""
    return f"frozen until {hit.until()}: {hit.window.reason} (freeze window `{hit.window.name}`)"


def breach(
    calendar: FreezeCalendar | None,
    error: str | None,
    component_names: Sequence[str],
    decided_at: dt.datetime,
    change_id: str,
) -> tuple[str, str] | None:
    """(audit rule id, message) when a change decided at `decided_at` broke the calendar at its
    base, else None: what the audit reports and `cab verify` refuses."""
    if error is not None:
        return ("freeze.calendar-unreadable", f"{error}; the bot merges nothing then")
    hit = in_force(calendar, component_names, decided_at)
    if hit is None:
        return None
    return (
        "freeze.merged-in-window",
        f"{change_id} was decided {decided_at.isoformat()}, inside freeze window `{hit.window.name}` "
        f"({hit.start.isoformat()} to {hit.end.isoformat()}: {hit.window.reason})",
    )


def hold(
    calendar: FreezeCalendar | None, error: str | None, component_names: Sequence[str], moment: dt.datetime
) -> str | None:
    """Why a change to these components may not merge at `moment`, or None. A calendar that
    cannot be read (`error`) holds every change: it may hold a window nobody can see."""
    if error is not None:
        return f"frozen until policy/freeze.yaml can be read: {error}"
    hit = in_force(calendar, component_names, moment)
    return None if hit is None else frozen_reason(hit)
