"""`cab sandbox create|submit|push|review|comment|sync|list`: your own pack through the lifecycle,
offline, on the sandbox forge, before touching GitHub. Argument parsing only; the steps are in
bot.services.sandbox_session.

After each person's step the bot runs, as the Action would on GitHub, and prints what it did in
the words of its PR comment (`--no-sync` holds it back until `cab sandbox sync N`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from bot.cli import repo_flags
from bot.domain.errors import UsageError

LOGIN_HELP = "the user who acts (added to the sandbox if new)"


def team_spec(text: str) -> tuple[str, tuple[str, ...]]:
    """argparse type of `--team`: `ORG/TEAM=LOGIN,LOGIN`."""
    slug, sep, members = text.partition("=")
    logins = tuple(m.strip() for m in members.split(",") if m.strip())
    if not sep or "/" not in slug or not logins:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not ORG/TEAM=LOGIN[,LOGIN…] (e.g. example/cab=bob,dana)"
        )
    return slug.strip(), logins


def pr_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a pull request number (e.g. 1; see `cab sandbox list`)"
        )
    return int(text)


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox",
        type=repo_flags.existing_directory,
        default=Path("."),
        metavar="DIR",
        help="the sandbox made by `cab sandbox create` (default: the current directory)",
    )


def _acting(parser: argparse.ArgumentParser) -> None:
    _where(parser)
    parser.add_argument("--as", dest="login", required=True, metavar="LOGIN", help=LOGIN_HELP)
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="do not run the bot afterwards (run `cab sandbox sync N` later)",
    )


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Take your own evidence pack through the lifecycle on a local sandbox forge, with no "
        "network: create a sandbox, open a pull request, push, review, comment, and see what the "
        "bot answers, in the words of its PR comment."
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", parser_class=type(parser))
    steps.required = True

    create = steps.add_parser("create", help="a new sandbox forge in DIR, with teams and members")
    create.add_argument("directory", type=Path, metavar="DIR", help="a new or empty directory")
    create.add_argument(
        "--team",
        type=team_spec,
        action="append",
        default=[],
        metavar="ORG/TEAM=LOGIN,…",
        help="a team and its members, as CODEOWNERS names it (repeatable; default: the shipped "
        "CODEOWNERS' example/cab=bob-cab,dana-cab and example/security=sec-sam)",
    )
    create.add_argument(
        "--user", action="append", default=[], metavar="LOGIN", help="another user (repeatable)"
    )
    create.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="REPO",
        help="start main from this CAB repository's CODEOWNERS, risk model and policy (e.g. made by "
        "`cab init`; default: the shipped ones)",
    )
    create.set_defaults(handler=handle_create)

    submit = steps.add_parser(
        "submit", help="open a pull request that adds FILE (an evidence pack or exception)"
    )
    submit.add_argument("file", type=Path, metavar="FILE")
    _acting(submit)
    submit.set_defaults(handler=handle_submit)

    push = steps.add_parser("push", help="push FILEs to pull request N's branch")
    push.add_argument("number", type=pr_number, metavar="N")
    push.add_argument("files", type=Path, nargs="+", metavar="FILE")
    _acting(push)
    push.set_defaults(handler=handle_push)

    review = steps.add_parser("review", help="approve pull request N or request changes")
    review.add_argument("number", type=pr_number, metavar="N")
    review.add_argument("verdict", choices=("approve", "request-changes"))
    _acting(review)
    review.set_defaults(handler=handle_review)

    comment = steps.add_parser("comment", help="comment on pull request N (e.g. '/cab reject REASON')")
    comment.add_argument("number", type=pr_number, metavar="N")
    comment.add_argument("text", metavar="TEXT")
    _acting(comment)
    comment.set_defaults(handler=handle_comment)

    sync = steps.add_parser("sync", help="run the bot on pull request N, as the Action would")
    sync.add_argument("number", type=pr_number, metavar="N")
    _where(sync)
    sync.set_defaults(handler=handle_sync)

    listing = steps.add_parser("list", help="the sandbox's pull requests")
    _where(listing)
    listing.set_defaults(handler=handle_list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _forge(args: argparse.Namespace) -> Any:
    from bot.adapters.environment import bot_identity
    from bot.adapters.forge.interface import ForgeError
    from bot.adapters.forge.sandbox import STATE_FILE, SandboxForge
    from bot.adapters.git.blobs import RepositoryError

    try:
        return SandboxForge(args.sandbox, bot_identity(), _now)
    except RepositoryError:
        why = "not a git repository"
    except ForgeError as exc:
        if STATE_FILE not in str(exc):
            raise
        why = "not a sandbox forge"
    raise UsageError(
        f"cab sandbox: {args.sandbox}: {why}; pass --sandbox DIR made by `cab sandbox create DIR`"
    )


def _read(path: Path) -> bytes:
    from bot.adapters.files import read_file_bytes

    return read_file_bytes(path)


def _answer(args: argparse.Namespace, forge: Any) -> int:
    from bot.adapters.environment import bot_identity
    from bot.services import sandbox_session as session

    if getattr(args, "no_sync", False):
        print(f"the bot has not run; `cab sandbox sync {args.number}` runs it")
        return 0
    answer = session.run_bot(forge, args.number, _now(), bot_identity())
    print(f"bot: {answer.line()}")
    if answer.comment:
        print("\n" + "\n".join(f"  {line}".rstrip() for line in answer.comment.splitlines()))
    return 0


def handle_create(args: argparse.Namespace) -> int:
    from bot.adapters.environment import bot_identity
    from bot.cli.writes import writing
    from bot.services import sandbox_session as session

    teams = dict(args.team) if args.team else session.DEFAULT_TEAMS
    seed = session.shipped_seed() if args.source is None else session.seed_from(args.source)
    with writing("sandbox", "give a DIR that is new or empty and that you can write"):
        session.create(args.directory, bot_identity(), _now, teams=teams, users=args.user, seed=seed)
    print(f"sandbox forge in {args.directory}: main holds {', '.join(sorted(seed))}")
    for slug, members in teams.items():
        print(f"  team @{slug}: {', '.join('@' + m for m in members)}")
    print(f"Next: cab sandbox submit FILE --as LOGIN --sandbox {args.directory}")
    return 0


def handle_submit(args: argparse.Namespace) -> int:
    from bot.services import sandbox_session as session

    forge = _forge(args)
    content = _read(args.file)
    path = session.place(content, str(args.file))
    args.number = session.submit(forge, path, content, args.login)
    print(f"@{args.login} opens #{args.number} with {path}")
    return _answer(args, forge)


def handle_push(args: argparse.Namespace) -> int:
    from bot.services import sandbox_session as session

    forge = _forge(args)
    files = {}
    for file in args.files:
        content = _read(file)
        files[session.place(content, str(file))] = content
    head = session.push(forge, args.number, files, args.login)
    print(f"@{args.login} pushes {', '.join(files)} to #{args.number} ({head[:7]})")
    return _answer(args, forge)


def handle_review(args: argparse.Namespace) -> int:
    from bot.services import sandbox_session as session

    forge = _forge(args)
    session.review(forge, args.number, args.login, args.verdict)
    print(
        f"@{args.login} {'approves' if args.verdict == 'approve' else 'requests changes on'} #{args.number}"
    )
    return _answer(args, forge)


def handle_comment(args: argparse.Namespace) -> int:
    from bot.services import sandbox_session as session

    forge = _forge(args)
    session.comment(forge, args.number, args.login, args.text)
    print(f"@{args.login} comments on #{args.number}")
    return _answer(args, forge)


def handle_sync(args: argparse.Namespace) -> int:
    return _answer(args, _forge(args))


def handle_list(args: argparse.Namespace) -> int:
    from bot.services import sandbox_session as session

    print(session.listing(_forge(args)))
    return 0
