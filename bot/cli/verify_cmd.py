"""`cab verify CHANGE-ID`: the gate a deployment pipeline calls."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Exit 0 only if CHANGE-ID has an approved or conditional decision on REF whose "
        "evidence still hashes to the recorded value and whose exceptions have not expired. Exit 1 "
        "with the reason otherwise, 2 on bad input."
    )
    parser.add_argument("change_id", metavar="CHANGE-ID")
    parser.add_argument("--ref", default="HEAD", help="branch or commit to check (default: HEAD)")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.git.blobs import GitBlobs
    from bot.services.queries import verify_change

    verdict = verify_change(GitBlobs.open(args.repo), args.ref, args.change_id, dt.datetime.now(dt.UTC))
    print(("ok: " if verdict.ok else "not approved: ") + verdict.reason)
    return 0 if verdict.ok else 1
