"""`cab status`: the queues, read from the repository."""

from __future__ import annotations

import argparse
import dataclasses
import json

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List pending records on PR branches (local and remote-tracking; run `git fetch` "
        "first) by queue — CAB for medium, security for high and exceptions — and decisions on REF."
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="only what waits for review")
    which.add_argument("--decided", action="store_true", help="only decisions")
    parser.add_argument("--ref", default="HEAD", help="the default branch (default: HEAD)")
    repo_flags.add_repo(parser)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.git.blobs import GitBlobs
    from bot.services import demo, queries

    blobs = GitBlobs.open(args.repo)
    entries = []
    if not args.decided:
        entries += queries.pending(blobs, args.ref)
    if not args.pending:
        entries += queries.decided(blobs, args.ref)
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
            print()
        else:
            print(f"{title} ({len(group)}):")
            print(demo.table(group))
            print()
    if not entries:
        print("nothing pending and nothing decided")
    return 0
