"""RiskModel: a model is data, and only a total, ordered, weighted model is accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain import documents
from bot.domain.models import RiskModel
from bot.domain.models.risk_model import ENUM_MEASURES
from tests.builders import REMOVE, changed, two_factor_model
from tests.model_checks import accepts, rejection

ROOT = Path(__file__).resolve().parent.parent


def v1_0() -> dict[str, Any]:
    data: dict[str, Any] = documents.parse((ROOT / "risk-model" / "v1.0.yaml").read_bytes(), "v1.0.yaml").data
    return data


def test_shipped_model_is_valid_and_names_every_required_factor() -> None:
    model = RiskModel.model_validate(v1_0())
    assert {f.measure for f in model.factors} >= {
        "vulnerability_points",
        "coverage_percent",
        "test_failures",
        "pilot_result",
        "rollback_readiness",
        "affected_components",
        "affected_users",
        "complexity",
        "signature",
        "sbom",
        "policy_violations",
    }
    assert (model.thresholds.low_max, model.thresholds.medium_max) == (50, 75)


def test_shipped_vulnerability_rubric_is_the_seed_plans() -> None:
    factor = next(f for f in RiskModel.model_validate(v1_0()).factors if f.measure == "vulnerability_points")
    bands = [(b.max, b.risk) for b in factor.rubric.bands]  # type: ignore[union-attr]
    assert bands == [(0, 0), (3, 20), (7, 50), (None, 100)]


def test_small_test_model_is_valid() -> None:
    accepts(RiskModel, two_factor_model((1, 99)))


def _first_factor(edits: dict[str, Any]) -> dict[str, Any]:
    return changed(v1_0(), {f"factors.0.{k}": v for k, v in edits.items()})


@pytest.mark.parametrize(
    ("edits", "fragment"),
    [
        (
            {"rubric.bands": [{"max": 3, "risk": 20}, {"max": 0, "risk": 0}, {"risk": 100}]},
            "strictly increasing",
        ),
        (
            {"rubric.bands": [{"max": 3, "risk": 20}, {"max": 3, "risk": 30}, {"risk": 100}]},
            "strictly increasing",
        ),
        ({"rubric.bands": [{"max": 0, "risk": 0}, {"max": 3, "risk": 20}]}, "last band must omit max"),
        ({"rubric.bands": [{"risk": 0}, {"risk": 100}]}, "only the last band may omit max"),
        ({"rubric.bands": [{"max": 0, "risk": 101}, {"risk": 100}]}, "less than or equal to 100"),
        ({"rubric.missing": -1}, "greater than or equal to 0"),
        ({"rubric.bands": []}, "at least 1 item"),
        ({"weight": -1}, "greater than or equal to 0"),
        ({"weight": 1.5}, "valid integer"),
        ({"measure": "gut_feeling"}, "Input should be"),
        ({"rubric": {"type": "values", "values": {"a": 1}, "missing": 0}}, "use a bands rubric"),
        ({"rubric.type": "curve"}, "does not match any of the expected tags"),
        ({"name": "Vulnerabilities"}, "should match pattern"),
    ],
)
def test_factor_rejects(edits: dict[str, Any], fragment: str) -> None:
    loc, message = rejection(RiskModel, _first_factor(edits))
    assert loc.startswith("factors.0")
    assert fragment in message


@pytest.mark.parametrize("measure", sorted(ENUM_MEASURES))
def test_values_rubric_must_name_exactly_every_value(measure: str) -> None:
    values = dict.fromkeys(sorted(ENUM_MEASURES[measure]), 10)
    rubric = {"type": "values", "values": values, "missing": 50}
    accepts(RiskModel, _first_factor({"measure": measure, "rubric": rubric}))
    incomplete = {"type": "values", "values": dict(list(values.items())[1:]) or {"other": 1}, "missing": 50}
    assert (
        "must be exactly"
        in rejection(RiskModel, _first_factor({"measure": measure, "rubric": incomplete}))[1]
    )


def test_enum_measure_cannot_use_bands() -> None:
    edits = {"measure": "complexity", "rubric": {"type": "bands", "bands": [{"risk": 1}], "missing": 1}}
    assert "use a values rubric" in rejection(RiskModel, _first_factor(edits))[1]


@pytest.mark.parametrize(
    ("edits", "loc", "fragment"),
    [
        ({"thresholds.low_max": 75}, "thresholds", "low_max must be below medium_max"),
        ({"thresholds.medium_max": 101}, "thresholds.medium_max", "less than or equal to 100"),
        ({"thresholds.low_max": REMOVE}, "thresholds.low_max", "Field required"),
        ({"version": 1.1}, "version", "valid string"),
        ({"version": "1.0.0"}, "version", "should match pattern"),
        ({"factors": []}, "factors", "at least 1 item"),
        ({"factors.1.name": "vulnerabilities"}, "", "factor and floor names must be unique"),
        ({"tier_override": "low"}, "tier_override", "Extra inputs"),
    ],
)
def test_model_rejects(edits: dict[str, Any], loc: str, fragment: str) -> None:
    got_loc, message = rejection(RiskModel, changed(v1_0(), edits))
    assert (got_loc, fragment in message) == (loc, True), message


def test_model_with_no_weight_at_all_is_rejected() -> None:
    doc = v1_0()
    doc = changed(doc, {f"factors.{i}.weight": 0 for i in range(len(doc["factors"]))})
    assert "at least one factor must have a weight above 0" in rejection(RiskModel, doc)[1]
