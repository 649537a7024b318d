"""Deterministic risk scoring: evidence + model in, score + tier + breakdown out. Pure.

Arithmetic is `decimal.Decimal` on values that the loader has already proven finite, so the same
pack and the same model give the same score on every machine. Rounding rule: the weighted mean
Σ wᵢ·nᵢ / Σ wᵢ is computed exactly (28 significant digits), then rounded half-up to two decimals
and clamped to 0..100; the tier is decided on that rounded score. Per-factor contributions are
rounded the same way for display, so they may differ from the score by a cent in the last place.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Literal

from bot.domain.models.decision import FactorResult, RiskAssessment, Tier
from bot.domain.models.evidence import EvidencePack
from bot.domain.models.risk_model import BandsRubric, Factor, RiskModel
from bot.domain.signature_proof import NOT_CHECKED, SignatureCheck

_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)
_CENT = Decimal("0.01")
_PILOT_ORDER = ("passed", "not_run", "partial", "failed")


def _vulnerability_points(pack: EvidencePack) -> Decimal | None:
    scan = pack.vulnerability_scan
    if scan is None:
        return None
    return Decimal(scan.counts.critical) + Decimal(scan.counts.high) / 2


def _coverage(pack: EvidencePack) -> Decimal | None:
    if pack.tests is None or pack.tests.coverage_percent is None:
        return None
    return Decimal(str(pack.tests.coverage_percent))


def _test_failures(pack: EvidencePack) -> Decimal | None:
    if pack.tests is None:
        return None
    lab, ring0 = pack.tests.lab, pack.tests.ring0
    stage_failures = sum((s.failures or 0) for s in (lab, ring0) if s is not None)
    return Decimal(pack.tests.failed + pack.tests.errored + stage_failures)


def _pilot_result(pack: EvidencePack) -> str | None:
    if pack.tests is None or (pack.tests.lab is None and pack.tests.ring0 is None):
        return None
    statuses = [s.status if s else "not_run" for s in (pack.tests.lab, pack.tests.ring0)]
    return max(statuses, key=_PILOT_ORDER.index)


def _rollback(pack: EvidencePack) -> str | None:
    if pack.rollback is None:
        return None
    return "tested" if pack.rollback.tested else "untested"


def _components(pack: EvidencePack) -> Decimal | None:
    if pack.scope is None or not pack.scope.affected_components:
        return None
    return Decimal(len(pack.scope.affected_components))


def _users(pack: EvidencePack) -> Decimal | None:
    if pack.scope is None or pack.scope.affected_users is None:
        return None
    return Decimal(pack.scope.affected_users)


def _signature(pack: EvidencePack) -> str | None:
    """v1.0's measure: what the pack claims (kept so v1.0 decisions re-score as they were made)."""
    sig = pack.artifact.signature
    if sig is None:
        return None
    return "verified" if sig.verified else "unverified"


def _checked(check: SignatureCheck) -> str | None:
    """v1.1's measure: what verifying the bundle found; the pack's `verified` is not read."""
    return None if check.status == "missing" else check.status


def _scan_attached(pack: EvidencePack) -> bool:
    return pack.vulnerability_scan is not None and bool(pack.vulnerability_scan.sources)


def _results_attached(pack: EvidencePack) -> bool:
    """JUnit results are attached and report at least one passing test: `passed: 0`, or coverage
    without any test report, is no test result at all."""
    tests = pack.tests
    return tests is not None and tests.passed > 0 and any(s.format == "junit_xml" for s in tests.sources)


def _sourced_vulnerability_points(pack: EvidencePack) -> Decimal | None:
    return _vulnerability_points(pack) if _scan_attached(pack) else None


def _sourced_coverage(pack: EvidencePack) -> Decimal | None:
    if not _results_attached(pack) or pack.tests is None:
        return None
    if not any(s.format in ("cobertura_xml", "lcov") for s in pack.tests.sources):
        return None
    return _coverage(pack)


def _sourced_test_failures(pack: EvidencePack) -> Decimal | None:
    return _test_failures(pack) if _results_attached(pack) else None


def _sourced_sbom(pack: EvidencePack) -> str | None:
    return "present" if pack.sbom is not None and pack.sbom.source is not None else None


def _sbom(pack: EvidencePack) -> str | None:
    return None if pack.sbom is None else "present"


def _policy(pack: EvidencePack) -> Decimal | None:
    return None if pack.policy is None else Decimal(len(pack.policy.violations))


