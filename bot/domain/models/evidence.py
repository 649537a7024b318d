"""The evidence pack: everything a CAB needs to decide on one change.

Required fields are those without which nobody could decide at all (what, who, which artifact);
everything else is optional because its absence is itself evidence: the risk model scores a
missing rollback plan, SBOM or signature as risk instead of refusing the pack.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bot.domain.models.base import (
    CabModel,
    ChangeId,
    Count,
    Login,
    Name,
    Percent,
    RelativePath,
    Seconds,
    Sha256,
    Text,
    Url,
    UtcTime,
    VulnId,
)

Severity = Literal["critical", "high", "medium", "low", "unknown"]
SourceFormat = Literal[
    "trivy_json", "grype_json", "cyclonedx_json", "spdx_json", "junit_xml", "cobertura_xml", "lcov"
]


class Source(CabModel):
    """An attached tool output a section was derived from; the bot re-derives the section from it."""

    path: RelativePath
    sha256: Sha256
    format: SourceFormat


class Signature(CabModel):
    """How the artifact is signed. `bundle` is the attached Sigstore bundle the bot verifies.

    `verified` is a claim kept so packs decided under risk model v1.0 still parse and re-score the
    same; v1.1 ignores it and scores what checking `bundle` finds (`bot.domain.signature_proof`).
    """

    method: Literal["cosign", "sigstore", "gpg", "x509", "authenticode", "minisign"]
    verified: bool | None = None
    signer: Name | None = None
    reference: Name | None = None
    bundle: RelativePath | None = None


class Artifact(CabModel):
    name: Name
    version: Name
    sha256: Sha256
    size_bytes: Count | None = Field(default=None, le=10**15)
    publisher: Name | None = None
    signature: Signature | None = None


class Sbom(CabModel):
    format: Literal["spdx", "cyclonedx"]
    spec_version: Name | None = None
    component_count: Count
    digest: Sha256 | None = None
    path: RelativePath | None = None
    source: Source | None = None


class SeverityCounts(CabModel):
    critical: Count = 0
    high: Count = 0
    medium: Count = 0
    low: Count = 0


class Finding(CabModel):
    id: VulnId
    severity: Severity
    package: Name | None = None
    installed_version: Name | None = None
    fixed_version: Name | None = None


class VulnerabilityScan(CabModel):
    tool: Name
    tool_version: Name | None = None
    scanned_at: UtcTime | None = None
    counts: SeverityCounts
    findings: list[Finding] = Field(default_factory=list, max_length=10_000)
    sources: list[Source] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _findings_agree_with_counts(self) -> VulnerabilityScan:
        # Findings may be a subset (tools truncate), but never more than the counts claim.
        for severity in ("critical", "high"):
            listed = sum(1 for f in self.findings if f.severity == severity)
            if listed > getattr(self.counts, severity):
                raise ValueError(
                    f"{listed} {severity} findings are listed but counts.{severity} is "
                    f"{getattr(self.counts, severity)}"
                )
        return self


class StageResult(CabModel):
    status: Literal["passed", "failed", "partial", "not_run"]
    devices: Count | None = None
    failures: Count | None = None
    notes: Text | None = None


class QaResults(CabModel):
    """Test evidence (named so pytest does not mistake it for a test class)."""

    coverage_percent: Percent | None = None
    passed: Count = 0
    failed: Count = 0
    errored: Count = 0
    skipped: Count = 0
    lab: StageResult | None = None
    ring0: StageResult | None = None
    sources: list[Source] = Field(default_factory=list, max_length=21)  # JUnit reports and one coverage


class Command(CabModel):
    command: Text
    timeout_seconds: Seconds


class Detection(CabModel):
    method: Literal["file", "registry", "script", "package", "msi_product_code", "http"]
    query: Text


class Ring(CabModel):
    name: Name
    audience: Name | None = None
    percent: Percent | None = None
    hold_hours: Count | None = None


class RolloutWindow(CabModel):
    """When the rollout is planned to run: two open changes to one component whose windows overlap
    are told about each other (bot.domain.rules.rollout_conflicts)."""

    start: UtcTime
    end: UtcTime

    @model_validator(mode="after")
    def _ordered(self) -> RolloutWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Rollout(CabModel):
    rings: list[Ring] = Field(min_length=1, max_length=50)
    window: RolloutWindow | None = None


class Rollback(CabModel):
    plan: Text
    tested: bool = False
    estimated_minutes: Count | None = None
    steps: list[Text] = Field(default_factory=list, max_length=100)


class Scope(CabModel):
    affected_components: list[Name] = Field(default_factory=list, max_length=1000)
    affected_users: Count | None = None


class PolicyViolation(CabModel):
    rule: Name
    message: Text | None = None


class PolicyResult(CabModel):
    tool: Name | None = None
    violations: list[PolicyViolation] = Field(default_factory=list, max_length=1000)


class Link(CabModel):
    title: Name
    url: Url


class Emergency(CabModel):
    """Why this change cannot wait for the CAB: the incident it answers (`bot.domain.rules.emergency`)."""

    incident: Name
    justification: Text


class EvidencePack(CabModel):
    """One change's evidence; the file name is its change id."""

    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["EvidencePack"]
    change_id: ChangeId
    title: Name
    requester: Login
    submitted_at: UtcTime
    correlation_id: Name | None = None
    description: Text | None = None
    artifact: Artifact
    sbom: Sbom | None = None
    vulnerability_scan: VulnerabilityScan | None = None
    tests: QaResults | None = None
    install: Command | None = None
    uninstall: Command | None = None
    detection: Detection | None = None
    rollout: Rollout | None = None
    rollback: Rollback | None = None
    scope: Scope | None = None
    complexity: Literal["low", "medium", "high"] | None = None
    policy: PolicyResult | None = None
    exceptions: list[ChangeId] = Field(default_factory=list, max_length=20)
    links: list[Link] = Field(default_factory=list, max_length=50)
    # A standard-change template under policy/standard-changes/ this change claims to meet.
    standard_change: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")] | None = None
    emergency: Emergency | None = None
    # earlier changes this one repairs (fix forward) or reverts: they count as failed changes
    fixes: list[ChangeId] = Field(default_factory=list, max_length=20)
    rolls_back: ChangeId | None = None

    @model_validator(mode="after")
    def _repairs_another_change(self) -> EvidencePack:
        if self.change_id in self.fixes or self.rolls_back == self.change_id:
            raise ValueError(f"{self.change_id} cannot fix or roll back itself")
        return self

    @property
    def missing_sections(self) -> tuple[str, ...]:
        """Optional sections a CAB expects but this pack lacks: the pack's incompleteness."""
        expected = (
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
        missing = [name for name in expected if getattr(self, name) is None]
        if self.artifact.signature is None:
            missing.insert(0, "artifact.signature")
        return tuple(missing)

    @property
    def completeness_percent(self) -> int:
        total = 11  # the ten sections above plus the signature
        return round(100 * (total - len(self.missing_sections)) / total)
