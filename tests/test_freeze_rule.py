"""The freeze-window rule (bot.domain.rules.freeze), the calendar's schema (FreezeCalendar), and the
rollout-conflict rule (bot.domain.rules.rollout_conflicts).

Properties are checked against oracles that do not share the rule's code: plain interval
arithmetic in UTC, and wall-clock weekday and hour in the window's own zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.layout import FREEZE_PATH
from bot.domain.models.freeze import FreezeCalendar
from bot.domain.rules.freeze import in_force
from bot.domain.rules.rollout_conflicts import Planned, conflict
from tests.builders import dump_yaml, freeze_calendar, freeze_window

UTC = dt.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Two years around the windows below, in whole minutes.
moments = st.integers(min_value=0, max_value=2 * 366 * 24 * 60).map(
    lambda minutes: dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=minutes)
)


def calendar(*windows: dict[str, Any]) -> FreezeCalendar:
    model: FreezeCalendar = documents.check(dump_yaml(freeze_calendar(*windows)).encode(), FREEZE_PATH)
    return model


@given(moments, st.integers(0, 700 * 24), st.integers(1, 30 * 24))
def test_a_one_off_window_holds_exactly_from_its_start_to_before_its_end(
    moment: dt.datetime, start_hours: int, hours: int
) -> None:
    start = dt.datetime(2026, 1, 1) + dt.timedelta(hours=start_hours)
    end = start + dt.timedelta(hours=hours)
    cal = calendar(freeze_window(start=start, end=end, time_zone="UTC"))
    inside = start.replace(tzinfo=UTC) <= moment < end.replace(tzinfo=UTC)
    assert (in_force(cal, ["payments-api"], moment) is not None) == inside


@given(moments, st.integers(0, 23 * 60), st.integers(1, 23 * 60))
def test_a_daily_window_holds_the_same_minutes_of_every_day_after_its_first(
    moment: dt.datetime, start_minute: int, minutes: int
) -> None:
    start = dt.datetime(2026, 3, 1) + dt.timedelta(minutes=start_minute)
    end = start + dt.timedelta(minutes=minutes)
    cal = calendar(freeze_window(start=start, end=end, time_zone="UTC", repeat="FREQ=DAILY"))
    since = moment - start.replace(tzinfo=UTC)
    inside = since >= dt.timedelta(0) and since % dt.timedelta(days=1) < dt.timedelta(minutes=minutes)
    assert (in_force(cal, [], moment) is not None) == inside


@given(moments)
def test_a_weekly_window_keeps_its_wall_clock_hours_across_daylight_saving(moment: dt.datetime) -> None:
    """Fridays 12:00-18:00 in Berlin: 11:00-17:00 UTC in winter, 10:00-16:00 UTC in summer."""
    cal = calendar(freeze_window(name="fridays", repeat="FREQ=WEEKLY;BYDAY=FR"))
    local = moment.astimezone(BERLIN)
    first = dt.datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)
    inside = moment >= first and local.weekday() == 4 and 12 <= local.hour < 18
    assert (in_force(cal, ["payments-api"], moment) is not None) == inside


@given(moments, st.lists(st.sampled_from(["payments-api", "edge-proxy", "web"]), max_size=3))
def test_what_holds_a_change_is_in_force_and_names_one_of_its_components(
    moment: dt.datetime, names: list[str]
) -> None:
    cal = calendar(
        freeze_window(name="payments", components=["payments-api"], repeat="FREQ=DAILY"),
        freeze_window(name="edge", components=["edge-proxy"], repeat="FREQ=WEEKLY;BYDAY=MO,FR"),
    )
    hit = in_force(cal, names, moment)
    if hit is not None:
        assert hit.start <= moment < hit.end
        assert isinstance(hit.window.components, list) and set(hit.window.components) & set(names)


def test_a_window_on_all_components_holds_a_change_that_names_none() -> None:
    at = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert in_force(calendar(freeze_window()), [], at) is not None
    assert in_force(calendar(freeze_window(components=["edge-proxy"])), [], at) is None


def test_of_two_overlapping_windows_the_one_that_ends_last_says_until_when() -> None:
    cal = calendar(
        freeze_window(name="short"),
        freeze_window(name="long", end=dt.datetime(2026, 11, 21, 9, 0)),
    )
    hit = in_force(cal, ["payments-api"], dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert hit is not None and hit.window.name == "long"
    assert hit.until() == "2026-11-21 09:00 Europe/Berlin (2026-11-21 08:00 UTC)"


def test_no_calendar_freezes_nothing() -> None:
    assert in_force(None, ["payments-api"], dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"end": dt.datetime(2026, 11, 20, 11, 0)}, "end must be after start"),
        ({"repeat": "FREQ=HOURLY"}, "repeat must be FREQ=YEARLY, MONTHLY, WEEKLY or DAILY"),
        ({"repeat": "FREQ=WEEKLY;BYDAY=XX"}, "repeat is not an RFC 5545 RRULE"),
        ({"repeat": "DTSTART:20261120T120000"}, "repeat is one RRULE without DTSTART"),
        ({"start": dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)}, "without an offset or Z"),
        ({"components": []}, "components is `all` or a list"),
        ({"components": "some"}, "components is `all` or a list"),
    ],
)
def test_a_window_that_cannot_be_placed_in_time_is_refused_at_its_line(
    edit: dict[str, Any], message: str
) -> None:
    raw = dump_yaml(freeze_calendar(freeze_window(**edit))).encode()
    with pytest.raises(InputError) as refused:
        documents.check(raw, FREEZE_PATH, FreezeCalendar)
    [problem] = refused.value.problems
    assert problem.source == FREEZE_PATH and problem.line > 1
    assert message in problem.message


def test_window_names_are_unique() -> None:
    raw = dump_yaml(freeze_calendar(freeze_window(), freeze_window())).encode()
    with pytest.raises(InputError, match="window names must be unique: release-day"):
        documents.check(raw, FREEZE_PATH, FreezeCalendar)


# -- rollout conflicts (bot.domain.rules.rollout_conflicts) ------------------------------------------

rollout_windows = st.tuples(moments, st.integers(1, 72 * 60)).map(
    lambda w: (w[0], w[0] + dt.timedelta(minutes=w[1]))
)
component_sets = st.sets(st.sampled_from(["payments-api", "edge-proxy", "web"]), min_size=1).map(tuple)


@given(rollout_windows, rollout_windows, component_sets, component_sets)
def test_a_rollout_conflict_is_mutual_and_lies_inside_both_windows(
    one: tuple[dt.datetime, dt.datetime],
    two: tuple[dt.datetime, dt.datetime],
    first_components: tuple[str, ...],
    second_components: tuple[str, ...],
) -> None:
    a = Planned("change-a", "#1", first_components, *one)
    b = Planned("change-b", "#2", second_components, *two)
    ab, ba = conflict(a, b), conflict(b, a)
    overlapping = one[0] < two[1] and two[0] < one[1]
    assert (
        (ab is not None) == (ba is not None) == (overlapping and bool(set(a.components) & set(b.components)))
    )
    if ab is not None and ba is not None:
        assert (ab.start, ab.end) == (ba.start, ba.end)
        assert a.start <= ab.start < ab.end <= a.end and b.start <= ab.start < ab.end <= b.end


def test_a_change_never_conflicts_with_itself() -> None:
    at = dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    mine = Planned("change-a", "#1", ("web",), at, at + dt.timedelta(hours=1))
    assert conflict(mine, mine) is None
