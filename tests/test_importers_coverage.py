"""Coverage: Cobertura (exact line counts, else line-rate) and lcov (Σ LH / Σ LF)."""

from decimal import Decimal
from pathlib import Path

import pytest

from bot.adapters.importers import cobertura, lcov
from bot.adapters.importers.interface import ToolOutputError
from tests.tool_fixtures import tool


def test_cobertura_prefers_exact_line_counts() -> None:
    summary = cobertura.load(tool("coverage/coveragepy-branch.cobertura.xml"))
    assert (summary.lines_covered, summary.lines_valid, summary.percent) == (4, 5, Decimal(80))


def test_cobertura_without_counts_uses_line_rate() -> None:
    summary = cobertura.load(tool("coverage/coveragepy-missing-lines.cobertura.xml"))
    assert summary.percent == Decimal("51.25")
    assert summary.lines_valid is None


def test_cobertura_with_no_valid_lines_has_no_percentage(tmp_path: Path) -> None:
    text = tool("coverage/coveragepy-branch.cobertura.xml").read_text()
    path = tmp_path / "none.xml"
    path.write_text(text.replace('lines-covered="4" lines-valid="5"', 'lines-covered="0" lines-valid="0"'))
    assert cobertura.load(path).percent is None


def test_cobertura_rate_that_is_not_a_number_is_located() -> None:
    with pytest.raises(
        ToolOutputError, match=r"cobertura-bad-rate\.xml:2:\d+: line-rate 'eighty' is not a fraction"
    ):
        cobertura.load(tool("variants/cobertura-bad-rate.xml"))


def test_lcov_sums_lines_hit_over_lines_found() -> None:
    summary = lcov.load(tool("coverage/js-sample.lcov"))
    assert (summary.lines_covered, summary.lines_valid) == (16, 17)
    assert summary.percent == Decimal(1600) / 17


def test_lcov_records_without_summaries_are_counted_from_their_da_lines(tmp_path: Path) -> None:
    lines = tool("coverage/js-sample.lcov").read_text().splitlines()
    path = tmp_path / "no-summaries.lcov"
    path.write_text("\n".join(line for line in lines if not line.startswith(("LF:", "LH:"))) + "\n")
    summary = lcov.load(path)
    assert (summary.lines_covered, summary.lines_valid) == (16, 17)


def test_lcov_cut_off_inside_a_record_is_reported_as_truncated() -> None:
    with pytest.raises(ToolOutputError, match=r"lcov-truncated\.lcov:\d+:1: the record for .* truncated"):
        lcov.load(tool("variants/lcov-truncated.lcov"))


def test_lcov_hit_count_that_is_not_a_number_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.lcov"
    path.write_text("TN:\nSF:a.js\nDA:1,lots\nend_of_record\n")
    with pytest.raises(ToolOutputError, match=r"bad\.lcov:3:4: DA: 'lots' is not a whole number"):
        lcov.load(path)
