"""`cab collect`: real tool outputs in, a pack that validates and scores out; absent stays absent."""

import datetime as dt
from pathlib import Path

import pytest

from bot.adapters import files
from bot.adapters.importers.interface import ScanFinding, ScanReport
from bot.cli import main
from bot.domain.models import EvidencePack
from bot.services import collect
from tests.tool_fixtures import collect_argv, tool

PACK = Path("evidence/2026-11/demo-service-1.2.0.yaml")


def run(root: Path, *extra: str) -> EvidencePack:
    assert main(collect_argv(root, *extra)) == 0
    pack: EvidencePack = files.load(root / PACK, EvidencePack).model
    return pack


def full_inputs() -> list[str]:
    return [
        "--sbom", str(tool("sbom/cyclonedx/laravel-7.12.0.cdx-1.4.json")),
        "--scan", str(tool("trivy/alpine-39.json")), str(tool("grype/chainguard-ruby-high.json")),
        "--tests", str(tool("junit/jenkins-android-skips.xml")), str(tool("junit/pytest-failures.xml")),
        "--coverage", str(tool("coverage/coveragepy-branch.cobertura.xml")),
        "--plan", str(tool("plan/change-plan.yaml")),
    ]  # fmt: skip


def test_pack_from_real_tool_outputs_validates_and_scores(tmp_path: Path) -> None:
    run(tmp_path, *full_inputs())
    assert main(["validate", "--repo", str(tmp_path)]) == 0
    assert main(["score", str(tmp_path / PACK)]) == 0


def test_pack_carries_each_tools_numbers(tmp_path: Path) -> None:
    pack = run(tmp_path, *full_inputs())
    assert pack.sbom is not None
    assert (pack.sbom.format, pack.sbom.component_count) == ("cyclonedx", 62)
    scan = pack.vulnerability_scan
    assert scan is not None
    assert scan.tool == "grype+trivy"
    assert (scan.counts.critical, scan.counts.high, scan.counts.medium, scan.counts.low) == (2, 3, 4, 0)
    assert pack.tests is not None
    assert (pack.tests.passed, pack.tests.failed, pack.tests.errored, pack.tests.skipped) == (9, 2, 0, 3)
    assert pack.tests.coverage_percent == 80.0
    assert pack.rollback is not None
    assert pack.rollback.tested
    assert pack.artifact.size_bytes == len(b"release artifact bytes\n")


def test_the_same_scan_twice_counts_each_finding_once(tmp_path: Path) -> None:
    alpine = str(tool("trivy/alpine-39.json"))
    pack = run(tmp_path, "--scan", alpine, alpine)
    assert pack.vulnerability_scan is not None
    counts = pack.vulnerability_scan.counts
    assert (counts.critical, counts.medium) == (2, 4)
    assert len(pack.vulnerability_scan.findings) == 6


def test_fixed_versions_reach_the_pack(tmp_path: Path) -> None:
    pack = run(tmp_path, "--scan", str(tool("trivy/alpine-39.json")))
    assert pack.vulnerability_scan is not None
    fixes = {(f.id, f.package): f.fixed_version for f in pack.vulnerability_scan.findings}
    assert fixes[("CVE-2019-14697", "musl")] == "1.1.20-r5"


def test_sections_no_input_supplies_are_absent_not_invented(tmp_path: Path) -> None:
    pack = run(tmp_path)
    text = (tmp_path / PACK).read_text()
    for section in ("sbom", "vulnerability_scan", "tests", "rollback", "scope", "signature", "complexity"):
        assert f"{section}:" not in text
    assert "rollback" in pack.missing_sections


def test_output_is_deterministic_and_starts_with_the_schema_header(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    run(first, *full_inputs())
    run(second, *full_inputs())
    text = (first / PACK).read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schemas/evidence-pack.schema.json"
    # The artifact path differs between the runs but its bytes, and so the pack, do not.
    assert text == (second / PACK).read_text()


def test_existing_output_is_not_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path)
    assert main(collect_argv(tmp_path, "--title", "Changed")) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main(collect_argv(tmp_path, "--title", "Changed", "--force")) == 0
    assert "title: Changed" in (tmp_path / PACK).read_text()


def test_output_month_is_the_utc_month_of_submission(tmp_path: Path) -> None:
    # 00:30 on 1 December in UTC+2 is still November in UTC.
    assert main(collect_argv(tmp_path, "--submitted-at", "2026-12-01T00:30:00+02:00")) == 0
    assert (tmp_path / PACK).is_file()


def test_stdout_output_writes_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(collect_argv(tmp_path, "-o", "-")) == 0
    assert "kind: EvidencePack" in capsys.readouterr().out
    assert not (tmp_path / "evidence").exists()


