"""`cab metrics`: volume, lead time, waiting and rejections from the decision history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.domain.metrics import measure, nearest_rank
from bot.domain.population import Approver, Row
from tests.repo_builder import RepoBuilder, honest_history

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def change(
    tier: str,
    outcome: str = "approved",
    *,
    submitted_h: float = 0,
    decided_h: float = 10,
    approved_h: float | None = None,
) -> Row:
    approvers = (
        ()
        if approved_h is None
        else (Approver("carol", "example/cab", T0 + dt.timedelta(hours=approved_h), 1),)
    )
    return Row(
        kind="change",
        id=f"c-{tier}-{decided_h}",
        outcome=outcome,
        record_path="r",
        merge_commit="m",
        problems=(),
        tier=tier,
        approvers=approvers,
        submitted_at=T0 + dt.timedelta(hours=submitted_h),
        decided_at=T0 + dt.timedelta(hours=decided_h),
    )


def exception(ident: str, outcome: str, expires_h: float) -> Row:
    return Row(
        kind="exception",
        id=ident,
        outcome=outcome,
        record_path="e",
        merge_commit="m",
        problems=(),
        expires_at=T0 + dt.timedelta(hours=expires_h),
        decided_at=T0,
    )


def test_nearest_rank_names_a_real_observation() -> None:
    assert (nearest_rank([5.0, 1.0, 3.0, 2.0, 4.0], 50), nearest_rank([5.0, 1.0, 3.0, 2.0, 4.0], 90)) == (
        3.0,
        5.0,
    )


def test_nearest_rank_of_nothing_is_none() -> None:
    assert nearest_rank([], 50) is None


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50), st.integers(1, 100))
def test_a_percentile_is_always_a_sample_value_and_grows_with_p(values: list[float], percent: int) -> None:
    value = nearest_rank(values, percent)
    assert value in values
    assert value <= (nearest_rank(values, min(percent + 10, 100)) or 0)


def test_volume_and_rejection_rate_count_change_decisions() -> None:
    m = measure([change("low", "auto_approved"), change("medium"), change("high", "rejected")], now=T0)
    assert (m.changes, m.by_tier, m.rejected, m.rejection_rate) == (
        3,
        {"low": 1, "medium": 1, "high": 1},
        1,
        1 / 3,
    )


def test_emergency_share_is_the_emergency_decisions_among_change_decisions() -> None:
    m = measure([change("high", "emergency"), change("medium"), change("low", "auto_approved")], now=T0)
    assert (m.emergencies, m.emergency_share) == (1, 1 / 3)
    assert m.as_dict()["emergency_share"] == 0.3333


def test_an_on_call_approval_is_not_time_waiting_for_security() -> None:
    m = measure([change("high", "emergency", approved_h=1)], now=T0)
    assert m.waiting_for_security.count == 0


def test_waiting_for_the_cab_runs_from_submission_to_the_first_approval_of_a_medium_change() -> None:
    m = measure([change("medium", approved_h=6), change("medium", approved_h=2, decided_h=11)], now=T0)
    assert (m.waiting_for_cab.count, m.waiting_for_cab.p50, m.waiting_for_cab.p90) == (2, 2.0, 6.0)
    assert m.waiting_for_security.count == 0


def test_waiting_for_security_is_measured_on_high_changes_only() -> None:
    m = measure([change("high", approved_h=30), change("medium", approved_h=1)], now=T0)
    assert (m.waiting_for_security.p50, m.waiting_for_cab.p50) == (30.0, 1.0)


def test_since_leaves_out_changes_decided_earlier() -> None:
    m = measure(
        [change("low", decided_h=100), change("low", decided_h=1)], now=T0, since=T0 + dt.timedelta(hours=50)
    )
    assert m.changes == 1


def test_an_exception_is_open_only_while_approved_and_unexpired_by_its_latest_decision() -> None:
    rows = [
        exception("ex-a", "approved", 48),
        exception("ex-b", "approved", -1),
        exception("ex-c", "rejected", 48),
    ]
    assert measure(rows, now=T0).exceptions_open == 1


def test_lead_time_on_a_real_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    assert (
        main(["metrics", "--repo", str(builder.root), "--format", "json", "--at", "2026-11-21T00:00:00Z"])
        == 0
    )
    found = json.loads(capsys.readouterr().out)
    assert (found["changes"], found["by_tier"], found["unverified"]) == (
        3,
        {"low": 1, "medium": 1, "high": 1},
        0,
    )
    assert found["lead_time"]["count"] == 3 and found["lead_time"]["p50_hours"] > 0
    assert found["exceptions_open"] == 1


def test_html_metrics_have_a_chart_with_ticks_and_a_generation_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    assert main(["metrics", "--repo", str(builder.root), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!doctype html>") and "<svg" in page and "2026-11" in page
    assert page.count('text-anchor="end"') >= 2  # y-axis tick labels, not only the maximum
    assert "Generated " in page and "by cab " in page
