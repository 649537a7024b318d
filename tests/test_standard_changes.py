"""The standard-change rule (bot.domain.rules.standard_changes): data in, verdict out."""

from __future__ import annotations

from typing import Any

from bot.domain import documents
from bot.domain.models import EvidencePack
from bot.domain.models.decision import RiskAssessment
from bot.domain.rules.policy_changes import git_blob_id
from bot.domain.rules.standard_changes import StandardVerdict, TemplateAtBase, judge
from bot.domain.signature_proof import NOT_CHECKED, SignatureCheck
from tests.builders import SHA_A, dump_yaml, evidence_pack, standard_change

PATH = "policy/standard-changes/payments-patch.yaml"
VERIFIED = SignatureCheck("verified", issuer="https://token.actions.githubusercontent.com", identity="x")


def pack(**fields: Any) -> EvidencePack:
    raw = dump_yaml(evidence_pack(standard_change="payments-patch", **fields)).encode()
    return documents.parse(raw, "evidence/2026-11/payments-api-7.4.2.yaml", EvidencePack).model


def risk(score: str = "30.00", tier: str = "low") -> RiskAssessment:
    return RiskAssessment(score=score, tier=tier, model_version="1.0", model_sha256=SHA_A, breakdown=[])  # type: ignore[arg-type]


def approved(**fields: Any) -> TemplateAtBase:
    raw = dump_yaml(standard_change(**fields)).encode()
    return TemplateAtBase(PATH, raw, frozenset({git_blob_id(raw)}))


def verdict(
    p: EvidencePack | None = None,
    r: RiskAssessment | None = None,
    at_base: TemplateAtBase | None = None,
    signature: SignatureCheck = NOT_CHECKED,
) -> StandardVerdict:
    found = judge(p or pack(), r or risk(), at_base if at_base is not None else approved(), signature)
    assert found is not None
    return found


def test_a_pack_naming_no_template_is_not_judged() -> None:
    plain = documents.parse(dump_yaml(evidence_pack()).encode(), "x.yaml", EvidencePack).model
    assert judge(plain, risk(), approved(), NOT_CHECKED) is None


def test_a_pack_meeting_its_template_gets_a_reference_to_the_templates_blob() -> None:
    at_base = approved()
    found = verdict(at_base=at_base)
    assert found.met and found.ref is not None
    assert (found.ref.path, found.ref.blob) == (PATH, git_blob_id(at_base.raw or b""))


def test_a_template_absent_at_the_base_is_not_met() -> None:
    assert verdict(at_base=TemplateAtBase(PATH, None)).reasons == (f"no template {PATH} on the base branch",)


def test_a_template_whose_blob_no_policy_decision_approved_is_not_met() -> None:
    raw = dump_yaml(standard_change()).encode()
    [reason] = verdict(at_base=TemplateAtBase(PATH, raw, frozenset({"0" * 40}))).reasons
    assert "was not brought by an approved policy decision" in reason


def test_a_template_named_other_than_its_file_is_not_met() -> None:
    [reason] = verdict(at_base=approved(name="other-name")).reasons
    assert "names itself 'other-name'" in reason


def test_a_score_above_the_templates_maximum_is_not_met() -> None:
    assert verdict(r=risk("60.01", "medium")).reasons == ("scores 60.01, above the template's max_score 60",)


def test_a_high_risk_change_is_never_standard() -> None:
    found = verdict(r=risk("50.00", "high"), at_base=approved(max_score=100))
    assert found.reasons == ("a high-risk change is never a standard change",)


def test_a_component_outside_the_template_is_not_met() -> None:
    found = verdict(pack(scope={"affected_components": ["payments-api", "ledger"]}))
    assert found.reasons == ("affects ledger, outside the template's components",)


def test_a_pack_that_names_no_component_is_not_met() -> None:
    [reason] = verdict(pack(scope={"affected_users": 3})).reasons
    assert "names no scope.affected_components" in reason


def test_a_required_signature_must_have_verified() -> None:
    needs = approved(required_attachments=["signature"])
    assert not verdict(at_base=needs).met
    assert verdict(at_base=needs, signature=VERIFIED).met


def test_a_required_section_must_come_from_attached_tool_output() -> None:
    [reason] = verdict(at_base=approved(required_attachments=["sbom"])).reasons
    assert reason == "requires sbom attached as tool output (`cab collect` attaches it)"
