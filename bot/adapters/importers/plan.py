"""The change plan: rollout, rollback, install/uninstall, detection, scope and complexity.

No tool produces these, so teams keep a small YAML next to their code and `cab collect --plan`
copies it into the pack. It is read like every governed document (strict YAML, unknown fields are
errors, `path:line:col` messages) and its sections use the evidence pack's own models, so a plan
that loads is a plan the pack accepts. Example:

    apiVersion: cab/v1
    kind: ChangePlan
    install: {command: helm upgrade --install api charts/api, timeout_seconds: 600}
    rollback: {plan: helm rollback api, tested: true}
    complexity: low
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.adapters.importers import detect
from bot.adapters.importers.interface import ToolOutputError, WrongFormatError, read_tool_output
from bot.domain import documents
from bot.domain.errors import InputError, Problem
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


def load(path: Path) -> ChangePlan:
    found = detect.sniff(read_tool_output(path), str(path))
    return from_input(found)


def from_input(found: detect.Input) -> ChangePlan:
    # Text that is no other known format goes to the strict loader, whose errors (a misspelt kind,
    # an unknown field) are more useful than "not a plan".
    if found.format not in (detect.Format.CHANGE_PLAN, detect.Format.OTHER_TEXT):
        raise WrongFormatError(
            [
                Problem(
                    found.source,
                    1,
                    1,
                    f"passed as --plan, but this looks like {found.describe()}; "
                    f"--plan expects {detect.Format.CHANGE_PLAN.value}",
                )
            ]
        )
    try:
        loaded = documents.parse(found.raw, found.source, ChangePlan)
    except InputError as exc:  # re-raised as the importers' own error type, same problems
        raise ToolOutputError(exc.problems) from None
    plan: ChangePlan = loaded.model
    return plan
