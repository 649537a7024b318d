"""`cab export --format csv|jsonl|sqlite [-o FILE] [--since TIME] [--until TIME]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import repo_flags, times
from bot.domain.errors import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the population of decisions auditors sample from: one row per change and exception "
        "decision on REF's first-parent history (newest first), each re-verified by the audit. A row "
        "that fails is marked (verified: no, with the problems), never dropped. Exit 0 when every row "
        "verified, 1 when some did not (the export is still complete), 2 on bad input."
    )
    parser.add_argument("--format", choices=("csv", "jsonl", "sqlite"), default="csv")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (required for sqlite)"
    )
    parser.add_argument("--since", type=times.utc_time, metavar="TIME", help="decided at or after TIME")
    parser.add_argument("--until", type=times.utc_time, metavar="TIME", help="decided before TIME")
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--no-cache", action="store_true", help="re-verify without the audit cache")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.environment import bot_identity
    from bot.cli.writes import writing
    from bot.services import export

    if args.format == "sqlite" and args.output is None:
        raise UsageError(
            "cab export: --format sqlite needs -o FILE (a database is not written to a terminal)"
        )
    if args.since and args.until and args.until <= args.since:
        raise UsageError("cab export: --until must be after --since")
    if args.output is not None and args.output.is_dir():
        raise UsageError(f"cab export: {args.output} is a directory; -o takes a file path")
    found = export.rows(args.repo, bot_identity(), args.ref, args.since, args.until, not args.no_cache)
    if args.output is None:
        count, failed = export.write_text(found, args.format, sys.stdout)
    else:
        with writing("export", "choose an -o path you can write"):
            count, failed = export.write_file(found, args.format, args.output)
    where = f" to {args.output}" if args.output else ""
    print(f"cab export: {count} decisions{where}, {failed} failed verification", file=sys.stderr)
    return 1 if failed else 0
