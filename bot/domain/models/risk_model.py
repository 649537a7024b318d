"""The risk model as data: factors, weights, rubrics and tier thresholds.

Python only knows how to *measure* a raw value from evidence (a fixed vocabulary of measures);
how raw values map to risk, how factors weigh and where tiers start all live in
`risk-model/vX.Y.yaml`, so changing the model is a reviewed data change, never a code change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bot.domain.models.base import CabModel, Text

Risk = Annotated[int, Field(ge=0, le=100)]
Measure = Literal[
    "vulnerability_points",
    "coverage_percent",
    "test_failures",
    "pilot_result",
    "rollback_readiness",
    "affected_components",
    "affected_users",
    "complexity",
    "signature",
    "signature_check",
    "sbom",
    "sourced_vulnerability_points",
    "sourced_coverage_percent",
    "sourced_test_failures",
    "sourced_sbom",
    "policy_violations",
    "missing_sections",
]

# What each measure yields: a number (scored by bands) or one of a closed set of values (scored by
# a values table that must name every one of them, so no value can fall through unscored).
ENUM_MEASURES: dict[str, frozenset[str]] = {
    "pilot_result": frozenset({"passed", "not_run", "partial", "failed"}),
    "rollback_readiness": frozenset({"tested", "untested"}),
    "complexity": frozenset({"low", "medium", "high"}),
    "signature": frozenset({"verified", "unverified"}),
    "signature_check": frozenset({"verified", "unverified"}),
    "sbom": frozenset({"present"}),
    "sourced_sbom": frozenset({"present"}),
}
# What a floor may require; each is a fact about the evidence's proof, not about its numbers.
Requirement = Literal["vulnerability_scan_attached", "test_results_attached", "signature_verified"]


class Band(CabModel):
    """Raw values up to and including `max` map to `risk`; the last band has no max."""

    max: float | None = Field(default=None, allow_inf_nan=False)
    risk: Risk


class BandsRubric(CabModel):
    type: Literal["bands"]
    bands: list[Band] = Field(min_length=1, max_length=20)
    missing: Risk

    @model_validator(mode="after")
    def _bands_are_ordered_and_total(self) -> BandsRubric:
        bounds = [band.max for band in self.bands[:-1]]
        if any(bound is None for bound in bounds):
            raise ValueError("only the last band may omit max")
        if self.bands[-1].max is not None:
            raise ValueError("the last band must omit max so every value has a risk")
        numeric = [Decimal(str(b)) for b in bounds if b is not None]
        if numeric != sorted(set(numeric)):
            raise ValueError("band max values must be strictly increasing")
        return self


class ValuesRubric(CabModel):
    type: Literal["values"]
    values: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], Risk] = Field(min_length=1)
    missing: Risk


class Factor(CabModel):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")]
    description: Text
    measure: Measure
    weight: Annotated[int, Field(ge=0, le=1000)]
    rubric: Annotated[BandsRubric | ValuesRubric, Field(discriminator="type")]

    @model_validator(mode="after")
    def _rubric_fits_measure(self) -> Factor:
        values = ENUM_MEASURES.get(self.measure)
        if values is None and not isinstance(self.rubric, BandsRubric):
            raise ValueError(f"measure {self.measure} is a number: use a bands rubric")
        if values is not None:
            if not isinstance(self.rubric, ValuesRubric):
                raise ValueError(f"measure {self.measure} is one of {sorted(values)}: use a values rubric")
            if set(self.rubric.values) != values:
                raise ValueError(f"values for {self.measure} must be exactly {sorted(values)}")
        return self


class Thresholds(CabModel):
    """Score ≤ low_max is low, ≤ medium_max is medium, above is high."""

    low_max: Risk
    medium_max: Risk

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.low_max < self.medium_max:
            raise ValueError("low_max must be below medium_max")
        return self


class Floor(CabModel):
    """A minimum tier, whatever the score, unless the pack meets every requirement listed.

    This is how a model says "auto-approval needs proof": a pack without an attached scan, attached
    test results or a verified signature is at least `tier`. Shown in the breakdown as a line of
    weight 0 that says which requirements are unmet.
    """

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")]
    description: Text
    tier: Literal["medium", "high"]
    unless: list[Requirement] = Field(min_length=1, max_length=10)


class RiskModel(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["RiskModel"]
    version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+$")]
    description: Text
    thresholds: Thresholds
    factors: list[Factor] = Field(min_length=1, max_length=50)
    floors: list[Floor] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _factors_are_unique_and_weighted(self) -> RiskModel:
        names = [f.name for f in self.factors] + [f.name for f in self.floors]
        if len(names) != len(set(names)):
            raise ValueError("factor and floor names must be unique")
        if sum(f.weight for f in self.factors) == 0:
            raise ValueError("at least one factor must have a weight above 0")
        return self
