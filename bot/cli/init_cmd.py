"""`cab init [DIR]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.writes import writing


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create a CAB repository in DIR (default: .): evidence/, exceptions/, decisions/, "
        "risk-model/v1.1.yaml, .github/CODEOWNERS, the workflows and a README, then a git repository "
        "with the bootstrap commit. Files that exist are kept as they are; a DIR that already is a git "
        "repository with commits gets no commit."
    )
    parser.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--cab-team", metavar="@ORG/TEAM", help="owns decisions/medium/ (the CAB)")
    parser.add_argument("--security-team", metavar="@ORG/TEAM", help="owns decisions/high/ and exceptions/")
    parser.add_argument(
        "--action-ref",
        metavar="OWNER/REPO@SHA",
        help="the cab-bot release commit the workflows run (full 40-character sha)",
    )
    parser.add_argument("--bot-login", help="the bot's account (default: github-actions[bot])")
    parser.add_argument("--bot-name", help="the name on the bot's commits (default: github-actions[bot])")
    parser.add_argument(
        "--bot-email",
        help="the e-mail on the bot's commits (default: GITHUB_TOKEN's, 41898282+github-actions[bot]@…)",
    )
    parser.add_argument("--branch", default="main", help="the default branch (default: main)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services.init_repo import InitOptions, init

    defaults = InitOptions()
    options = InitOptions(
        cab_team=args.cab_team,
        security_team=args.security_team,
        action_ref=args.action_ref,
        bot_login=args.bot_login or defaults.bot_login,
        bot_name=args.bot_name or defaults.bot_name,
        bot_email=args.bot_email or defaults.bot_email,
        branch=args.branch,
    )
    with writing("init", "give a DIR that is a directory you can write, or a new path"):
        report = init(args.directory, options)
    for name in report.files.created:
        print(f"created  {name}")
    for name in report.files.kept:
        print(f"kept     {name} (exists)")
    if report.created_repository:
        print(f"created  a git repository on branch {options.branch}")
    if report.bootstrap_commit:
        print(f"committed the bootstrap commit {report.bootstrap_commit}")
    print("Next:")
    for number, step in enumerate(report.next_steps, 1):
        print(f"  {number}. {step}")
    return 0
