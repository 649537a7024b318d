"""`cab collect --artifact-sha256 HEX --sigstore-bundle FILE` and `cab score`: the check, not a claim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.sigstore_fixtures import (
    RELEASES,
    SIGSTORE,
    STAGING_SIGNERS,
    WHEEL_BUNDLE,
    WHEEL_SHA256,
    digest_of,
    signers_yaml,
)

ROOT = Path(__file__).resolve().parent.parent
PACK = "evidence/2026-11/rfc8785-0.1.2.yaml"
BUNDLE = "evidence/2026-11/rfc8785-0.1.2/artifact.sigstore.json"


def _repo(tmp_path: Path, allowed: object = RELEASES) -> Path:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "signers.yaml").write_text(signers_yaml(allowed))  # type: ignore[arg-type]
    model = (ROOT / "risk-model" / "v1.0.yaml").read_text()
    (tmp_path / "checked.yaml").write_text(
        model.replace('version: "1.0"', 'version: "1.1"').replace(
            "measure: signature\n", "measure: signature_check\n"
        )
    )
    return tmp_path


def _collect(root: Path, sha256: str, bundle: Path, *extra: str) -> int:
    return main(
        [
            "collect", "--change-id", "rfc8785-0.1.2", "--title", "rfc8785 0.1.2", "--requester", "alice-eng",
            "--submitted-at", "2026-11-05T10:00:00Z", "--artifact-sha256", sha256,
            "--artifact-name", "rfc8785", "--artifact-version", "0.1.2", "--sigstore-bundle", str(bundle),
            "--repo", str(root), *extra,
        ]
    )  # fmt: skip


def _signature_line(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["score", str(root / PACK), "--model", str(root / "checked.yaml"), "--repo", str(root),
                 "--format", "json", *extra]) == 0  # fmt: skip
    [item] = json.loads(capsys.readouterr().out)
    return next(line for line in item["risk"]["breakdown"] if line["factor"] == "signature")


def test_collect_attaches_the_bundle_for_an_artifact_it_never_sees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert _collect(root, WHEEL_SHA256, WHEEL_BUNDLE) == 0
    assert (root / BUNDLE).read_bytes() == WHEEL_BUNDLE.read_bytes()
    text = (root / PACK).read_text()
    assert f"bundle: {BUNDLE}" in text and "verified" not in text
    assert "note: signature verified" in capsys.readouterr().err


def test_score_shows_the_verified_check_in_the_breakdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert _collect(root, WHEEL_SHA256, WHEEL_BUNDLE) == 0
    line = _signature_line(root, capsys)
    assert (line["raw"], line["normalized"]) == ("verified", 0)


def test_a_wrong_digest_scores_unverified_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert _collect(root, "ab" * 32, WHEEL_BUNDLE) == 0
    assert _signature_line(root, capsys)["raw"] == "unverified (Bundle message digest mismatch)"


def test_a_claimed_verified_flag_is_ignored_by_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert _collect(root, "ab" * 32, WHEEL_BUNDLE) == 0
    pack = root / PACK
    pack.write_text(
        pack.read_text().replace("    method: sigstore\n", "    method: sigstore\n    verified: true\n")
    )
    assert str(_signature_line(root, capsys)["raw"]).startswith("unverified")


@pytest.mark.parametrize("name", ["bundle_v3.txt", "bundle.txt"])
def test_staging_bundles_verify_through_collect_and_score_on_the_staging_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    root = _repo(tmp_path, STAGING_SIGNERS)
    bundle = SIGSTORE / f"{name}.sigstore"
    assert _collect(root, digest_of(name), bundle, "--sigstore-instance", "staging") == 0
    assert _signature_line(root, capsys, "--sigstore-instance", "staging")["raw"] == "verified"
    assert str(_signature_line(root, capsys)["raw"]).startswith("unverified")


@pytest.mark.parametrize(
    "name",
    [
        "bundle_cve_2022_36056.txt.sigstore",
        "bundle_no_log_entry.txt.sigstore",
        "bundle_no_checkpoint.txt.sigstore",
        "bundle_invalid_version.txt.sigstore",
        "Python-3.12.5.tgz.sigstore",
    ],
)
def test_bundles_that_must_fail_score_unverified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    root = _repo(tmp_path, STAGING_SIGNERS)
    digest = (
        digest_of(name.removesuffix(".sigstore"))
        if (SIGSTORE / name.removesuffix(".sigstore")).exists()
        else WHEEL_SHA256
    )
    assert _collect(root, digest, SIGSTORE / name, "--sigstore-instance", "staging") == 0
    for instance in ("production", "staging"):
        line = _signature_line(root, capsys, "--sigstore-instance", instance)
        assert str(line["raw"]).startswith("unverified (")


def test_a_pack_without_a_bundle_scores_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path)
    assert _collect(root, WHEEL_SHA256, WHEEL_BUNDLE) == 0
    pack = root / PACK
    pack.write_text(pack.read_text().replace(f"    bundle: {BUNDLE}\n", "    verified: true\n"))
    line = _signature_line(root, capsys)
    assert (line["raw"], line["normalized"]) == ("missing", 100)
