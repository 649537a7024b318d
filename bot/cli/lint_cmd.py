"""`cab lint [--repo PATH] [--ref REV]`: CODEOWNERS problems GitHub would not tell you about."""

from __future__ import annotations

import argparse

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Lint the CODEOWNERS file GitHub would read: lines GitHub silently skips (negation, '[ ]', '\\#', "
        "malformed owners), a file over 3 MB, and governed paths without the owners the CAB needs "
        "(decisions/medium/: CAB; decisions/high/, exceptions/: security; risk-model/, policy/, "
        "workflows, CODEOWNERS, bot/, pyproject.toml: both). Exit 0 clean, 1 problems found, 2 bad input."
    )
    parser.add_argument(
        "--ref", metavar="REV", help="lint the file at this revision instead of the work tree"
    )
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services.lint import lint

    linted = lint(args.repo, args.ref)
    for problem in linted.problems:
        print(problem)
    if linted.problems:
        print(f"{linted.source}: {len(linted.problems)} problem(s)")
        return 1
    print(f"{linted.source}: no problems")
    return 0
