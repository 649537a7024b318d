"""The `cab` command: argument parsing and exit codes only; work happens in services.

Exit codes: 0 fine, 1 a finding (not approved, tampered, expired), 2 invalid input or usage.
Every CabError becomes its message on stderr and its exit code; nothing escapes as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from bot import __version__

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: `cab --help` imports no typing (about 2 ms)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

# Each command: its module under bot.cli and the line `cab --help` shows. Only the module of the
# command being run is imported, and its handler imports the services when it runs, so
# `cab --help` and `cab verify` do not pay for pydantic, PyGithub and every other command
# (tests/test_cli_startup.py holds this; benchmarks/bench_startup.py measures it).
# A module has `register(parser)`, which adds the command's arguments and sets `handler`.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo_cmd", "run the whole lifecycle offline in a sandbox repository"),
    "sandbox": ("sandbox_cmd", "try your own pack offline: a sandbox forge driven step by step"),
    "init": ("init_cmd", "lay out a new CAB repository (never overwrites)"),
    "validate": ("validate_cmd", "check governed YAML files against their schemas and the repository layout"),
    "score": ("score_cmd", "score evidence packs with the risk model and explain the result"),
    "schema": ("schema_cmd", "print the JSON Schema of a document kind"),
    "collect": (
        "collect_cmd",
        "build an evidence pack from an artifact, SBOM, scans, test and coverage reports",
    ),
    "exceptions": ("exceptions_cmd", "list accepted-risk exceptions and where they stand"),
    "expire": ("expire_cmd", "the scheduled sweep: open or update the expiry tracking issue"),
    "status": ("status_cmd", "show what waits for the CAB, for security, and what is decided"),
    "show": ("show_cmd", "print the decision record of a change"),
    "verify": ("verify_cmd", "exit 0 only if a change is approved, unexpired and untampered"),
    "submit": ("submit_cmd", "open (or update) the CAB pull request for an evidence pack"),
    "action": ("action_cmd", "run the lifecycle step for the current GitHub Actions event"),
    "audit": ("audit_cmd", "re-verify every decision on the branch from git history alone"),
    "simulate": ("simulate_cmd", "re-score past decisions under a proposed risk model (what-if)"),
    "export": ("export_cmd", "write every decision, re-verified, as CSV, JSON Lines or SQLite for auditors"),
    "agenda": ("agenda_cmd", "print the CAB meeting's agenda: what waits, what lapses, what was decided"),
    "metrics": ("metrics_cmd", "lead times, waiting, volume and rejection rate from the decision history"),
    "lint": ("lint_cmd", "check CODEOWNERS for lines GitHub skips and governed paths without their owners"),
}


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() gives it (COLUMNS, then the terminal
    of stdout, then 80), without importing shutil."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own formatter, given the width argparse would find: argparse imports shutil
    (with bz2, lzma and zlib) for it each time an argument is added, about 5 ms of every start."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the command `argv` names, with its arguments; every command (without
    their arguments) when it names none it knows.

    Without `argv`, every command gets its arguments (for tools that walk the whole parser)."""
    parser = _Parser(prog="cab", description="CAB Bot: change approval that lives in a git repository.")
    parser.add_argument("--version", action="version", version=f"cab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    # A known command gets its own parser only (each costs about half a millisecond, and the gate
    # starts in every deployment); `cab --help` and an unknown command list them all.
    names = [chosen] if chosen in COMMANDS else list(COMMANDS)
    for name in names:
        module, summary = COMMANDS[name]
        command = subparsers.add_parser(name, help=summary)
        if chosen is None or chosen == name:
            importlib.import_module(f"bot.cli.{module}").register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # not stdout's (bot.cli.output guards it): a pipe to a git process
        print(
            "cab: a pipe to a git process broke before the work was done; nothing was decided",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:
        from bot.domain.errors import CabError  # here, not at start: `cab --help` needs no error tree

        if not isinstance(exc, CabError):
            raise
        print(exc.diagnostics(), file=sys.stderr)
        return exc.exit_code


def run() -> None:
    from bot.cli.output import exit_code, guard_stdout

    _escape_what_the_terminal_cannot_show()
    guarded = guard_stdout()  # a reader that goes away never turns a refusal into a success
    sys.exit(exit_code(main(), guarded))


def _escape_what_the_terminal_cannot_show() -> None:
    """Text a console cannot encode (ASCII, Latin-1) is written escaped (`→` as `\\u2192`), as
    Python already does for stderr, instead of ending the command with a traceback halfway."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
