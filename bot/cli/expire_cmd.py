"""`cab expire`: the scheduled sweep, run locally against a sandbox forge."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import repo_flags
from bot.cli.times import utc_time
from bot.domain.errors import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Open or update one tracking issue listing exceptions that expire within 7 days "
        "or have expired. On GitHub `cab action` runs this on schedule; locally it runs against a "
        "sandbox forge (--sandbox DIR, e.g. a `cab demo` repository)."
    )
    parser.add_argument(
        "--sandbox",
        type=repo_flags.existing_directory,
        required=True,
        metavar="DIR",
        help="the sandbox forge: a repository made by `cab demo`",
    )
    parser.add_argument("--branch", default="main")
    parser.add_argument(
        "--at",
        type=utc_time,
        metavar="TIME",
        help="evaluate at this time (ISO 8601 with time zone; default now)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import git

    from bot.adapters.environment import bot_identity
    from bot.adapters.forge.sandbox import SandboxForge
    from bot.services import expiry_sweep as expiry

    identity = bot_identity()
    try:
        forge = SandboxForge(args.sandbox, identity, lambda: dt.datetime.now(dt.UTC))
    except git.InvalidGitRepositoryError:  # the adapter reports "not a sandbox forge" for a plain repository
        raise UsageError(f"cab expire: --sandbox {args.sandbox}: not a git repository") from None
    report = expiry.run(forge, now=args.at or dt.datetime.now(dt.UTC), identity=identity, branch=args.branch)
    print(report.summary() + (f"; tracking issue #{report.issue}" if report.issue else ""))
    return 0
