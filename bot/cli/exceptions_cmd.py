"""`cab exceptions`: accepted-risk exceptions on a branch and where they stand."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json

from bot.cli import repo_flags
from bot.cli.times import utc_time


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List exceptions on REF: active, expiring (within DAYS, default 7), expired, "
        "unapproved (no security approval on record) or rejected."
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--active", action="store_true")
    which.add_argument("--expiring", type=int, metavar="DAYS")
    which.add_argument("--expired", action="store_true")
    parser.add_argument(
        "--at",
        type=utc_time,
        metavar="TIME",
        help="evaluate at this time (ISO 8601 with time zone; default now)",
    )
    parser.add_argument("--ref", default="HEAD")
    repo_flags.add_repo(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.git.blobs import GitBlobs
    from bot.domain.base_branch import exception_states
    from bot.domain.rules.exception_status import statuses

    blobs = GitBlobs.open(args.repo)
    warn = args.expiring if args.expiring is not None else 7
    found = statuses(
        exception_states(blobs, blobs.resolve(args.ref)), args.at or dt.datetime.now(dt.UTC), warn
    )
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
