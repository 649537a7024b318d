"""`cab submit EVIDENCE --github OWNER/NAME [--base main]` (token from GITHUB_TOKEN)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.cli import repo_flags
from bot.domain.errors import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.usage = "%(prog)s [-h] EVIDENCE --github OWNER/NAME [--base BASE]"
    parser.description = (
        "Validate EVIDENCE, then create branch cab/<change-id> in the CAB repository, commit the "
        "pack at evidence/<yyyy-mm>/<change-id>.yaml and open its PR. Safe to re-run. The token comes from "
        "GITHUB_TOKEN (or a GitHub App: CAB_APP_ID, CAB_APP_PRIVATE_KEY, CAB_APP_INSTALLATION_ID); "
        "GITHUB_API_URL selects GitHub Enterprise Server. Exit 0 done, 2 invalid input, 3 GitHub failed."
    )
    parser.add_argument("evidence", type=Path, metavar="EVIDENCE")
    repo_flags.add_github(parser, help="the CAB repository on GitHub (required)", submit_repo=True)
    parser.add_argument("--base", default="main", help="branch to propose the change to (default: main)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters import files
    from bot.adapters.environment import bot_identity
    from bot.adapters.forge.github import GitHubForge
    from bot.adapters.forge.github_client import DEFAULT_API_URL, auth_from_env
    from bot.domain.models import EvidencePack
    from bot.services.submit import submit

    if args.github is None:  # not `required=True`: the deprecated `--repo OWNER/NAME` also sets it
        raise UsageError("cab submit: the following arguments are required: --github OWNER/NAME")
    files.load(args.evidence, EvidencePack)  # invalid input fails before any credential or call
    env = dict(os.environ)
    forge = GitHubForge(
        args.github,
        auth=auth_from_env(env),
        identity=bot_identity(env),
        base_url=env.get("GITHUB_API_URL", DEFAULT_API_URL),
    )
    done = submit(forge, args.evidence, base=args.base)
    print(f"PR #{done.number}: {done.path} on {done.branch} at {done.head}")
    return 0
