"""`cab verify CHANGE-ID [--at TIME] [--ref REF --allow-ref] [--anchor SHA]`: the gate a deployment
pipeline calls."""

from __future__ import annotations

import argparse
import datetime as dt
import re

from bot.cli import repo_flags
from bot.cli.times import EXAMPLE, utc_time


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Exit 0 only if CHANGE-ID has an approved or conditional decision on the default branch "
        "(origin/HEAD, else origin/main, else main), added by the bot's decision merge on its "
        "first-parent line, with an outcome its tier allows, evidence that still hashes to the "
        "recorded value and exceptions that have not expired. Exit 1 with the reason otherwise, "
        "2 on bad input."
    )
    parser.add_argument("change_id", metavar="CHANGE-ID")
    parser.add_argument(
        "--ref",
        default="HEAD",
        help="the commit to check; anything but the default branch's tip is refused (default: HEAD)",
    )
    parser.add_argument(
        "--allow-ref",
        action="store_true",
        help="check --ref even when it is not the default branch (the same rules still apply)",
    )
    parser.add_argument(
        "--anchor",
        type=_commit_id,
        metavar="SHA",
        help="a tip `cab audit --print-anchor` published: refuse every change unless it is still an "
        "ancestor of the default branch (a rewrite that erased a decision is then caught offline)",
    )
    parser.add_argument(
        "--at", type=utc_time, metavar="TIME", help=f"judge expiry at TIME, e.g. {EXAMPLE} (default: now)"
    )
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def _commit_id(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a commit id (7 to 64 hex digits)")
    return text.lower()


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.environment import bot_identity
    from bot.adapters.git.blobs import GitBlobs
    from bot.services.gate import verify_light

    now, bot = args.at or dt.datetime.now(dt.UTC), bot_identity()
    blobs = GitBlobs.open(args.repo)
    kwargs = {"allow_ref": args.allow_ref, "anchor": args.anchor}
    verdict = verify_light(blobs, args.ref, args.change_id, now, bot, **kwargs)
    if verdict is None:  # not "ok" on the light reading: the full reading decides and says why
        from bot.services.queries import verify_change

        verdict = verify_change(blobs, args.ref, args.change_id, now, bot, **kwargs)
    print(("ok: " if verdict.ok else "not approved: ") + verdict.reason)
    return 0 if verdict.ok else 1
