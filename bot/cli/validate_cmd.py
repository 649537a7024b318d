"""`cab validate [PATH…]`."""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from bot.cli import repo_flags
from bot.domain.errors import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Validate evidence packs, exceptions, risk models and decisions. Exit 0 if all "
        "are valid, 2 otherwise; every problem is printed as path:line:col: message."
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
    from bot.services.validate import discover, validate

    paths = iter(args.paths or discover(args.repo))  # read as they are checked, never all at once
    first = next(paths, None)
    if first is None:  # "0 valid" would read as a pass: a wrong --repo must not look like a clean one
        raise UsageError(
            f"cab validate: nothing to validate under {args.repo} (no evidence/, exceptions/, risk-model/ "
            "or decisions/ files); pass --repo PATH of a CAB repository, or the files to check"
        )
    report = validate(itertools.chain([first], paths), args.repo)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    bad = len({p.source for p in report.problems})
    print(f"{report.checked - bad} valid, {bad} invalid")
    return 0 if report.ok else 2
