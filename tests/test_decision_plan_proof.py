"""The plan decides from what checking the pack's attachments found (`Snapshot.proof`), not claims."""

from __future__ import annotations

import dataclasses

from bot.domain.signature_proof import EvidenceProof, SignatureCheck
from tests.exception_builders import exception
from tests.test_decision_plan import BASE, EXAMPLES, decide, pack_bytes

HIGH_PATH = "evidence/2026-11/edge-proxy-hotfix.yaml"
HIGH_SHA256 = "c0ffee00" * 8


def test_a_pack_that_differs_from_its_attachments_is_refused_naming_each_difference() -> None:
    mismatch = (
        "vulnerability_scan.counts: the pack says {'critical': 0}, its attachments give {'critical': 2}"
    )
    decided = decide(pack_bytes(), proof=EvidenceProof(mismatches=(mismatch,)))
    assert (decided.status, decided.check) == ("refused", "failure")
    assert "Evidence does not match its attachments" in decided.summary
    assert mismatch in decided.comment
    assert decided.merge is None and decided.record is None


def _high_with_digest_exception(signature: SignatureCheck) -> str:
    by_digest = exception(id="edge-by-digest", scope={"artifact_sha256s": [HIGH_SHA256]})
    base = dataclasses.replace(BASE, exceptions=(by_digest,))
    document = (EXAMPLES / HIGH_PATH).read_bytes()
    decided = decide(document, base, HIGH_PATH, proof=EvidenceProof(signature=signature))
    assert decided.tier == "high"
    return decided.comment


def test_a_digest_scoped_exception_covers_an_artifact_whose_signature_is_verified() -> None:
    assert "edge-by-digest covers artifact sha256" in _high_with_digest_exception(SignatureCheck("verified"))


def test_a_declared_digest_is_not_covered_without_a_verified_signature() -> None:
    comment = _high_with_digest_exception(SignatureCheck("missing", "the pack names no Sigstore bundle"))
    assert "edge-by-digest covers artifact sha256" not in comment
