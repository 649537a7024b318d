"""Rules that must hold for every input, whoever applies them (the bot or the audit)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.documents import Loaded
from bot.domain.models import ExceptionRecord
from bot.domain.rules.coverage import coverage
from bot.domain.rules.exception_window import MAX_EXCEPTION_DAYS, window_problem
from tests.exception_builders import REQUESTED, exception, pack

NOW = REQUESTED + dt.timedelta(days=1)
IDS = [f"CVE-2026-{n:04d}" for n in range(8)]
SEVERITIES = ["critical", "high", "medium", "low"]

findings = st.lists(
    st.tuples(st.sampled_from(IDS), st.sampled_from(SEVERITIES)), max_size=8, unique_by=lambda f: f[0]
)
scopes = st.lists(st.tuples(st.sets(st.sampled_from(IDS), min_size=1), st.booleans()), max_size=4)


def _exceptions(chosen: list[tuple[set[str], bool]]) -> list[Loaded[ExceptionRecord]]:
    return [
        exception(
            id=f"exc-{i}",
            scope={"vulnerability_ids": sorted(ids)},
            expires_at=NOW + dt.timedelta(days=10) if active else NOW - dt.timedelta(seconds=1),
        )
        for i, (ids, active) in enumerate(chosen)
    ]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(findings=findings, chosen=scopes, unlisted=st.integers(min_value=0, max_value=2))
def test_vulnerability_coverage_means_every_counted_serious_finding_is_named_by_an_active_exception(
    findings: list[tuple[str, str]], chosen: list[tuple[set[str], bool]], unlisted: int
) -> None:
    serious = {i for i, s in findings if s in ("critical", "high")}
    change = pack(findings, critical=sum(s == "critical" for _, s in findings) + unlisted)
    named = set().union(*[ids for ids, active in chosen if active]) if chosen else set()
    expected = bool(serious) and unlisted == 0 and serious <= named
    assert bool(coverage(change, _exceptions(chosen), NOW).covering) is expected


@settings(max_examples=100, deadline=None, derandomize=True)
@given(findings=findings, chosen=scopes)
def test_coverage_does_not_depend_on_the_order_of_exceptions(
    findings: list[tuple[str, str]], chosen: list[tuple[set[str], bool]]
) -> None:
    change, loaded = pack(findings), _exceptions(chosen)
    forwards = {e.model.id for e in coverage(change, loaded, NOW).covering}
    backwards = {e.model.id for e in coverage(change, list(reversed(loaded)), NOW).covering}
    assert bool(forwards) == bool(backwards)


@given(minutes=st.integers(min_value=-10, max_value=2 * MAX_EXCEPTION_DAYS * 24 * 60))
def test_an_exception_window_is_open_only_between_approval_and_the_maximum(minutes: int) -> None:
    expires = REQUESTED + dt.timedelta(minutes=minutes)
    problem = window_problem(expires, REQUESTED)
    if minutes <= 0:
        assert problem == "not-after-approval"
    elif minutes > MAX_EXCEPTION_DAYS * 24 * 60:
        assert problem == "too-long"
    else:
        assert problem is None
