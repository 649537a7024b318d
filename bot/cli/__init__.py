"""The `cab` command: argument parsing and exit codes only; work happens in services.

Exit codes: 0 fine, 1 a finding (not approved, tampered, expired), 2 invalid input or usage.
Every CabError becomes its message on stderr and its exit code; nothing escapes as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from bot import __version__
from bot.cli import (
    action_cmd,
    audit_cmd,
    collect_cmd,
    demo_cmd,
    exceptions_cmd,
    init_cmd,
    schema_cmd,
    score_cmd,
    show_cmd,
    status_cmd,
    submit_cmd,
    validate_cmd,
    verify_cmd,
)
from bot.domain.errors import CabError

# Each command module has `register(subparsers)`, which sets `handler` on its parser. The modules
# import only argparse-level helpers at the top; their handlers import services when they run, so
# `cab --help` and `cab verify` do not pay for pydantic, PyGithub and every other command
# (tests/test_cli_startup.py holds this, benchmarks/bench_startup.py measures it).
COMMANDS: list[ModuleType] = [
    demo_cmd,
    init_cmd,
    validate_cmd,
    score_cmd,
    schema_cmd,
    collect_cmd,
    exceptions_cmd,
    status_cmd,
    show_cmd,
    verify_cmd,
    submit_cmd,
    action_cmd,
    audit_cmd,
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cab", description="CAB Bot: change approval that lives in a git repository.")
    parser.add_argument("--version", action="version", version=f"cab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except CabError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    sys.exit(main())
