"""`cab audit [--since REV] [--anchor SHA] [--format text|json|markdown|html] [-o FILE]
[--online [--github-repo OWNER/NAME]]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters.environment import bot_identity
from bot.domain.errors import UsageError
from bot.services.audit import report_html, report_json, report_markdown, report_text
from bot.services.audit.service import AuditOptions, run

if TYPE_CHECKING:
    from bot.services.audit.online import GitHubFacts

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
        "and merge trailers. With --online, also cross-check the recorded review ids and teams with the "
        "GitHub API (GITHUB_TOKEN; GITHUB_REPOSITORY or --github-repo). Exit 0 with no findings, 1 with "
        "findings, 2 on usage errors or when the repository cannot be audited (e.g. a shallow clone), "
        "3 when GitHub cannot be read.",
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
        help="also cross-check recorded review ids and teams with the GitHub API (needs GITHUB_TOKEN)",
    )
    parser.add_argument(
        "--github-repo",
        metavar="OWNER/NAME",
        help="the GitHub repository for --online (default: $GITHUB_REPOSITORY)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    online = _online_facts(args)
    report = run(
        AuditOptions(
            root=args.repo,
            bot=bot_identity(),
            ref=args.ref,
            since=args.since,
            anchor=args.anchor,
            use_cache=not args.no_cache,
            online=online,
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


def _online_facts(args: argparse.Namespace) -> GitHubFacts | None:
    """The GitHub reader for --online, checked before the (possibly long) offline audit starts."""
    if not args.online:
        if args.github_repo:
            raise UsageError("cab audit: --github-repo is only used with --online")
        return None
    from bot.services.audit.online import GitHubFacts  # the GitHub client only when asked for

    facts = GitHubFacts.from_env(os.environ, args.github_repo)
    facts.check_access()
    return facts
