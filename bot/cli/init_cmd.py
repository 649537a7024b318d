"""`cab init [DIR]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.writes import writing


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create evidence/, exceptions/, decisions/, risk-model/v1.0.yaml, a CODEOWNERS "
        "template with team placeholders, the workflows and a README in DIR (default: .). Files that "
        "exist are kept as they are."
    )
    parser.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services.scaffold import scaffold

    with writing("init", "give a DIR that is a directory you can write, or a new path"):
        report = scaffold(args.directory)
    for name in report.created:
        print(f"created  {name}")
    for name in report.kept:
        print(f"kept     {name} (exists)")
    print("Next: replace @example/cab and @example/security in .github/CODEOWNERS with your teams,")
    print("and pin your-org/cab-bot@<sha> in .github/workflows/ to the cab-bot release you trust.")
    return 0
