"""`cab lint [--repo PATH] [--ref REV] [--online [--github OWNER/NAME]]`: CODEOWNERS problems GitHub
would not tell you about."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from bot.cli import repo_flags
from bot.domain.errors import UsageError

if TYPE_CHECKING:
    from bot.adapters.forge.interface import Forge


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Lint the CODEOWNERS file GitHub would read: lines GitHub silently skips (negation, '[ ]', '\\#', "
        "malformed owners), a file over 3 MB, and governed paths without the owners the CAB needs "
        "(decisions/medium/: CAB; decisions/high/, exceptions/: security; risk-model/, policy/, "
        "workflows, CODEOWNERS, bot/, pyproject.toml: both). With --online, also owners that do not exist "
        "or cannot write to the repository (GitHub API; GITHUB_TOKEN). "
        "Exit 0 clean, 1 problems found, 2 bad input."
    )
    parser.add_argument(
        "--ref", metavar="REV", help="lint the file at this revision instead of the work tree"
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also ask GitHub whether each owner exists and has write access (needs GITHUB_TOKEN)",
    )
    repo_flags.add_repo(parser)
    repo_flags.add_github(parser, help="the repository on GitHub, for --online (default: $GITHUB_REPOSITORY)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services.lint import lint

    linted = lint(args.repo, args.ref, online=_forge(args) if args.online else None)
    for problem in linted.problems:
        print(problem)
    if linted.problems:
        print(f"{linted.source}: {len(linted.problems)} problem(s)")
        return 1
    print(f"{linted.source}: no problems")
    return 0


def _forge(args: argparse.Namespace) -> Forge:
    """The GitHub repository `--online` asks: --github, else $GITHUB_REPOSITORY."""
    from bot.adapters.forge.github import GitHubForge

    repository = args.github or os.environ.get("GITHUB_REPOSITORY", "")
    if not repo_flags.is_slug(repository):
        raise UsageError(
            "cab lint --online: no GitHub repository; pass --github OWNER/NAME or set GITHUB_REPOSITORY"
        )
    return GitHubForge.from_env({**os.environ, "GITHUB_REPOSITORY": repository})
