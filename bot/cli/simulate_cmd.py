"""`cab simulate --model FILE [--since REV]`: re-score past decisions under a proposed model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Re-score every past decision on REF under a proposed risk model and print how many move "
        "between tiers (a tier-shift matrix), which ones, and the score deltas. Nothing is written."
    )
    parser.add_argument("--model", type=Path, required=True, help="the proposed risk model file")
    parser.add_argument("--since", metavar="REV", help="only decisions that landed after REV")
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters import files
    from bot.adapters.git.blobs import GitBlobs
    from bot.domain import simulation
    from bot.services import simulate

    raw = files.read_file_bytes(args.model)
    sim = simulate.run(GitBlobs.open(args.repo), args.ref, raw, str(args.model), args.since)
    if args.format == "json":
        print(json.dumps(sim.as_dict(), indent=2))
    else:
        print(simulation.markdown(sim) if args.format == "markdown" else simulation.text(sim))
    return 0
