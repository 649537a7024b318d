"""`cab agenda [--at TIME] [--days N]`: the CAB meeting's agenda as Markdown."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import repo_flags, times


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= value <= 366:
        raise argparse.ArgumentTypeError(f"{value} days is out of range; give 1 to 366")
    return value


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the CAB meeting's agenda as Markdown: pending medium and high changes (oldest first, "
        "from the PR branches this clone has fetched), their rollout conflicts and the changes a "
        "freeze window holds, emergency changes awaiting their retro-review, exceptions expiring soon or "
        "expired, and the decisions of the last "
        "--days days on REF."
    )
    parser.add_argument("--at", type=times.utc_time, metavar="TIME", help="the meeting's time (default: now)")
    parser.add_argument(
        "--days", type=_days, default=7, help="look back this many days for decisions (default 7)"
    )
    parser.add_argument("--ref", default="HEAD")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.git.blobs import GitBlobs
    from bot.domain.agenda import markdown
    from bot.services.agenda import build

    now = args.at or dt.datetime.now(dt.UTC)
    print(markdown(build(GitBlobs.open(args.repo), args.ref, now, args.days)), end="")
    return 0
