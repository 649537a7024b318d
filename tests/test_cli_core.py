"""`cab validate`, `cab score`, `cab schema`: exit codes, output formats, and no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.builders import REMOVE, evidence_pack, exception_record, write_yaml

ROOT = Path(__file__).resolve().parent.parent
LOW = ROOT / "evidence" / "2026-11" / "payments-api-7.4.2.yaml"
HIGH = ROOT / "evidence" / "2026-11" / "edge-proxy-hotfix.yaml"


V1_0 = ROOT / "risk-model" / "v1.0.yaml"  # these packs' v1.0 scores; v1.1 in tests/test_examples.py


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root holding the shipped model and one valid pack and exception."""
    shutil.copytree(ROOT / "risk-model", tmp_path / "risk-model", ignore=shutil.ignore_patterns("README.md"))
    write_yaml(tmp_path / "evidence" / "2026-11" / "payments-api-7.4.2.yaml", evidence_pack())
    write_yaml(tmp_path / "exceptions" / "2026-11" / "edge-proxy-nghttp2.yaml", exception_record())
    return tmp_path


# --- help and usage


@pytest.mark.parametrize(
    "argv", [["--help"], ["validate", "--help"], ["score", "--help"], ["schema", "--help"]]
)
def test_help_exits_0(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert "usage: cab" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["score"], ["score", str(LOW), "--format", "xml"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: cab" in capsys.readouterr().err


# --- validate


def test_validate_discovers_every_governed_file_under_root(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.strip() == "4 valid, 0 invalid"  # two models, a pack, an exception


def test_validate_reports_each_invalid_file_and_exits_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(
        repo / "evidence" / "2026-11" / "second-change.yaml",
        evidence_pack(change_id="second-change", title=""),
    )
    assert main(["validate", "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out.strip() == "4 valid, 1 invalid"
    assert err.startswith(f"{repo / 'evidence' / '2026-11' / 'second-change.yaml'}:")
    assert "title: String should have at least 1 character" in err


def test_validate_refuses_a_file_named_differently_from_its_id(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(repo / "evidence" / "2026-11" / "other-name.yaml", evidence_pack())
    assert main(["validate", "--repo", str(repo)]) == 2
    assert (
        "file name says 'other-name' but the document's id is 'payments-api-7.4.2'" in capsys.readouterr().err
    )


def test_validate_refuses_a_pack_in_the_wrong_month(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_yaml(repo / "evidence" / "2026-10" / "payments-api-7.4.2.yaml", evidence_pack())
    assert main(["validate", "--repo", str(repo)]) == 2
    assert "submitted_at is in 2026-11 (UTC) but the file is under 2026-10/" in capsys.readouterr().err


def test_validate_refuses_unexpected_files_under_governed_directories(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(repo / "evidence" / "2026-11" / "payments-api-7.4.2.yml", evidence_pack())
    assert main(["validate", "--repo", str(repo)]) == 2
    assert "not a governed path" in capsys.readouterr().err


def test_validate_checks_the_kind_a_path_demands(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_yaml(repo / "exceptions" / "2026-11" / "payments-api-7.4.2.yaml", evidence_pack())
    assert main(["validate", "--repo", str(repo)]) == 2
    assert "this is an EvidencePack, not an Exception" in capsys.readouterr().err


def test_validate_the_shipped_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--repo", str(ROOT)]) == 0
    assert capsys.readouterr().out.strip().endswith("valid, 0 invalid")


# --- score


def test_score_text_shows_score_tier_and_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(HIGH), "--repo", str(ROOT), "--model", str(V1_0)]) == 0
    out = capsys.readouterr().out
    assert "score 86.50 → high" in out
    assert "vulnerabilities    8.5        100      20         20.00" in out


def test_score_json_carries_the_full_assessment(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["score", str(LOW), str(HIGH), "--format", "json", "--repo", str(ROOT), "--model", str(V1_0)])
        == 0
    )
    results = json.loads(capsys.readouterr().out)
    text = json.dumps(results)
    for expected in (
        '"4.00"',
        '"86.50"',
        '"low"',
        '"high"',
        '"model_sha256"',
        '"breakdown"',
        '"evidence_sha256"',
    ):
        assert expected in text


def test_score_markdown_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(LOW), "--format", "markdown", "--repo", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "|" in out
    assert "vulnerabilities" in out


def test_score_with_an_explicit_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = (ROOT / "risk-model" / "v1.0.yaml").read_text().replace("low_max: 50", "low_max: 2")
    (tmp_path / "strict.yaml").write_text(model, encoding="utf-8")
    assert main(["score", str(LOW), "--model", str(tmp_path / "strict.yaml")]) == 0
    assert "score 4.00 → medium" in capsys.readouterr().out


def test_score_without_a_repository_model_uses_the_packaged_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(LOW), "--repo", str(tmp_path)]) == 0
    assert "score 48.00 → medium (needs CAB approval); model v1.1" in capsys.readouterr().out


def test_score_refuses_a_model_whose_version_disagrees_with_its_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "risk-model").mkdir()
    model = (ROOT / "risk-model" / "v1.0.yaml").read_text()
    (tmp_path / "risk-model" / "v1.1.yaml").write_text(model, encoding="utf-8")
    assert main(["score", str(LOW), "--repo", str(tmp_path)]) == 2
    assert "version '1.0' does not match the file name v1.1.yaml" in capsys.readouterr().err


def test_score_refuses_a_pack_that_validate_refuses_for_its_month(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_yaml(repo / "evidence" / "2026-10" / "payments-api-7.4.2.yaml", evidence_pack())
    assert main(["score", str(pack), "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert "submitted_at is in 2026-11 (UTC) but the file is under 2026-10/" in err
    assert out == ""


def test_score_refuses_a_pack_that_validate_refuses_for_its_name(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_yaml(repo / "evidence" / "2026-11" / "other-name.yaml", evidence_pack())
    assert main(["score", str(pack), "--repo", str(repo)]) == 2
    assert (
        "file name says 'other-name' but the document's id is 'payments-api-7.4.2'" in capsys.readouterr().err
    )


def test_validate_with_nothing_to_validate_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert "0 valid" not in out
    assert f"cab validate: nothing to validate under {tmp_path}" in err


def test_score_of_an_invalid_pack_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(tmp_path / "p.yaml", evidence_pack({"artifact.sha256": REMOVE}))
    assert main(["score", str(path), "--repo", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "artifact.sha256: required field is missing" in err


def test_score_of_a_nan_pack_never_reaches_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = LOW.read_text(encoding="utf-8")
    assert "coverage_percent: 91.4" in text
    path = tmp_path / "p.yaml"
    path.write_text(text.replace("coverage_percent: 91.4", "coverage_percent: .nan"), encoding="utf-8")
    assert main(["score", str(path), "--repo", str(ROOT)]) == 2
    out, err = capsys.readouterr()
    assert (out, ".nan is not allowed: numbers must be finite" in err) == ("", True)


# --- schema


def test_schema_defaults_to_the_evidence_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "EvidencePack"


def test_schema_of_an_unknown_kind_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "Approval"]) == 2
    assert (
        "unknown kind 'Approval'; choose one of: EvidencePack, Exception, RiskModel, Decision"
        in capsys.readouterr().err
    )
