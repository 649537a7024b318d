"""Scoring: exact decimal arithmetic, documented rounding, tiers at their boundaries, full breakdown."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters import files
from bot.domain import documents
from bot.domain.models import EvidencePack, RiskModel
from bot.domain.models.decision import RiskAssessment
from bot.domain.scoring import MEASURES, score, tier_for
from tests.builders import REMOVE, dump_yaml, evidence_pack, pack_with_risks, two_factor_model

ROOT = Path(__file__).resolve().parent.parent
MODEL_SHA = "ab" * 32
V1_0 = documents.parse((ROOT / "risk-model" / "v1.0.yaml").read_bytes(), "v1.0.yaml", RiskModel)


def scored(pack: dict[str, Any], model: RiskModel | None = None) -> RiskAssessment:
    return score(EvidencePack.model_validate(pack), model or V1_0.model, MODEL_SHA)


def exact(weights: tuple[int, int], a: int, b: int) -> RiskAssessment:
    return scored(pack_with_risks(a, b), RiskModel.model_validate(two_factor_model(weights)))


# --- tiers at their boundaries (two factors, weights 1 and 99: score = (a + 99·b) / 100)


@pytest.mark.parametrize(
    ("a", "b", "expected_score", "tier"),
    [
        (50, 50, "50.00", "low"),
        (51, 50, "50.01", "medium"),
        (75, 75, "75.00", "medium"),
        (76, 75, "75.01", "high"),
        (0, 0, "0.00", "low"),
        (100, 100, "100.00", "high"),
    ],
)
def test_tier_boundaries_are_inclusive_upper_bounds(a: int, b: int, expected_score: str, tier: str) -> None:
    result = exact((1, 99), a, b)
    assert (result.score, result.tier) == (expected_score, tier)


# --- rounding: exact weighted mean, then half-up to cents, and the tier is decided on the rounded score
# (weights 1 and 199: score = (a + 199·b) / 200, so half-cents are reachable)


@pytest.mark.parametrize(
    ("a", "b", "expected_score", "tier"),
    [
        (49, 50, "50.00", "low"),  # 49.995 rounds up to exactly the low boundary
        (51, 50, "50.01", "medium"),  # 50.005 rounds half-up, over the boundary
        (76, 75, "75.01", "high"),  # 75.005
    ],
)
def test_half_cents_round_up_before_the_tier_is_decided(
    a: int, b: int, expected_score: str, tier: str
) -> None:
    result = exact((1, 199), a, b)
    assert (result.score, result.tier) == (expected_score, tier)


def test_tier_for_uses_the_models_thresholds() -> None:
    model = RiskModel.model_validate(two_factor_model((1, 1), low_max=20, medium_max=60))
    assert [tier_for(Decimal(s), model) for s in ("20.00", "20.01", "60.00", "60.01")] == [
        "low",
        "medium",
        "medium",
        "high",
    ]


def test_breakdown_lists_raw_normalized_weight_and_contribution_per_factor() -> None:
    result = exact((1, 99), 51, 50)
    rows = [(r.factor, r.raw, r.normalized, r.weight, r.contribution) for r in result.breakdown]
    assert rows == [("a_users", "51", 51, 1, "0.51"), ("b_failures", "50", 50, 99, "49.50")]
    assert (result.model_version, result.model_sha256) == ("9.0", MODEL_SHA)


def test_zero_weight_factor_is_shown_but_contributes_nothing() -> None:
    result = exact((0, 1), 100, 20)
    assert (result.score, result.breakdown[0].normalized, result.breakdown[0].contribution) == (
        "20.00",
        100,
        "0.00",
    )


# --- the v1.0 model on known packs (hand-checked: every factor's weight * risk / 100)


def test_complete_clean_pack_scores_only_its_one_high_vulnerability() -> None:
    result = scored(evidence_pack())
    assert (result.score, result.tier) == ("4.00", "low")
    assert [r.factor for r in result.breakdown if r.contribution != "0.00"] == ["vulnerabilities"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("evidence/2026-11/payments-api-7.4.2.yaml", ("4.00", "low")),
        ("evidence/2026-11/identity-gateway-3.0.0.yaml", ("63.00", "medium")),
        ("evidence/2026-11/edge-proxy-hotfix.yaml", ("86.50", "high")),
    ],
)
def test_example_scores_under_v1_0_never_change(path: str, expected: tuple[str, str]) -> None:
    pack = files.load(ROOT / path, EvidencePack).model
    result = score(pack, V1_0.model, V1_0.sha256)
    assert (result.score, result.tier) == expected


def test_pack_with_nothing_optional_scores_every_missing_risk() -> None:
    minimal = {k: v for k, v in evidence_pack().items() if k in ("apiVersion", "kind", "change_id", "title")}
    minimal |= {k: evidence_pack()[k] for k in ("requester", "submitted_at")}
    minimal["artifact"] = {"name": "a", "version": "1", "sha256": "0" * 64}
    result = scored(minimal)
    assert all(r.raw == "missing" or r.factor == "completeness" for r in result.breakdown)
    expected = {f.name: f.rubric.missing for f in V1_0.model.factors if f.name != "completeness"}
    assert {r.factor: r.normalized for r in result.breakdown if r.raw == "missing"} == expected
    assert result.tier == "high"


# --- measures


@pytest.mark.parametrize(
    ("critical", "high", "points"), [(0, 0, "0"), (0, 1, "0.5"), (2, 3, "3.5"), (6, 5, "8.5")]
)
def test_critical_counts_full_and_high_counts_half(critical: int, high: int, points: str) -> None:
    pack = evidence_pack(
        {"vulnerability_scan.counts.critical": critical, "vulnerability_scan.counts.high": high},
    )
    pack["vulnerability_scan"]["findings"] = []
    assert MEASURES["vulnerability_points"](EvidencePack.model_validate(pack)) == Decimal(points)


@pytest.mark.parametrize(("points_high", "risk"), [(0, 0), (6, 20), (7, 50), (14, 50), (15, 100)])
def test_vulnerability_bands_of_the_seed_plan(points_high: int, risk: int) -> None:
    pack = evidence_pack({"vulnerability_scan.counts.high": points_high, "vulnerability_scan.findings": []})
    assert scored(pack).breakdown[0].normalized == risk


@pytest.mark.parametrize(
    ("lab", "ring0", "expected"),
    [
        ("passed", "passed", "passed"),
        ("passed", None, "not_run"),
        ("partial", "passed", "partial"),
        ("failed", "partial", "failed"),
        ("not_run", "partial", "partial"),
    ],
)
def test_pilot_result_is_the_worst_stage(lab: str, ring0: str | None, expected: str) -> None:
    ring = {"status": ring0} if ring0 else REMOVE
    pack = EvidencePack.model_validate(evidence_pack({"tests.lab": {"status": lab}, "tests.ring0": ring}))
    assert MEASURES["pilot_result"](pack) == expected


def test_test_failures_add_failed_errored_and_stage_failures() -> None:
    pack = evidence_pack(
        {"tests.failed": 2, "tests.errored": 1, "tests.lab.failures": 3, "tests.ring0.failures": 4},
    )
    assert MEASURES["test_failures"](EvidencePack.model_validate(pack)) == Decimal(10)


def test_empty_component_list_counts_as_missing_scope() -> None:
    pack = EvidencePack.model_validate(evidence_pack({"scope.affected_components": []}))
    assert MEASURES["affected_components"](pack) is None


# --- properties (hypothesis)

counts = st.integers(min_value=0, max_value=40)


@st.composite
def packs(draw: st.DrawFn) -> dict[str, Any]:
    edits: dict[str, Any] = {
        "vulnerability_scan.counts.critical": draw(counts),
        "vulnerability_scan.counts.high": draw(counts),
        "vulnerability_scan.findings": [],
        "tests.coverage_percent": draw(st.floats(min_value=0, max_value=100, allow_nan=False)),
        "tests.failed": draw(counts),
        "tests.lab.status": draw(st.sampled_from(["passed", "failed", "partial", "not_run"])),
        "rollback.tested": draw(st.booleans()),
        "scope.affected_users": draw(st.integers(min_value=0, max_value=10**7)),
        "scope.affected_components": [f"c{i}" for i in range(draw(st.integers(0, 12)))],
        "complexity": draw(st.sampled_from(["low", "medium", "high"])),
        "artifact.signature.verified": draw(st.booleans()),
        "policy.violations": [{"rule": f"r{i}"} for i in range(draw(st.integers(0, 3)))],
    }
    for section in draw(st.sets(st.sampled_from(["sbom", "rollback", "rollout", "detection", "tests"]))):
        edits[section] = REMOVE
    if "tests" in {k for k, v in edits.items() if v is REMOVE}:
        edits = {k: v for k, v in edits.items() if not k.startswith("tests.")}
    return evidence_pack(edits)


def _oracle(pack: dict[str, Any]) -> Decimal:
    """The documented rule, independently: exact rational mean, half-up to cents."""
    result = scored(pack)
    mean = Fraction(
        sum(r.weight * r.normalized for r in result.breakdown), sum(r.weight for r in result.breakdown)
    )
    cents = (mean * 100 + Fraction(1, 2)).__floor__()
    return Decimal(cents) / 100


@settings(max_examples=150, deadline=None)
@given(packs())
def test_score_is_the_half_up_rounded_weighted_mean(pack: dict[str, Any]) -> None:
    result = scored(pack)
    assert Decimal(result.score) == _oracle(pack)
    assert result.tier == tier_for(Decimal(result.score), V1_0.model)


@settings(max_examples=100, deadline=None)
@given(packs())
def test_contributions_add_up_to_the_score_within_rounding(pack: dict[str, Any]) -> None:
    result = scored(pack)
    total = sum(Decimal(r.contribution) for r in result.breakdown)
    assert abs(total - Decimal(result.score)) <= Decimal("0.01") * len(result.breakdown) / 2


@settings(max_examples=100, deadline=None)
@given(packs(), st.integers(min_value=0, max_value=2), st.integers(min_value=0, max_value=5))
def test_same_pack_in_any_formatting_gives_the_same_score(
    pack: dict[str, Any], quote: int, seed: int
) -> None:
    styles: list[dict[str, Any]] = [
        {},
        {"quote": [None, '"', "'"][quote], "flow": None, "indent": 4, "sort_keys": True},
        {"comments": True, "blank_lines": True, "seed": seed, "quote": "'"},
    ]
    results = [
        score(
            documents.parse(dump_yaml(pack, **style).encode(), "p.yaml", EvidencePack).model,
            V1_0.model,
            MODEL_SHA,
        )
        for style in styles
    ]
    assert results[0] == results[1] == results[2] == scored(pack)


@settings(max_examples=100, deadline=None)
@given(packs())
def test_one_more_critical_vulnerability_never_lowers_the_score(pack: dict[str, Any]) -> None:
    worse = copy.deepcopy(pack)
    worse["vulnerability_scan"]["counts"]["critical"] += 1
    assert Decimal(scored(worse).score) >= Decimal(scored(pack).score)


def test_extreme_but_finite_raw_value_is_shown_in_exponent_form() -> None:
    text = dump_yaml(evidence_pack({"tests.coverage_percent": 12.5})).replace("12.5", "1e-300")
    pack = documents.parse(text.encode(), "p.yaml", EvidencePack).model
    row = next(r for r in score(pack, V1_0.model, MODEL_SHA).breakdown if r.factor == "test_coverage")
    assert (row.raw, row.normalized) == ("1E-300", 100)
