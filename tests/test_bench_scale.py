"""benchmarks/bench_scale.py runs end to end at tiny sizes (CI's run; the timings are not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_scale

COMMANDS = ("cab --help", "cab status", "cab verify (newest)", "cab show (oldest)", "cab validate")


def test_the_scale_benchmark_prints_every_command_with_floor_growth_and_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--sizes", "3,6", "--pending", "2", "--rounds", "1", "--jobs", "2", "--packs", "10"]
    assert bench_scale.main([*argv, "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for command in (*COMMANDS, "cab audit --no-cache --jobs 1", "cab audit --no-cache --jobs 2"):
        assert f"| `{command}` |" in out
    assert "growth 3→6" in out
    assert "validate+score, in-process" in out
    assert "largest process of any command" in out
