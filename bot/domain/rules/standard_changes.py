"""Standard changes: does a pack meet the pre-approved template it names? Pure; one home.

The bot asks `judge` when it plans a change (a pack that meets its template is decided `standard`
without review; one that fails takes the normal route and its comment says why), and the audit
and `cab verify` ask `recheck` of a recorded decision, with the template as the decision's base
held it. A template counts only if its exact blob was brought by an approved policy decision
(CAB and security): a template pushed some other way pre-approves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.layout import standard_change_path
from bot.domain.models import Decision, EvidencePack, StandardChange
from bot.domain.models.decision import RiskAssessment, StandardChangeRef
from bot.domain.rules.policy_changes import git_blob_id
from bot.domain.signature_proof import SignatureCheck

STANDARD_TIERS = ("low", "medium")  # the outcome table (bot.domain.outcomes) says the same


@dataclass(frozen=True)
class TemplateAtBase:
    """A template as a decision's base commit holds it (`raw` None: absent there), and the blobs
    approved policy decisions at that base brought to its path."""

    path: str
    raw: bytes | None
    approved_blobs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StandardVerdict:
    """Whether the pack meets its template; `ref` (set only when it does) is what the record keeps."""

    name: str
    reasons: tuple[str, ...]
    ref: StandardChangeRef | None = None

    @property
    def met(self) -> bool:
        return self.ref is not None


def _attachment_gaps(pack: EvidencePack, kinds: Sequence[str], signature: SignatureCheck) -> list[str]:
    """Each required attachment the pack lacks. Sections with sources are re-derived from them by
    the bot and the audit (a mismatch refuses the pack before this rule is asked)."""
    tests = pack.tests.sources if pack.tests else []
    present = {
        "sbom": pack.sbom is not None and pack.sbom.source is not None,
        "vulnerability_scan": bool(pack.vulnerability_scan and pack.vulnerability_scan.sources),
        "tests": any(s.format == "junit_xml" for s in tests),
        "coverage": any(s.format in ("cobertura_xml", "lcov") for s in tests),
        "signature": signature.status == "verified",
    }
    gaps = []
    for kind in kinds:
        if present.get(kind):
            continue
        if kind == "signature":
            gaps.append(f"requires a verified Sigstore signature; the signature is {signature.display()}")
        else:
            gaps.append(f"requires {kind} attached as tool output (`cab collect` attaches it)")
    return gaps


def _template(name: str, at_base: TemplateAtBase | None) -> StandardChange | list[str]:
    path = standard_change_path(name)
    if at_base is None or at_base.raw is None:
        return [f"no template {path} on the base branch"]
    blob = git_blob_id(at_base.raw)
    if blob not in at_base.approved_blobs:
        return [f"{path} (blob {blob[:12]}) was not brought by an approved policy decision"]
    try:
        template: StandardChange = documents.parse(at_base.raw, path, StandardChange).model
    except InputError as exc:
        return [f"{path} is invalid: {exc.problems[0] if exc.problems else exc}"]
    if template.name != name:
        return [f"{path} names itself {template.name!r}; a template's name is its file name"]
    return template


def judge(
    pack: EvidencePack, risk: RiskAssessment, at_base: TemplateAtBase | None, signature: SignatureCheck
) -> StandardVerdict | None:
    """None when the pack names no template; else whether it meets the one it names, and why not."""
    name = pack.standard_change
    if name is None:
        return None
    template = _template(name, at_base)
    if isinstance(template, list):
        return StandardVerdict(name, tuple(template))
    reasons = []
    if risk.tier not in STANDARD_TIERS:
        reasons.append(f"a {risk.tier}-risk change is never a standard change")
    if Decimal(risk.score) > template.max_score:
        reasons.append(f"scores {risk.score}, above the template's max_score {template.max_score}")
    components = pack.scope.affected_components if pack.scope else []
    outside = sorted(set(components) - set(template.components))
    if not components:
        reasons.append("names no scope.affected_components; the template covers only its components")
    elif outside:
        reasons.append(f"affects {', '.join(outside)}, outside the template's components")
    reasons += _attachment_gaps(pack, template.required_attachments, signature)
    if reasons:
        return StandardVerdict(name, tuple(reasons))
    assert at_base is not None
    assert at_base.raw is not None
    ref = StandardChangeRef(name=name, path=at_base.path, blob=git_blob_id(at_base.raw))
    return StandardVerdict(name, (), ref)


def recheck(
    record: Decision, pack: EvidencePack, at_base: TemplateAtBase | None, signature: SignatureCheck
) -> list[str]:
    """Why a recorded decision's standard-change claim does not hold at its base; empty when it does
    (or when it makes none). `record.risk` is taken as re-scored: a score mismatch is its own finding."""
    claimed = record.standard_change
    if record.outcome != "standard":
        return [] if claimed is None else [f"a {record.outcome} decision names template {claimed.name}"]
    if claimed is None:
        return ["a standard decision that names no template"]
    if pack.standard_change != claimed.name:
        return [f"the record names template {claimed.name}, the pack {pack.standard_change or 'none'}"]
    verdict = judge(pack, record.risk, at_base, signature)
    assert verdict is not None
    if not verdict.met:
        return [f"the pack does not meet {claimed.path} at the base: {r}" for r in verdict.reasons]
    if verdict.ref != claimed:
        assert verdict.ref is not None
        return [f"the record names blob {claimed.blob} of {claimed.path}, the base holds {verdict.ref.blob}"]
    return []
