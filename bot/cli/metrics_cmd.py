"""`cab metrics [--since TIME] [--format text|json|markdown|html]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from bot.cli import repo_flags, times


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Change volume by tier and outcome, lead time from submission to decision (p50/p90), time "
        "waiting for the CAB and for security, rejection rate and exceptions open, from REF's history."
    )
    parser.add_argument(
        "--since", type=times.utc_time, metavar="TIME", help="only changes decided at or after TIME"
    )
    parser.add_argument(
        "--at", type=times.utc_time, metavar="TIME", help="count exceptions open at TIME (default: now)"
    )
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot import __version__
    from bot.adapters.environment import bot_identity
    from bot.domain import metrics, metrics_html
    from bot.services.metrics import run

    now = args.at or dt.datetime.now(dt.UTC)
    found = run(args.repo, bot_identity(), now, args.ref, args.since)
    if args.format == "json":
        print(json.dumps(found.as_dict(), indent=2))
    elif args.format == "html":
        print(metrics_html.render(found, f"cab {__version__}"), end="")
    else:
        print(metrics.markdown(found) if args.format == "markdown" else metrics.text(found))
    return 0
