"""`cab demo [DIR]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.writes import writing


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create a CAB repository with a sandbox forge in DIR (default: a new temporary "
        "directory), take the example changes through it (low auto-approved; medium approved "
        "after a stale approval; high rejected, then approved after an exception; a standard change; "
        "an emergency change and its retro-approval) and print the decisions, the git log with "
        "their trailers, the CAB agenda and the metrics. Needs no network and no GitHub account."
    )
    parser.add_argument("directory", nargs="?", type=Path, metavar="DIR")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import tempfile

    from bot.adapters.environment import bot_identity
    from bot.services import demo, queries

    directory = args.directory or Path(tempfile.mkdtemp(prefix="cab-demo-")) / "cab-repo"
    print(f"CAB demo repository: {directory}\n")
    with writing("demo", "give a DIR that is new or empty and that you can write"):
        report = demo.run(directory, bot_identity(), say=print)
    print("\nDecisions on main:\n")
    print(queries.table(report.decisions))
    print("\ngit log --first-parent --merges main (with trailers):\n")
    print(report.log.rstrip())
    print("\ncab agenda (the CAB's next meeting, at the story's end):\n")
    print(report.agenda.rstrip())
    print("\ncab metrics:\n")
    print(report.metrics.rstrip())
    print(f"\nExplore it: cd {directory} && git log --graph --format='%h %an %s' --all")
    return 0
