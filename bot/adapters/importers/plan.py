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

from bot.adapters.importers import detect
from bot.adapters.importers.interface import ToolOutputError, WrongFormatError, read_tool_output
from bot.domain import documents
from bot.domain.errors import InputError, Problem
from bot.domain.models.change_plan import PLAN_SECTIONS, ChangePlan

__all__ = ["PLAN_SECTIONS", "ChangePlan", "from_input", "load"]


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
