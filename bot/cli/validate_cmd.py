"""`cab validate [PATH…]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import repo_flags
from bot.services.validate import discover, validate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check governed YAML files against their schemas and the repository layout",
        description="Validate evidence packs, exceptions, risk models and decisions. Exit 0 if all "
        "are valid, 2 otherwise; every problem is printed as path:line:col: message.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files to check (default: everything under evidence/, exceptions/, risk-model/ and decisions/)",
    )
    repo_flags.add_repo(parser, deprecated=["--root"])
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    paths = list(args.paths) or list(discover(args.repo))
    report = validate(paths, args.repo)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    bad = len({p.source for p in report.problems})
    print(f"{len(report.checked) - bad} valid, {bad} invalid")
    return 0 if report.ok else 2
