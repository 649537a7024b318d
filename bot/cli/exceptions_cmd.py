"""`cab exceptions` and `cab expire`."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json

from bot.adapters.environment import bot_identity
from bot.adapters.forge.sandbox import SandboxForge
from bot.adapters.git.blobs import GitBlobs, RepositoryError
from bot.cli import repo_flags
from bot.domain.base_branch import exception_states
from bot.domain.errors import UsageError
from bot.domain.rules.exception_status import statuses
from bot.services import expiry_sweep as expiry


def _when(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("--at needs a timezone, e.g. 2026-12-01T00:00:00Z")
    return moment


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "exceptions",
        help="list accepted-risk exceptions and where they stand",
        description="List exceptions on REF: active, expiring (within DAYS, default 7), expired, "
        "unapproved (no security approval on record) or rejected.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--active", action="store_true")
    which.add_argument("--expiring", type=int, metavar="DAYS")
    which.add_argument("--expired", action="store_true")
    parser.add_argument("--at", help="evaluate at this time (ISO 8601 with timezone; default now)")
    parser.add_argument("--ref", default="HEAD")
    repo_flags.add_repo(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle_list)

    sweep = subparsers.add_parser(
        "expire",
        help="the scheduled sweep: open or update the expiry tracking issue",
        description="Open or update one tracking issue listing exceptions that expire within 7 days "
        "or have expired. On GitHub `cab action` runs this on schedule; locally it runs against a "
        "sandbox forge (--sandbox DIR, e.g. a `cab demo` repository).",
    )
    sweep.add_argument(
        "--sandbox",
        type=repo_flags.existing_directory,
        required=True,
        metavar="DIR",
        help="the sandbox forge: a repository made by `cab demo`",
    )
    sweep.add_argument("--branch", default="main")
    sweep.add_argument("--at", help="evaluate at this time (ISO 8601 with timezone; default now)")
    sweep.set_defaults(handler=handle_expire)


def handle_list(args: argparse.Namespace) -> int:
    blobs = GitBlobs.open(args.repo)
    warn = args.expiring if args.expiring is not None else 7
    found = statuses(exception_states(blobs, blobs.resolve(args.ref)), _when(args.at), warn)
    if args.active:
        found = [s for s in found if s.state in ("active", "expiring")]
    elif args.expiring is not None:
        found = [s for s in found if s.state == "expiring"]
    elif args.expired:
        found = [s for s in found if s.state == "expired"]
    if args.format == "json":
        rows = [
            {
                **dataclasses.asdict(s),
                "expires_at": s.expires_at.isoformat(),
                "remaining": None,
                "days_left": s.days_left,
            }
            for s in found
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for s in found:
        print(
            f"{s.state:<10} {s.id:<32} expires {s.expires_at.isoformat()}  "
            f"approved by {', '.join(s.approved_by) or '-'}  ({s.scope})"
        )
    if not found:
        print("no exceptions match")
    return 0


def handle_expire(args: argparse.Namespace) -> int:
    identity = bot_identity()
    try:
        forge = SandboxForge(args.sandbox, identity, lambda: dt.datetime.now(dt.UTC))
    except RepositoryError:  # a repository that is no sandbox is the adapter's "not a sandbox forge"
        raise UsageError(f"cab expire: --sandbox {args.sandbox}: not a git repository") from None
    report = expiry.run(forge, now=_when(args.at), identity=identity, branch=args.branch)
    print(report.summary() + (f"; tracking issue #{report.issue}" if report.issue else ""))
    return 0
