"""A pack carries its raw inputs; every sourced section must be what its attachments give."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.adapters import files
from bot.cli import main
from bot.domain.models import EvidencePack
from bot.services import attachments
from tests.tool_fixtures import collect_argv, tool

PACK = "evidence/2026-11/demo-service-1.2.0.yaml"
FOLDER = "evidence/2026-11/demo-service-1.2.0"


def _collected(root: Path) -> EvidencePack:
    argv = collect_argv(
        root,
        "--sbom", str(tool("sbom/cyclonedx/trivy-npm.cdx-1.7.json")),
        "--scan", str(tool("trivy/alpine-39.json")),
        "--tests", str(tool("junit/pytest-failures.xml")),
        "--coverage", str(tool("coverage/coveragepy-branch.cobertura.xml")),
    )  # fmt: skip
    assert main(argv) == 0
    pack: EvidencePack = files.load(root / PACK, EvidencePack).model
    return pack


def _read(root: Path):  # type: ignore[no-untyped-def]
    return lambda relative: (root / relative).read_bytes() if (root / relative).is_file() else None


def test_collect_writes_each_input_as_an_attachment_named_by_its_section(tmp_path: Path) -> None:
    pack = _collected(tmp_path)
    assert pack.vulnerability_scan is not None and pack.sbom is not None and pack.tests is not None
    [scan] = pack.vulnerability_scan.sources
    assert (scan.path, scan.format) == (f"{FOLDER}/scan-1.json", "trivy_json")
    assert scan.sha256 == hashlib.sha256(tool("trivy/alpine-39.json").read_bytes()).hexdigest()
    assert (tmp_path / scan.path).read_bytes() == tool("trivy/alpine-39.json").read_bytes()
    assert pack.sbom.source is not None and pack.sbom.source.format == "cyclonedx_json"
    assert sorted(s.format for s in pack.tests.sources) == ["cobertura_xml", "junit_xml"]


def test_a_collected_pack_matches_its_attachments(tmp_path: Path) -> None:
    pack = _collected(tmp_path)
    assert attachments.compare(pack, _read(tmp_path)) == []
    assert main(["validate", "--repo", str(tmp_path)]) == 0


def test_a_count_edited_in_the_pack_is_refused_naming_field_declared_and_derived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _collected(tmp_path)
    pack = tmp_path / PACK
    pack.write_text(
        pack.read_text().replace("critical: 2", "critical: 0").replace("severity: critical", "severity: low")
    )
    assert main(["score", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "attachment mismatch: vulnerability_scan.counts: the pack says" in err
    assert "'critical': 0" in err and "'critical': 2" in err


def test_an_attachment_changed_after_collect_is_refused_by_its_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _collected(tmp_path)
    scan = tmp_path / FOLDER / "scan-1.json"
    scan.write_text(scan.read_text().replace('"CRITICAL"', '"LOW"'))
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    assert "attachment mismatch: vulnerability_scan.sources[0].sha256" in capsys.readouterr().err


def test_a_missing_attachment_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _collected(tmp_path)
    (tmp_path / FOLDER / "tests-1.xml").unlink()
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    assert "tests-1.xml, its attachments give no such file" in capsys.readouterr().err


def test_a_source_outside_the_packs_folder_is_refused(tmp_path: Path) -> None:
    pack = _collected(tmp_path)
    assert pack.vulnerability_scan is not None
    moved = pack.vulnerability_scan.sources[0].model_copy(
        update={"path": "evidence/2026-11/other/scan-1.json"}
    )
    scan = pack.vulnerability_scan.model_copy(update={"sources": [moved]})
    [mismatch] = attachments.compare(pack.model_copy(update={"vulnerability_scan": scan}), _read(tmp_path))
    assert mismatch.field == "vulnerability_scan.sources[0].path"


def test_an_attachment_without_its_pack_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "evidence/2026-11/nobody-1.0/scan-1.json"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(tool("trivy/alpine-39.json").read_bytes())
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    assert "an attachment without its pack evidence/2026-11/nobody-1.0.yaml" in capsys.readouterr().err


def test_an_oversized_input_is_refused_with_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import collect

    monkeypatch.setattr(collect, "MAX_ATTACHMENT_BYTES", 1000)
    assert main(collect_argv(tmp_path, "--scan", str(tool("trivy/alpine-39.json")))) == 2
    assert "an attachment may be at most 1000 bytes" in capsys.readouterr().err
