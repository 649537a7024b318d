"""benchmarks/bench_api_calls.py runs (CI's run; the counts are reported, and the floors below are
what the issue set, so a sync that needs more calls shows here rather than in a benchmark nobody ran)."""

from __future__ import annotations

import pytest

from benchmarks import bench_api_calls


def test_every_tier_s_lifecycle_is_counted_and_attributed_to_forge_methods(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench_api_calls.main()
    out = capsys.readouterr().out
    assert "low: 7 calls in 1 run(s)" in out
    assert "medium: 15 calls in 2 run(s)" in out
    assert "high: 15 calls in 2 run(s)" in out


def test_a_low_risk_change_takes_its_floor_of_seven_calls() -> None:
    found = bench_api_calls.lifecycle("low")
    assert sum(len(run.calls) for _, run in found.runs) == 7
