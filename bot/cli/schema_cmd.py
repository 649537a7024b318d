"""`cab schema [KIND]`: JSON Schema for editors and other tools."""

from __future__ import annotations

import argparse
import json

from bot.domain.errors import UsageError

# The kinds bot.domain.schemas.SCHEMA_FILES knows, named here so `--help` needs no models
# (tests/test_cli_startup.py checks that the two agree).
KINDS = (
    "EvidencePack",
    "Exception",
    "RiskModel",
    "Decision",
    "ExceptionDecision",
    "PolicyDecision",
    "Signers",
    "History",
    "StandardChange",
    "EmergencyPolicy",
    "RetroApproval",
    "FreezeCalendar",
    "ChangePlan",
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the JSON Schema of one document kind (default EvidencePack)."
    parser.add_argument("kind", nargs="?", default="EvidencePack", help=", ".join(KINDS))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.domain.schemas import SCHEMA_FILES, json_schema

    if args.kind not in SCHEMA_FILES:
        raise UsageError(f"unknown kind {args.kind!r}; choose one of: {', '.join(SCHEMA_FILES)}")
    print(json.dumps(json_schema(args.kind), indent=2, sort_keys=True))
    return 0
