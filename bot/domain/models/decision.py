"""Decision records: written by the bot only, one per change, chained by sha256."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import (
    CabModel,
    ChangeId,
    GitSha,
    Login,
    Name,
    Sha256,
    TeamSlug,
    Text,
    UtcTime,
)
from bot.domain.outcomes import APPROVING_OUTCOMES as APPROVING_OUTCOMES
from bot.domain.outcomes import FINAL_OUTCOMES as FINAL_OUTCOMES
from bot.domain.patterns import EVIDENCE_PATH_PATTERN, SCORE_PATTERN

Tier = Literal["low", "medium", "high"]
Outcome = Literal["pending", "auto_approved", "standard", "emergency", "approved", "conditional", "rejected"]
ScoreText = Annotated[str, Field(pattern=SCORE_PATTERN)]


class FactorResult(CabModel):
    """One line of the breakdown. Numbers are decimal strings so they round-trip exactly."""

    factor: Name
    raw: Annotated[str, Field(max_length=200)]
    normalized: int
    weight: int
    contribution: ScoreText


class RiskAssessment(CabModel):
    score: ScoreText
    tier: Tier
    model_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+$")]
    model_sha256: Sha256
    breakdown: list[FactorResult]
    # Set when the tier is not the score's: a PR that changes policy is always high; a model's
    # floor raises a pack that lacks the proof the floor requires.
    tier_override: Literal["policy_change", "model_floor"] | None = None

    @property
    def score_decimal(self) -> Decimal:
        return Decimal(self.score)


class EvidenceRef(CabModel):
    path: Annotated[str, Field(pattern=EVIDENCE_PATH_PATTERN)]
    sha256: Sha256


class ExceptionRef(CabModel):
    id: ChangeId
    sha256: Sha256
    expires_at: UtcTime


class Approval(CabModel):
    login: Login
    user_id: Annotated[int, Field(ge=1)]
    team: TeamSlug
    team_id: Annotated[int, Field(ge=1)] | None = None
    team_members: list[Login] = Field(default_factory=list)
    review_id: Annotated[int, Field(ge=1)]
    reviewed_sha: GitSha
    evidence_sha256: Sha256
    approved_at: UtcTime


class ChangeAuthor(CabModel):
    """An account that wrote the change, as the bot judged the approvals (`rules.authorship`: a
    commit's author or committer, a co-author, whoever pushed a commit, the PR author): its
    approval would be an approval of its own work. Records written before this field have none."""

    user_id: Annotated[int, Field(ge=1)]
    why: Text


class Member(CabModel):
    login: Login
    user_id: Annotated[int, Field(ge=1)]
    since: UtcTime  # the first sync that saw this account in the team (kept while it stays in)


class TeamMembership(CabModel):
    """An owning team's members as the bot's syncs observed them: the snapshot a decision relied on.

    A review counts only if its reviewer was a recorded member when it was given
    (`bot.domain.rules.membership`); records written before this field existed have none.
    """

    team: TeamSlug
    team_id: Annotated[int, Field(ge=1)] | None = None
    observed_at: UtcTime
    members: list[Member] = Field(default_factory=list)


class PullRequestRef(CabModel):
    number: Annotated[int, Field(ge=1)]
    head_sha: GitSha
    base_sha: GitSha
    author: Login


class StandardChangeRef(CabModel):
    """The template a `standard` decision met, as it was at the decision's base: the audit and the
    gate read that blob there and judge the pack against it again."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
    path: Annotated[str, Field(pattern=r"^policy/standard-changes/[a-z0-9][a-z0-9._-]{2,63}\.yaml$")]
    blob: GitSha


class EmergencyRef(CabModel):
    """An `emergency` decision: the incident, the policy it was approved under (its blob at the base)
    and when the CAB's retroactive review falls due."""

    incident: Name
    policy_blob: GitSha
    on_call: list[TeamSlug] = Field(min_length=1)
    retro_due: UtcTime


class Decision(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["Decision"]
    change_id: ChangeId
    outcome: Outcome
    evidence: EvidenceRef
    risk: RiskAssessment
    exceptions: list[ExceptionRef] = Field(default_factory=list)
    approvals: list[Approval] = Field(default_factory=list)
    conditions: list[Text] = Field(default_factory=list)
    rationale: Text
    decided_at: UtcTime | None = None
    decided_by: Login | None = None
    correlation_id: Name | None = None
    pull_request: PullRequestRef | None = None
    previous: Sha256 | None = None
    membership: list[TeamMembership] = Field(default_factory=list)
    authors: list[ChangeAuthor] = Field(default_factory=list)
    standard_change: StandardChangeRef | None = None
    emergency: EmergencyRef | None = None
