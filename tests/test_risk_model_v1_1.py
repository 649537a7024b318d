"""Risk model v1.1: numbers count only when proven, and auto-approval needs proof (a floor).

Each attack from issue 14 is replayed against v1.1; each lands at medium or higher.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.adapters import files
from bot.adapters import risk_model_files as risk_models
from bot.domain.models import EvidencePack
from bot.domain.models.decision import RiskAssessment
from bot.domain.scoring import score
from bot.domain.signature_proof import NOT_CHECKED, SignatureCheck
from bot.services.signature import check_pack
from tests.builders import REMOVE, evidence_pack

ROOT = Path(__file__).resolve().parent.parent
V1_1 = risk_models.resolve(ROOT / "risk-model" / "v1.1.yaml", ROOT)
ATTESTED = ROOT / "evidence" / "2026-11" / "rfc8785-0.1.2.yaml"


def _v1_1(pack: dict[str, Any], signature: SignatureCheck = NOT_CHECKED) -> RiskAssessment:
    return score(EvidencePack.model_validate(pack), V1_1.model, V1_1.sha256, signature)


def _line(risk: RiskAssessment, factor: str) -> str:
    return next(line.raw for line in risk.breakdown if line.factor == factor)


def _attested() -> EvidencePack:
    pack: EvidencePack = files.load(ATTESTED, EvidencePack).model
    return pack


def test_a_high_risk_pack_rewritten_with_false_claims_is_not_auto_approved() -> None:
    claims = evidence_pack(
        {
            "vulnerability_scan.counts": {"critical": 0, "high": 0},
            "vulnerability_scan.findings": [],
            "tests.coverage_percent": 100,
            "artifact.signature.verified": True,
        }
    )
    risk = _v1_1(claims)
    assert risk.tier == "medium" and risk.tier_override == "model_floor"
    assert _line(risk, "signature") == "missing"  # `verified: true` is not read
    assert _line(risk, "vulnerabilities") == "missing"  # no attached scan
    assert _line(risk, "attested_for_auto_approval").startswith(
        "at least medium: no vulnerability_scan_attached"
    )


def test_coverage_without_test_results_counts_as_missing_test_results() -> None:
    risk = _v1_1(evidence_pack({"tests": {"coverage_percent": 100}}))
    assert _line(risk, "test_failures") == "missing" and _line(risk, "test_coverage") == "missing"
    assert risk.tier != "low"


def test_a_pack_with_no_scan_and_no_tests_is_at_least_medium() -> None:
    risk = _v1_1(evidence_pack({"vulnerability_scan": REMOVE, "tests": REMOVE}))
    assert risk.tier in ("medium", "high")


def test_an_attested_pack_with_a_verified_signature_is_low() -> None:
    pack = _attested()
    risk = score(pack, V1_1.model, V1_1.sha256, check_pack(pack, ROOT))
    assert (risk.tier, _line(risk, "signature"), _line(risk, "attested_for_auto_approval")) == (
        "low",
        "verified",
        "met",
    )


@pytest.mark.parametrize(
    "signature",
    [
        SignatureCheck("unverified", "Bundle message digest mismatch"),
        SignatureCheck("missing", "the pack names no Sigstore bundle"),
    ],
)
def test_the_attested_pack_without_a_verified_signature_is_medium(signature: SignatureCheck) -> None:
    risk = score(_attested(), V1_1.model, V1_1.sha256, signature)
    assert (risk.tier, risk.tier_override) == ("medium", "model_floor")
    assert _line(risk, "attested_for_auto_approval") == "at least medium: no signature_verified"
    assert _line(risk, "signature") == signature.display()


def test_passed_zero_counts_as_missing_test_results_even_when_attached() -> None:
    pack = _attested()
    assert pack.tests is not None
    risk = score(pack.model_copy(update={"tests": pack.tests.model_copy(update={"passed": 0})}), V1_1.model,
                 V1_1.sha256, SignatureCheck("verified"))  # fmt: skip
    assert _line(risk, "test_failures") == "missing"
    assert risk.tier == "medium"


def test_v1_0_still_reads_the_claim_so_its_decisions_re_score_as_made() -> None:
    v1_0 = risk_models.resolve(ROOT / "risk-model" / "v1.0.yaml", ROOT)
    risk = score(EvidencePack.model_validate(evidence_pack()), v1_0.model, v1_0.sha256)
    assert (risk.tier, _line(risk, "signature"), risk.tier_override) == ("low", "verified", None)
    assert all(line.factor != "attested_for_auto_approval" for line in risk.breakdown)
