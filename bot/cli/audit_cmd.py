"""`cab audit [--since REV] [--anchor SHA] [--print-anchor] [--format text|json|markdown|html]
[-o FILE] [--at TIME] [--jobs N|auto] [--online [--github OWNER/NAME]] [--repo PATH]`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import repo_flags
from bot.cli.times import EXAMPLE, utc_time
from bot.domain.errors import UsageError

if TYPE_CHECKING:
    from bot.services.audit.online import GitHubFacts
    from bot.services.audit.service import AuditReport

FORMATS = ("text", "json", "markdown", "html")
AUTO_JOBS = "auto"
MAX_AUTO_JOBS = 4  # each process and its git children hold ~60-140 MiB on a 100k history


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Walk the branch's first-parent history and re-verify every decision: evidence "
        "hashes, re-scoring, approvals against CODEOWNERS, exceptions, the hash chain, governed files "
        "and merge trailers. With --online, also cross-check the recorded review ids and teams with the "
        "GitHub API (GITHUB_TOKEN; --github OWNER/NAME or GITHUB_REPOSITORY). Exit 0 with no findings, "
        "1 with findings, 2 on usage errors or when the repository cannot be audited (e.g. a shallow clone), "
        "3 when GitHub cannot be read."
    )
    repo_flags.add_repo(parser, help="the local clone to audit (default: the current directory)")
    parser.add_argument("--ref", default="HEAD", help="branch to audit (default: HEAD)")
    parser.add_argument("--since", metavar="REV", help="audit only commits after REV (no chain start check)")
    parser.add_argument("--anchor", metavar="SHA", help="a recorded commit that must still be an ancestor")
    parser.add_argument(
        "--print-anchor",
        action="store_true",
        help="print one line worth publishing (tip, date, decisions, chain head) instead of the report; "
        "the report still goes to -o FILE; nothing is printed when there are findings",
    )
    parser.add_argument(
        "--at",
        type=utc_time,
        metavar="TIME",
        help=f"the audit's time, for overdue emergency retro-reviews, e.g. {EXAMPLE} (default: now)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--no-cache", action="store_true", help="ignore and do not write the incremental cache"
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=AUTO_JOBS,
        metavar="N",
        help="audit the whole history with N processes, one range of it each; 'auto' (the default) "
        f"uses the cores this process may run on, at most {MAX_AUTO_JOBS}",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also cross-check recorded review ids and teams with the GitHub API (needs GITHUB_TOKEN)",
    )
    repo_flags.add_github(
        parser,
        help="the CAB repository on GitHub, for --online (default: $GITHUB_REPOSITORY)",
        deprecated=["--github-repo"],
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.environment import bot_identity, usable_cores
    from bot.services.audit import report_html, report_json, report_markdown, report_text
    from bot.services.audit.service import AuditOptions, run

    if args.print_anchor and args.since:
        raise UsageError("cab audit: --print-anchor needs the whole history; drop --since")
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
            jobs=jobs_for(args.jobs, usable_cores()),
            now=args.at,
        )
    )
    renderers = {
        "text": report_text.render,
        "json": report_json.render,
        "markdown": report_markdown.render,
    }
    if args.format == "html":
        web = f"https://github.com/{args.github}" if args.github else None
        text = report_html.render(report, generated_at=dt.datetime.now(dt.UTC), web=web)
    else:
        text = renderers[args.format](report)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write the report: {exc.strerror}") from None
    elif not args.print_anchor:
        sys.stdout.write(text)
    if args.print_anchor:
        if report.ok:
            print(anchor_line(report))
        else:
            print(
                f"cab audit: no anchor printed: {len(report.findings)} finding(s); an anchor is worth "
                "publishing only for a history that audits clean",
                file=sys.stderr,
            )
    return 0 if report.ok else 1


def anchor_line(report: AuditReport) -> str:
    """What to publish (a wiki, a ticket, a signed tag message) so that anyone can pass `--anchor`."""
    return (
        f"cab-anchor tip={report.head} date={report.audited_at} decisions={report.stats.decisions} "
        f"chain={report.chain_head or 'none'} root={report.root}"
    )


def _online_facts(args: argparse.Namespace) -> GitHubFacts | None:
    """The GitHub reader for --online, checked before the (possibly long) offline audit starts."""
    if not args.online:
        if args.github and args.format != "html":
            raise UsageError(
                "cab audit: --github is only used with --online, "
                "or with --format html to link commits and PRs"
            )
        return None
    from bot.services.audit.online import GitHubFacts  # the GitHub client only when asked for

    facts = GitHubFacts.from_env(os.environ, _github_repository(args.github, os.environ))
    facts.check_access()
    return facts


def _github_repository(flag: str | None, environ: Mapping[str, str]) -> str:
    """--github, else $GITHUB_REPOSITORY, held to the same OWNER/NAME shape."""
    if flag:
        return flag
    value = environ.get("GITHUB_REPOSITORY", "")
    if not value:
        raise UsageError(
            "cab audit --online: no GitHub repository; pass --github OWNER/NAME or set GITHUB_REPOSITORY"
        )
    if not repo_flags.is_slug(value):
        raise UsageError(
            f"cab audit --online: GITHUB_REPOSITORY={value!r} is not OWNER/NAME; pass --github OWNER/NAME"
        )
    return value


def _jobs(text: str) -> int | str:
    """--jobs N: a whole number from 1 to 64, or auto (argparse makes a refusal a usage error, exit 2)."""
    if text == AUTO_JOBS:
        return text
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 64, nor auto")
    return int(text)


def jobs_for(value: int | str, cores: int) -> int:
    """The processes `--jobs` asks for on a machine where this process may use `cores` cores."""
    return min(cores, MAX_AUTO_JOBS) if value == AUTO_JOBS else int(value)
