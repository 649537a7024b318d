"""`cab audit [--since REV] [--anchor SHA] [--format text|json|markdown|html] [-o FILE] [--online]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.audit import report_html, report_json, report_markdown, report_text
from bot.audit.service import AuditOptions, run
from bot.errors import UsageError
from bot.identity import bot_identity

RENDERERS = {
    "text": report_text.render,
    "json": report_json.render,
    "markdown": report_markdown.render,
    "html": report_html.render,
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="re-verify every decision on the branch from git history alone",
        description="Walk the branch's first-parent history and re-verify every decision: evidence "
        "hashes, re-scoring, approvals against CODEOWNERS, exceptions, the hash chain, governed files "
        "and merge trailers. Exit 0 with no findings, 1 with findings, 2 on usage errors or when the "
        "repository cannot be audited (e.g. a shallow clone).",
    )
    parser.add_argument("--repo", type=Path, default=Path("."), help="repository to audit (default: .)")
    parser.add_argument("--ref", default="HEAD", help="branch to audit (default: HEAD)")
    parser.add_argument("--since", metavar="REV", help="audit only commits after REV (no chain start check)")
    parser.add_argument("--anchor", metavar="SHA", help="a recorded commit that must still be an ancestor")
    parser.add_argument("--format", choices=tuple(RENDERERS), default="text")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--no-cache", action="store_true", help="ignore and do not write the incremental cache"
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="cross-check reviews and teams with GitHub (not implemented yet)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.online:
        raise UsageError(
            "cab audit: --online (cross-checking review ids and team membership with the GitHub API) "
            "is not implemented yet; run without --online for the offline audit"
        )
    report = run(
        AuditOptions(
            root=args.repo,
            bot=bot_identity(),
            ref=args.ref,
            since=args.since,
            anchor=args.anchor,
            use_cache=not args.no_cache,
        )
    )
    text = RENDERERS[args.format](report)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write the report: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0 if report.ok else 1
