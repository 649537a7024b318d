"""JSON Schemas generated from the models; committed copies live in schemas/ for editors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.domain.models import MODELS_BY_KIND
from bot.domain.models.change_plan import ChangePlan

SCHEMA_FILES = {
    "EvidencePack": "evidence-pack.schema.json",
    "Exception": "exception.schema.json",
    "RiskModel": "risk-model.schema.json",
    "Decision": "decision.schema.json",
    "ExceptionDecision": "exception-decision.schema.json",
    "PolicyDecision": "policy-decision.schema.json",
    "Signers": "signers.schema.json",
    "History": "history.schema.json",
    "StandardChange": "standard-change.schema.json",
    "EmergencyPolicy": "emergency-policy.schema.json",
    "RetroApproval": "retro-approval.schema.json",
    "FreezeCalendar": "freeze-calendar.schema.json",
    "ChangePlan": "change-plan.schema.json",
}
# ChangePlan is not a governed document (it is an input of `cab collect`), so it is not a kind
# the repository's loader dispatches on; it has a schema all the same, for editors.
_MODELS: dict[str, type[BaseModel]] = {**MODELS_BY_KIND, "ChangePlan": ChangePlan}


def json_schema(kind: str) -> dict[str, Any]:
    schema = _MODELS[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://cab-bot.dev/schemas/{SCHEMA_FILES[kind]}"
    return schema
