"""The bot's record that security approved (or rejected) an exception: what makes it active."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import CabModel, ChangeId, Login, Sha256, Text, UtcTime
from bot.domain.models.decision import Approval, ChangeAuthor, PullRequestRef, TeamMembership


class ExceptionFileRef(CabModel):
    path: Annotated[str, Field(pattern=r"^exceptions/[0-9]{4}-[0-9]{2}/[a-z0-9][a-z0-9._-]{2,63}\.yaml$")]
    sha256: Sha256


class ExceptionDecision(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["ExceptionDecision"]
    exception_id: ChangeId
    outcome: Literal["pending", "approved", "rejected"]
    exception: ExceptionFileRef
    approvals: list[Approval] = Field(default_factory=list)
    expires_at: UtcTime
    rationale: Text
    decided_at: UtcTime | None = None
    decided_by: Login | None = None
    pull_request: PullRequestRef | None = None
    previous: Sha256 | None = None
    membership: list[TeamMembership] = Field(default_factory=list)
    authors: list[ChangeAuthor] = Field(default_factory=list)  # as on a change's record
