"""benchmarks/bench_compare.py runs end to end at a tiny size against a baseline checkout (here this
checkout itself; the timings are not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_compare

ROOT = Path(__file__).resolve().parent.parent


def test_the_compare_benchmark_prints_each_command_before_and_after_against_its_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--baseline", str(ROOT), "--size", "4", "--pending", "1", "--rounds", "1", "--audit-rounds", "1"]
    assert bench_compare.main([*argv, "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for command in ("cab verify (newest)", "cab show (oldest)", "cab audit --no-cache --jobs 1"):
        assert f"| `{command}` |" in out
    assert "floor part `git cat-file`" in out
