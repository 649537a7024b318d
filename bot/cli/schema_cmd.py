"""`cab schema [KIND]`: JSON Schema for editors and other tools."""

from __future__ import annotations

import argparse
import json

from bot.domain.errors import UsageError
from bot.domain.schemas import SCHEMA_FILES, json_schema


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a document kind",
        description="Print the JSON Schema of one document kind (default EvidencePack).",
    )
    parser.add_argument("kind", nargs="?", default="EvidencePack", help=", ".join(SCHEMA_FILES))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.kind not in SCHEMA_FILES:
        raise UsageError(f"unknown kind {args.kind!r}; choose one of: {', '.join(SCHEMA_FILES)}")
    print(json.dumps(json_schema(args.kind), indent=2, sort_keys=True))
    return 0