MEASURES: dict[str, Callable[[EvidencePack], Decimal | str | None]] = {
    "vulnerability_points": _vulnerability_points,
    "coverage_percent": _coverage,
    "test_failures": _test_failures,
    "pilot_result": _pilot_result,
    "rollback_readiness": _rollback,
    "affected_components": _components,
    "affected_users": _users,
    "complexity": lambda pack: pack.complexity,
    "signature": _signature,
    "sbom": _sbom,
    "policy_violations": _policy,
    "missing_sections": lambda pack: Decimal(len(pack.missing_sections)),
    "sourced_vulnerability_points": _sourced_vulnerability_points,
    "sourced_coverage_percent": _sourced_coverage,
    "sourced_test_failures": _sourced_test_failures,
    "sourced_sbom": _sourced_sbom,
}
_TIER_ORDER = ("low", "medium", "high")


def _unmet(requirement: str, pack: EvidencePack, signature: SignatureCheck) -> bool:
    if requirement == "vulnerability_scan_attached":
        return not _scan_attached(pack)
    if requirement == "test_results_attached":
        return not _results_attached(pack)
    return signature.status != "verified"


def normalize(factor: Factor, raw: Decimal | str | None) -> int:
    """Map a raw measurement to 0..100 risk with the factor's rubric; absent data has its own risk."""
    rubric = factor.rubric
    if raw is None:
        return rubric.missing
    if isinstance(rubric, BandsRubric):
        assert isinstance(raw, Decimal)
        for band in rubric.bands:
            if band.max is None or raw <= Decimal(str(band.max)):
                return band.risk
        raise AssertionError("the last band has no max")  # pragma: no cover - model validator
    assert isinstance(raw, str)
    return rubric.values[raw]  # the model validator guarantees every value is listed


def tier_for(score: Decimal, model: RiskModel) -> Tier:
    if score <= model.thresholds.low_max:
        return "low"
    if score <= model.thresholds.medium_max:
        return "medium"
    return "high"


def _display(raw: Any) -> str:
    if raw is None:
        return "missing"
    if isinstance(raw, Decimal):
        text = format(raw.normalize(_CONTEXT), "f")
        # 1e-300 is finite and allowed, but as fixed-point it is 300 characters: use exponent form.
        return text if len(text) <= 40 else format(raw.normalize(_CONTEXT), "E")
    return str(raw)


def score(
    pack: EvidencePack, model: RiskModel, model_sha256: str, signature: SignatureCheck = NOT_CHECKED
) -> RiskAssessment:
    """`signature` is what checking the artifact's bundle found (`signature_check` measures it)."""
    total_weight = Decimal(sum(f.weight for f in model.factors))
    weighted = Decimal(0)
    lines = []
    for factor in model.factors:
        if factor.measure == "signature_check":
            raw: Decimal | str | None = _checked(signature)
            shown = signature.display()
        else:
            raw = MEASURES[factor.measure](pack)
            shown = _display(raw)
        normalized = normalize(factor, raw)
        part = _CONTEXT.multiply(Decimal(factor.weight), Decimal(normalized))
        weighted = _CONTEXT.add(weighted, part)
        contribution = _CONTEXT.divide(part, total_weight).quantize(_CENT, ROUND_HALF_UP)
        lines.append(
            FactorResult(
                factor=factor.name,
                raw=shown[:200],
                normalized=normalized,
                weight=factor.weight,
                contribution=f"{contribution:.2f}",
            )
        )
    value = _CONTEXT.divide(weighted, total_weight).quantize(_CENT, ROUND_HALF_UP)
    value = min(max(value, Decimal("0.00")), Decimal("100.00"))
    tier = tier_for(value, model)
    override: Literal["model_floor"] | None = None
    for floor in model.floors:
        unmet = [r for r in floor.unless if _unmet(r, pack, signature)]
        lines.append(
            FactorResult(
                factor=floor.name,
                raw=(f"at least {floor.tier}: no " + ", no ".join(unmet) if unmet else "met")[:200],
                normalized=0,
                weight=0,
                contribution="0.00",
            )
        )
        if unmet and _TIER_ORDER.index(tier) < _TIER_ORDER.index(floor.tier):
            tier, override = floor.tier, "model_floor"
    return RiskAssessment(
        score=f"{value:.2f}",
        tier=tier,
        model_version=model.version,
        model_sha256=model_sha256,
        breakdown=lines,
        tier_override=override,
    )
