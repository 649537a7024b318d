"""Grype JSON: counts by severity (Negligible → low, Unknown uncounted), fixes, metadata."""

import datetime as dt

import pytest

from bot.adapters.importers import grype
from bot.adapters.importers.interface import ToolOutputError
from tests.tool_fixtures import severities, tool


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("grype/chainguard-ruby-high.json", {"high": 3}),
        ("grype/ghsa-medium.json", {"medium": 2}),
        ("grype/image-critical-low.json", {"critical": 1, "low": 1}),
        ("grype/empty-no-matches.json", {}),
    ],
)
def test_counts_by_severity_match_the_fixture(fixture: str, expected: dict[str, int]) -> None:
    assert severities(grype.load(tool(fixture))) == expected


def test_negligible_counts_as_low_and_unknown_stays_unknown() -> None:
    report = grype.load(tool("variants/grype-unknown-negligible.json"))
    assert {f.id: f.severity for f in report.findings} == {"CVE-1999-0001": "unknown", "CVE-1999-0002": "low"}


def test_several_fixed_versions_are_joined_and_none_means_absent() -> None:
    fixes = {f.id: f.fixed_version for f in grype.load(tool("grype/image-critical-low.json")).findings}
    assert fixes == {"CVE-1999-0001": "1.2.1, 2.1.3, 3.4.0", "CVE-1999-0002": None}


def test_alias_ids_for_one_package_stay_separate_findings() -> None:
    keys = {f.key for f in grype.load(tool("grype/chainguard-ruby-high.json")).findings}
    assert ("CVE-2023-28755", "uri", "0.10.1") in keys
    assert ("GHSA-hv5j-3h9f-99c2", "uri", "0.10.1") in keys


def test_descriptor_gives_version_and_time_in_utc() -> None:
    report = grype.load(tool("grype/chainguard-ruby-high.json"))
    assert report.tool_version == "0.61.1"
    assert report.scanned_at == dt.datetime(2023, 5, 18, 1, 0, 56, 783213, tzinfo=dt.UTC)


def test_placeholder_version_and_empty_timestamp_stay_absent() -> None:
    report = grype.load(tool("grype/empty-no-matches.json"))
    assert (report.tool_version, report.scanned_at) == (None, None)


def test_truncated_report_is_an_error_at_its_line_and_column() -> None:
    with pytest.raises(ToolOutputError, match=r"grype-truncated\.json:\d+:\d+: not valid JSON"):
        grype.load(tool("variants/grype-truncated.json"))
