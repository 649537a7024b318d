"""Freeze windows (issue 16), on the sandbox forge and on the GitHub forge.

The calendar (`policy/freeze.yaml`) is adopted the only way policy changes: a policy PR that CAB
and security approve. During a window in its scope a change is decided but not merged, its PR says
"frozen until …", and the first scheduled run after the window merges it. Every scenario's history
must audit clean afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.comments import MARKER
from bot.services import action
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab
from tests.builders import freeze_window
from tests.freeze_scenarios import adopt_freeze
from tests.sandbox import LOW, MEDIUM

UTC = dt.UTC
# freeze_window(): 2026-11-20 12:00-18:00 Europe/Berlin, i.e. 11:00-17:00 UTC
INSIDE = dt.datetime(2026, 11, 20, 11, 30, tzinfo=UTC)
AFTER = dt.datetime(2026, 11, 20, 17, 5, tzinfo=UTC)
LOW_RECORD = "decisions/low/2026-11/payments-api-7.4.2.yaml"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def scheduled_run(cab: Cab) -> action.Report:
    """The hourly scheduled run: the expiry sweep, then every open PR re-synced."""
    return cab.action_step(action.Step("expire", None, "schedule"))


def test_a_change_in_a_window_waits_frozen_until_its_end(cab: Cab) -> None:
    adopt_freeze(cab, freeze_window())
    cab.clock.now = INSIDE
    number = cab.submit(LOW)
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("pending", "pending")
    assert "frozen until 2026-11-20 18:00 Europe/Berlin (2026-11-20 17:00 UTC)" in result.summary
    assert "frozen until 2026-11-20 18:00 Europe/Berlin" in bot_comment(cab, number)
    assert cab.status(cab.pr(number).head_sha) == "pending"
    assert cab.main_file(LOW_RECORD) is None


def test_the_first_scheduled_run_after_the_window_merges_the_frozen_change(cab: Cab) -> None:
    adopt_freeze(cab, freeze_window())
    cab.clock.now = INSIDE
    number = cab.submit(LOW)
    cab.sync(number)
    cab.clock.now = AFTER
    report = scheduled_run(cab)
    assert cab.pr(number).state == "merged", report.summary()
    assert cab.main_file(LOW_RECORD) is not None
    assert "Auto-approved" in bot_comment(cab, number)


def test_an_approved_change_in_a_window_keeps_its_approval_and_merges_after_it(cab: Cab) -> None:
    adopt_freeze(cab, freeze_window())
    cab.clock.now = INSIDE
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    held = cab.sync(number)
    assert held.status == "pending" and "frozen until" in held.summary
    assert "Decided, not merged: frozen until" in bot_comment(cab, number)
    cab.clock.now = AFTER
    assert (cab.sync(number).status, cab.pr(number).state) == ("merged", "merged")


def test_a_change_outside_the_windows_components_merges_during_it(cab: Cab) -> None:
    adopt_freeze(cab, freeze_window(components=["identity-gateway"]))
    cab.clock.now = INSIDE
    number = cab.submit(LOW)  # payments-api
    assert cab.sync(number).status == "merged"


def test_a_recurring_window_holds_a_later_occurrence_and_not_the_days_between(cab: Cab) -> None:
    adopt_freeze(cab, freeze_window(name="fridays", repeat="FREQ=WEEKLY;BYDAY=FR"))
    cab.clock.now = INSIDE + dt.timedelta(weeks=1)  # Friday 2026-11-27, 12:30 in Berlin
    number = cab.submit(LOW)
    held = cab.sync(number)
    assert held.status == "pending"
    assert "frozen until 2026-11-27 18:00 Europe/Berlin" in held.summary
    cab.clock.now = INSIDE + dt.timedelta(weeks=1, days=1)  # the Saturday after
    assert cab.sync(number).status == "merged"
