"""JSON Schemas generated from the models; committed copies live in schemas/ for editors."""

from __future__ import annotations

from typing import Any

from bot.domain.models import MODELS_BY_KIND

SCHEMA_FILES = {
    "EvidencePack": "evidence-pack.schema.json",
    "Exception": "exception.schema.json",
    "RiskModel": "risk-model.schema.json",
    "Decision": "decision.schema.json",
    "ExceptionDecision": "exception-decision.schema.json",
    "PolicyDecision": "policy-decision.schema.json",
    "Signers": "signers.schema.json",
}


def json_schema(kind: str) -> dict[str, Any]:
    schema = MODELS_BY_KIND[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://cab-bot.dev/schemas/{SCHEMA_FILES[kind]}"
    return schema
