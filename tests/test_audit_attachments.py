"""`cab audit` re-derives each decided pack's sourced sections from the attachments at its merge."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests import repo_builder
from tests.audit_helpers import audit_repo, rules_of
from tests.repo_builder import MONTH, RepoBuilder, Tweak
from tests.tool_fixtures import tool

SCAN = tool("trivy/alpine-39.json")  # two critical findings


def _sourced_evidence(monkeypatch: pytest.MonkeyPatch, change_id: str) -> str:
    """The builder's low pack, its scan section naming an attached Trivy report it contradicts."""
    where = f"evidence/{MONTH}/{change_id}/scan-1.json"
    plain = repo_builder.evidence_text
    source = f"  sources:\n  - {{path: {where}, sha256: {hashlib.sha256(SCAN.read_bytes()).hexdigest()}, format: trivy_json}}\n"

    def sourced(tier: str, cid: str, requester: str | None = None) -> str:
        return plain(tier, cid, requester).replace(
            "vulnerability_scan:\n", "vulnerability_scan:\n" + source, 1
        )

    monkeypatch.setattr(repo_builder, "evidence_text", sourced)
    return where


def test_a_decided_pack_that_contradicts_its_attached_scan_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = RepoBuilder(tmp_path)
    b.base()
    where = _sourced_evidence(monkeypatch, "payments-1")
    b.decide("payments-1", "low", Tweak(on_pr_branch=lambda pr: pr.write(where, SCAN.read_bytes())))
    findings = audit_repo(tmp_path).findings
    assert rules_of(findings) == {"evidence.attachment-mismatch"}
    counts = next(f for f in findings if "vulnerability_scan.counts" in f.message)
    assert "'critical': 0" in counts.message and "'critical': 2" in counts.message


def test_an_attachment_named_by_the_pack_but_absent_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = RepoBuilder(tmp_path)
    b.base()
    _sourced_evidence(monkeypatch, "payments-1")
    b.decide("payments-1", "low")
    findings = audit_repo(tmp_path).findings
    assert [(f.rule, "no such file" in f.message) for f in findings] == [
        ("evidence.attachment-mismatch", True)
    ]


def test_an_attachment_changed_after_its_decision_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = RepoBuilder(tmp_path)
    b.base()
    where = _sourced_evidence(monkeypatch, "payments-1")
    b.decide("payments-1", "low", Tweak(on_pr_branch=lambda pr: pr.write(where, SCAN.read_bytes())))
    b.write(where, SCAN.read_bytes().replace(b"CRITICAL", b"LOW"))
    b.commit("quietly soften the scan")
    assert "governed.modified" in rules_of(audit_repo(tmp_path).findings)
