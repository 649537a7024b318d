"""EvidencePack: what a pack must say, what it may leave out, and what it may never contain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.models import EvidencePack
from tests.builders import REMOVE, SHA_B, evidence_pack
from tests.model_checks import accepts, rejection

UTC = dt.UTC


def test_complete_pack_is_valid_and_complete() -> None:
    pack = accepts(EvidencePack, evidence_pack())
    assert isinstance(pack, EvidencePack)
    assert (pack.missing_sections, pack.completeness_percent) == ((), 100)


def test_minimal_pack_names_every_missing_section() -> None:
    minimal = {k: v for k, v in evidence_pack().items() if k in _REQUIRED}
    minimal["artifact"] = {"name": "a", "version": "1", "sha256": SHA_B}
    pack = accepts(EvidencePack, minimal)
    assert isinstance(pack, EvidencePack)
    assert pack.missing_sections == (
        "artifact.signature",
        "sbom",
        "vulnerability_scan",
        "tests",
        "install",
        "uninstall",
        "detection",
        "rollout",
        "rollback",
        "scope",
        "complexity",
    )
    assert pack.completeness_percent == 0


_REQUIRED = ("apiVersion", "kind", "change_id", "title", "requester", "submitted_at", "artifact")


@pytest.mark.parametrize("field", _REQUIRED)
def test_identity_fields_are_required(field: str) -> None:
    loc, message = rejection(EvidencePack, evidence_pack({field: REMOVE}))
    assert (loc, message) == (field, "Field required")


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"apiVersion": "cab/v2"}, "apiVersion"),
        ({"kind": "Exception"}, "kind"),
        ({"change_id": "ab"}, "change_id"),
        ({"change_id": "Payments-API"}, "change_id"),
        ({"change_id": "-rf"}, "change_id"),
        ({"change_id": "a" * 65}, "change_id"),
        ({"title": ""}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"requester": "alice@example.com"}, "requester"),
        ({"requester": "-alice"}, "requester"),
        ({"submitted_at": "2026-11-03T09:15:00Z"}, "submitted_at"),
        ({"submitted_at": dt.datetime(2026, 11, 3, 9, 15)}, "submitted_at"),
        ({"submitted_at": dt.date(2026, 11, 3)}, "submitted_at"),
        ({"description": "bell\x07"}, "description"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_identity_fields_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize("change_id", ["abc", "payments-api-7.4.2", "a_b.c-d", "0" * 64])
def test_change_id_accepts_slugs(change_id: str) -> None:
    accepts(EvidencePack, evidence_pack(change_id=change_id))


def test_requester_may_be_a_bot_login() -> None:
    accepts(EvidencePack, evidence_pack(requester="release-bot[bot]"))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"artifact.sha256": "3F1D" + "0" * 60}, "artifact.sha256"),
        ({"artifact.sha256": "0" * 63}, "artifact.sha256"),
        ({"artifact.size_bytes": -1}, "artifact.size_bytes"),
        ({"artifact.size_bytes": "48213904"}, "artifact.size_bytes"),
        ({"artifact.size_bytes": 48213904.0}, "artifact.size_bytes"),
        ({"artifact.signature.method": "md5"}, "artifact.signature.method"),
        ({"artifact.signature.verified": "yes"}, "artifact.signature.verified"),
        ({"artifact.signature.verified": 1}, "artifact.signature.verified"),
        ({"artifact.signature.trusted": True}, "artifact.signature.trusted"),
    ],
)
def test_artifact_and_signature_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


def test_a_signature_need_not_claim_verified_since_the_bot_checks_its_bundle() -> None:
    edits = {
        "artifact.signature.verified": REMOVE,
        "artifact.signature.bundle": "evidence/2026-11/x/a.sigstore",
    }
    pack = EvidencePack.model_validate(evidence_pack(edits))
    assert pack.artifact.signature is not None and pack.artifact.signature.verified is None


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"sbom.format": "swid"}, "sbom.format"),
        ({"sbom.component_count": REMOVE}, "sbom.component_count"),
        ({"sbom.digest": "sha256:abc"}, "sbom.digest"),
        ({"sbom.path": "../sbom.json"}, "sbom.path"),
        ({"sbom.path": "/srv/sbom.json"}, "sbom.path"),
        ({"sbom.path": "https://example.com/sbom.json"}, "sbom.path"),
        ({"sbom.path": "sbom/./x.json"}, "sbom.path"),
        ({"sbom.path": "--output=x"}, "sbom.path"),
    ],
)
def test_sbom_rejects(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize("path", ["sbom.cdx.json", "build/sbom/payments-api.spdx.json", "_out/x"])
def test_sbom_path_accepts_repository_relative_paths(path: str) -> None:
    accepts(EvidencePack, evidence_pack({"sbom.path": path}))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"vulnerability_scan.counts.critical": -1}, "vulnerability_scan.counts.critical"),
        ({"vulnerability_scan.counts.high": 1.5}, "vulnerability_scan.counts.high"),
        ({"vulnerability_scan.counts.high": True}, "vulnerability_scan.counts.high"),
        ({"vulnerability_scan.counts.high": 10_000_001}, "vulnerability_scan.counts.high"),
        ({"vulnerability_scan.counts": REMOVE}, "vulnerability_scan.counts"),
        ({"vulnerability_scan.findings.0.id": "not-an-id"}, "vulnerability_scan.findings.0.id"),
        ({"vulnerability_scan.findings.0.severity": "severe"}, "vulnerability_scan.findings.0.severity"),
        ({"vulnerability_scan.scanned_at": dt.datetime(2026, 11, 3)}, "vulnerability_scan.scanned_at"),
    ],
)
def test_vulnerability_scan_rejects(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize(
    "vuln_id", ["CVE-2026-1111", "GHSA-2xw5-89qm-3pmh", "RUSTSEC-2024-0001", "PYSEC-2023-12"]
)
def test_finding_ids_accept_known_schemes(vuln_id: str) -> None:
    accepts(EvidencePack, evidence_pack({"vulnerability_scan.findings.0.id": vuln_id}))


def test_more_listed_findings_than_counted_is_rejected() -> None:
    loc, message = rejection(EvidencePack, evidence_pack({"vulnerability_scan.counts.high": 0}))
    assert loc == "vulnerability_scan"
    assert "1 high findings are listed but counts.high is 0" in message


def test_fewer_listed_findings_than_counted_is_fine() -> None:
    accepts(EvidencePack, evidence_pack({"vulnerability_scan.counts.high": 40}))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"tests.coverage_percent": 100.01}, "tests.coverage_percent"),
        ({"tests.coverage_percent": -0.5}, "tests.coverage_percent"),
        ({"tests.coverage_percent": "91.5"}, "tests.coverage_percent"),
        ({"tests.failed": -1}, "tests.failed"),
        ({"tests.lab.status": "green"}, "tests.lab.status"),
        ({"tests.ring0.failures": -2}, "tests.ring0.failures"),
        ({"tests.ring1": {"status": "passed"}}, "tests.ring1"),
    ],
)
def test_test_results_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize("coverage", [0, 0.0, 100, 100.0, 64])
def test_coverage_bounds_are_inclusive(coverage: float) -> None:
    accepts(EvidencePack, evidence_pack({"tests.coverage_percent": coverage}))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"install.timeout_seconds": 0}, "install.timeout_seconds"),
        ({"install.timeout_seconds": 86_401}, "install.timeout_seconds"),
        ({"install.timeout_seconds": "600"}, "install.timeout_seconds"),
        ({"uninstall.command": ""}, "uninstall.command"),
        ({"uninstall.timeout_seconds": REMOVE}, "uninstall.timeout_seconds"),
        ({"detection.method": "wmi"}, "detection.method"),
        ({"detection.query": REMOVE}, "detection.query"),
    ],
)
def test_install_uninstall_and_detection_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"rollout.rings": []}, "rollout.rings"),
        ({"rollout.rings": [{"name": f"r{i}"} for i in range(51)]}, "rollout.rings"),
        ({"rollout.rings.1.percent": 101}, "rollout.rings.1.percent"),
        ({"rollout.rings.0.hold_hours": -1}, "rollout.rings.0.hold_hours"),
        ({"rollback.plan": REMOVE}, "rollback.plan"),
        ({"rollback.tested": "true"}, "rollback.tested"),
        ({"rollback.steps": ["ok", ""]}, "rollback.steps.1"),
    ],
)
def test_rollout_and_rollback_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"scope.affected_users": -1}, "scope.affected_users"),
        ({"scope.affected_components": "payments-api"}, "scope.affected_components"),
        ({"complexity": "trivial"}, "complexity"),
        ({"policy.violations": [{"message": "no rule"}]}, "policy.violations.0.rule"),
        ({"exceptions": ["../x"]}, "exceptions.0"),
        ({"exceptions": [f"exc-{i:03}" for i in range(21)]}, "exceptions"),
        ({"links.0.url": "http://example.com"}, "links.0.url"),
        ({"links.0.url": "javascript:alert(1)"}, "links.0.url"),
        ({"links.0.url": "https://exa mple.com"}, "links.0.url"),
    ],
)
def test_scope_policy_and_references_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(EvidencePack, evidence_pack(edits))[0] == loc


@pytest.mark.parametrize("field", ["approved_by", "risk_override", "tier", "score"])
def test_fields_that_would_bypass_review_are_unknown(field: str) -> None:
    assert rejection(EvidencePack, evidence_pack({field: "low"})) == (field, "Extra inputs are not permitted")


def test_pack_is_immutable() -> None:
    pack = EvidencePack.model_validate(evidence_pack())
    with pytest.raises(ValueError, match="frozen"):
        pack.title = "changed"  # type: ignore[misc]


def test_missing_rollback_is_incompleteness_not_an_error() -> None:
    pack = EvidencePack.model_validate(evidence_pack(rollback=REMOVE))
    assert pack.missing_sections == ("rollback",)
    assert pack.completeness_percent == 91


def test_unsigned_artifact_counts_as_missing_signature() -> None:
    pack = EvidencePack.model_validate(evidence_pack({"artifact.signature": REMOVE}))
    assert pack.missing_sections == ("artifact.signature",)
