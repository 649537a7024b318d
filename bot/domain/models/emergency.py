"""Emergency changes: who may approve one alone, and how soon the CAB must review it afterwards.

Kept in `policy/emergency.yaml` (kind `EmergencyPolicy`), so, like every policy file, it changes
only through a policy decision. A pack that carries `emergency:` merges with one approval from
`on_call` whatever its tier (`bot.domain.rules.emergency`); the CAB then approves it
retroactively (`/cab retro-approve`) within `retro_review_days`, or the audit reports it overdue.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import CabModel, TeamSlug


class EmergencyPolicy(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["EmergencyPolicy"]
    on_call: Annotated[list[TeamSlug], Field(min_length=1, max_length=20)]  # `@org/team` slugs
    retro_review_days: Annotated[int, Field(ge=1, le=30)]
