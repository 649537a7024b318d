"""The CAB's retroactive approval of an emergency change: its own decision, in the hash chain.

An emergency change merges with one on-call approval; the CAB then reviews it and a member says
`/cab retro-approve` on its pull request. The bot records that as a `RetroApproval` at
`decisions/retro/<yyyy-mm>/<change-id>.yaml` (the month of the change's evidence) and lands it
with a decision merge of its own, so every first-parent commit stays a bot decision merge.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import CabModel, ChangeId, Login, Sha256, TeamSlug, Text, UtcTime

DECISION_PATH_PATTERN = r"^decisions/(?:low|medium|high)/[0-9]{4}-[0-9]{2}/[a-z0-9][a-z0-9._-]{2,63}\.yaml$"


class DecisionRef(CabModel):
    """The emergency decision approved: its record as the base held it."""

    path: Annotated[str, Field(pattern=DECISION_PATH_PATTERN)]
    sha256: Sha256


class RetroApprover(CabModel):
    """A CAB member's `/cab retro-approve` comment, with the team membership it counted under."""

    login: Login
    user_id: Annotated[int, Field(ge=1)]
    team: TeamSlug
    team_id: Annotated[int, Field(ge=1)] | None = None
    team_members: list[Login] = Field(default_factory=list)
    comment_id: Annotated[int, Field(ge=1)]
    approved_at: UtcTime


class RetroApproval(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["RetroApproval"]
    change_id: ChangeId
    outcome: Literal["approved"]
    decision: DecisionRef
    approvals: Annotated[list[RetroApprover], Field(min_length=1)]
    retro_due: UtcTime
    rationale: Text
    decided_at: UtcTime
    decided_by: Login
    pull_request: Annotated[int, Field(ge=1)]  # the emergency change's pull request, commented on
    previous: Sha256 | None = None
