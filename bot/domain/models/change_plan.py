"""The change plan behind `cab collect --plan`: the sections of a pack that a team writes by hand.

A domain model (not only the importer's) so `cab schema ChangePlan` can print its JSON Schema.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.domain.models.base import CabModel
from bot.domain.models.evidence import Command, Detection, Rollback, Rollout, Scope

PLAN_SECTIONS = ("install", "uninstall", "detection", "rollout", "rollback", "scope", "complexity")


class ChangePlan(CabModel):
    """Sections of an evidence pack that a team writes by hand; all optional, absent stays absent."""

    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["ChangePlan"]
    install: Command | None = None
    uninstall: Command | None = None
    detection: Detection | None = None
    rollout: Rollout | None = None
    rollback: Rollback | None = None
    scope: Scope | None = None
    complexity: Literal["low", "medium", "high"] | None = None
