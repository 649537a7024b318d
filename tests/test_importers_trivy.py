"""Trivy JSON: counts by severity, fixed versions and scan metadata, from real Trivy goldens."""

import datetime as dt

import pytest

from bot.adapters.importers import trivy
from bot.adapters.importers.interface import ToolOutputError, WrongFormatError
from tests.tool_fixtures import severities, tool


def test_alpine_image_has_two_critical_and_four_medium() -> None:
    assert severities(trivy.load(tool("trivy/alpine-39.json"))) == {"critical": 2, "medium": 4}


def test_repository_scan_reads_findings_from_every_result() -> None:
    assert severities(trivy.load(tool("trivy/test-repo.json"))) == {"high": 1, "medium": 1}


def test_result_without_vulnerabilities_key_is_a_clean_report() -> None:
    assert trivy.load(tool("trivy/cargo-lock-clean.json")).findings == ()


def test_fixed_version_is_kept_as_trivy_writes_it() -> None:
    findings = {(f.id, f.package): f for f in trivy.load(tool("trivy/alpine-39.json")).findings}
    musl = findings[("CVE-2019-14697", "musl")]
    assert (musl.installed_version, musl.fixed_version) == ("1.1.20-r4", "1.1.20-r5")


def test_tool_version_and_scan_time_come_from_the_report() -> None:
    report = trivy.load(tool("trivy/alpine-39.json"))
    assert report.tool == "trivy"
    assert report.tool_version == "dev"
    assert report.scanned_at == dt.datetime(2021, 8, 25, 12, 20, 30, tzinfo=dt.UTC)


def test_truncated_report_is_an_error_at_its_line_and_column() -> None:
    with pytest.raises(ToolOutputError, match=r"trivy-truncated\.json:\d+:\d+: not valid JSON: .*truncated"):
        trivy.load(tool("variants/trivy-truncated.json"))


def test_severity_trivy_never_writes_is_an_error_naming_it() -> None:
    with pytest.raises(ToolOutputError, match=r"trivy-unknown-severity\.json:\d+:\d+: .*'SEVERE'"):
        trivy.load(tool("variants/trivy-unknown-severity.json"))


def test_grype_report_given_as_trivy_says_what_it_looks_like() -> None:
    with pytest.raises(WrongFormatError, match=r"chainguard-ruby-high\.json:1:1: .*looks like a Grype"):
        trivy.load(tool("grype/chainguard-ruby-high.json"))