def test_grype_report_passed_as_sbom_names_the_file_and_what_it_looks_like(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grype_file = tool("grype/ghsa-medium.json")
    assert main(collect_argv(tmp_path, "--sbom", str(grype_file))) == 2
    err = capsys.readouterr().err
    assert f"{grype_file}:1:1: passed as --sbom, but this looks like a Grype vulnerability report" in err
    assert "Traceback" not in err


def test_corrupt_junit_report_exits_2_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tool("junit/surefire-corrupt-unclosed-cdata.xml")
    assert main(collect_argv(tmp_path, "--tests", str(corrupt))) == 2
    assert f"{corrupt}:18:26: not well-formed XML: unclosed CDATA section" in capsys.readouterr().err


@pytest.mark.parametrize(
    "fixture",
    [
        "variants/trivy-truncated.json",
        "variants/grype-truncated.json",
        "variants/trivy-unknown-severity.json",
    ],
)
def test_malformed_scans_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    assert main(collect_argv(tmp_path, "--scan", str(tool(fixture)))) == 2
    assert str(tool(fixture)) + ":" in capsys.readouterr().err


def test_malformed_coverage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(collect_argv(tmp_path, "--coverage", str(tool("variants/lcov-truncated.lcov")))) == 2
    assert "is the file truncated?" in capsys.readouterr().err


def test_invalid_change_id_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(collect_argv(tmp_path, change_id="Not A Slug")) == 2
    assert "--change-id:" in capsys.readouterr().err


def test_submission_time_without_a_zone_is_a_usage_error(tmp_path: Path) -> None:
    assert main(collect_argv(tmp_path, "--submitted-at", "2026-11-05T10:00:00")) == 2


def test_artifact_hash_that_disagrees_with_the_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(collect_argv(tmp_path, "--artifact-sha256", "0" * 64)) == 2
    assert "does not match" in capsys.readouterr().err


def test_jenkins_skip_disagreement_is_printed_as_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, "--tests", str(tool("junit/jenkins-android-skips.xml")))
    assert "note: " in capsys.readouterr().err


def _finding(vuln_id: str, severity: str, fixed: str | None = None, package: str = "openssl") -> ScanFinding:
    return ScanFinding(vuln_id, severity, package, "1.0", fixed, "scan.json")  # type: ignore[arg-type]


def _report(tool_name: str, *findings: ScanFinding) -> ScanReport:
    return ScanReport(tool_name, "1.0", None, findings, "scan.json")


def test_duplicate_with_different_severities_keeps_the_higher_and_the_known_fix() -> None:
    merged = collect.merge_scans(
        [
            _report("trivy", _finding("CVE-2024-0001", "medium")),
            _report("grype", _finding("CVE-2024-0001", "high", "1.1")),
        ]
    )
    assert [(f.severity, f.fixed_version) for f in merged.findings] == [("high", "1.1")]
    assert merged.counts == {"critical": 0, "high": 1, "medium": 0, "low": 0}


def test_same_vulnerability_in_two_packages_counts_twice() -> None:
    merged = collect.merge_scans(
        [
            _report(
                "trivy",
                _finding("CVE-2024-0001", "critical"),
                _finding("CVE-2024-0001", "critical", package="libssl"),
            )
        ]
    )
    assert merged.counts["critical"] == 2


def test_unknown_severity_is_listed_but_counted_nowhere(tmp_path: Path) -> None:
    pack = run(tmp_path, "--scan", str(tool("variants/grype-unknown-negligible.json")))
    scan = pack.vulnerability_scan
    assert scan is not None
    assert (scan.counts.critical, scan.counts.high, scan.counts.medium, scan.counts.low) == (0, 0, 0, 1)
    assert [f.severity for f in scan.findings] == ["low", "unknown"]


def test_version_text_a_yaml_reader_could_take_for_a_number_stays_text(tmp_path: Path) -> None:
    pack = run(tmp_path, "--artifact-version", "1e3")
    assert pack.artifact.version == "1e3"


def test_scan_time_is_the_oldest_any_report_states() -> None:
    older = ScanReport("trivy", None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), (), "a.json")
    newer = ScanReport("trivy", None, dt.datetime(2026, 2, 1, tzinfo=dt.UTC), (), "b.json")
    assert collect.merge_scans([newer, older]).scanned_at == older.scanned_at


def test_coverage_without_test_reports_warns_that_counts_default_to_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, "--coverage", str(tool("coverage/js-sample.lcov")))
    assert "coverage without --tests" in capsys.readouterr().err
