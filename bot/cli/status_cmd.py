"""`cab status`: the queues, read from the repository."""

from __future__ import annotations

import argparse
import dataclasses
import json

from bot.cli import repo_flags

_OLDER = "(older decisions left out: --limit 0 lists them all, --since REV those after REV)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List pending records on PR branches (local and remote-tracking; run `git fetch` "
        "first) by queue — CAB for medium, security for high and exceptions — and decisions on REF."
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="only what waits for review")
    which.add_argument("--decided", action="store_true", help="only decisions")
    parser.add_argument("--ref", default="HEAD", help="the default branch (default: HEAD)")
    parser.add_argument(
        "--limit",
        type=_count,
        default=50,
        metavar="N",
        help="list the N decisions that landed last on REF (default: 50; 0: all of them)",
    )
    parser.add_argument(
        "--since", metavar="REV", help="only decisions that landed on REF after REV (REV..REF)"
    )
    repo_flags.add_repo(parser)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.set_defaults(handler=handle)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a count (0 or more)")
    return int(text)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.git.blobs import GitBlobs
    from bot.services import queries

    blobs = GitBlobs.open(args.repo)
    entries = []
    more = False
    if not args.decided:
        entries += queries.pending(blobs, args.ref)
    if not args.pending:
        page = queries.newest_decided(blobs, args.ref, limit=args.limit, since=args.since)
        entries += page.entries
        more = page.more
    if args.format == "json":
        print(json.dumps([dataclasses.asdict(e) for e in entries], indent=2))
        return 0
    for queue, title in (
        ("cab", "Waiting for the CAB"),
        ("security", "Waiting for security"),
        ("decided", "Decided"),
    ):
        group = [e for e in entries if e.queue == queue]
        if not group:
            continue
        if args.format == "markdown":
            print(f"### {title}\n\n| id | kind | tier | score | outcome | where |\n|---|---|---|---|---|---|")
            for e in group:
                print(f"| `{e.id}` | {e.kind} | {e.tier} | {e.score or '-'} | {e.outcome} | {e.ref} |")
            if queue == "decided" and more:
                print(f"{_OLDER}\n")
            print()
        else:
            print(f"{title} ({len(group)}):")
            print(queries.table(group))
            if queue == "decided" and more:
                print(_OLDER)
            print()
    if not entries:
        print(_nothing(args))
    return 0


def _nothing(args: argparse.Namespace) -> str:
    """What was asked for and found empty; only that, never a claim about what was not looked at."""
    if args.pending:
        return f"nothing pending on any branch but {args.ref} (`cab status --decided` lists what is decided)"
    if args.decided:
        return f"nothing decided on {args.ref}" + (f" since {args.since}" if args.since else "")
    return "nothing pending and nothing decided"
