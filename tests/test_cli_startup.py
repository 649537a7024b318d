"""What `cab` loads before it knows which command runs: argument definitions only.

Timing is measured by benchmarks/bench_startup.py, not here (machines are noisy); these tests hold
the cause: building the parser imports no service, no pydantic, no git and no GitHub client.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from bot.cli import COMMANDS, build_parser, schema_cmd
from bot.domain.schemas import SCHEMA_FILES

HEAVY = ("pydantic", "github", "git", "yaml", "bot.services", "bot.adapters")


def _modules_after(code: str) -> set[str]:
    """Module names loaded by a fresh interpreter after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))


def test_building_the_parser_imports_no_heavy_module() -> None:
    assert _heavy(_modules_after("import bot.cli\nbot.cli.build_parser()")) == []


@pytest.mark.parametrize("argv", [["--help"], ["verify", "--help"], ["audit", "--help"]])
def test_help_imports_no_heavy_module(argv: list[str]) -> None:
    code = f"import bot.cli, contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    bot.cli.main({argv!r})"
    assert _heavy(_modules_after(code)) == []


def test_running_a_command_loads_no_other_command_module() -> None:
    loaded = _modules_after("import bot.cli\nbot.cli.build_parser(['verify', 'x'])")
    assert sorted(m for m in loaded if m.endswith("_cmd")) == ["bot.cli.verify_cmd"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_registers_a_handler(name: str) -> None:
    commands = next(a for a in build_parser([name])._actions if isinstance(a, argparse._SubParsersAction))
    parser = commands.choices[name]
    steps = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # `cab sandbox STEP`
    for leaf in steps[0].choices.values() if steps else [parser]:
        assert callable(leaf.get_default("handler"))


def test_schema_help_lists_the_kinds_the_schemas_module_knows() -> None:
    assert tuple(SCHEMA_FILES) == schema_cmd.KINDS


def test_building_a_commands_parser_imports_no_shutil() -> None:
    """argparse imports shutil (and bz2, lzma) for the terminal width unless told it."""
    assert "shutil" not in _modules_after("import bot.cli\nbot.cli.build_parser(['verify', 'x'])")


@pytest.mark.parametrize("columns", ["60", "132"])
def test_help_wraps_at_the_width_argparse_would_use(columns: str) -> None:
    env = {"COLUMNS": columns, "PATH": "/usr/bin:/bin"}
    ours = subprocess.run(
        [sys.executable, "-m", "bot", "verify", "--help"], capture_output=True, text=True, check=True, env=env
    )
    probe = (
        "import argparse, bot.cli\n"  # argparse's own width: shutil.get_terminal_size()
        "bot.cli._Formatter.__init__ = argparse.HelpFormatter.__init__\n"
        "bot.cli.main(['verify', '--help'])"
    )
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert ours.stdout == plain.stdout
    assert max(len(line) for line in ours.stdout.splitlines()) <= int(columns)


def test_help_imports_neither_typing_nor_the_error_tree() -> None:
    """Each costs about 2 ms of a start that is about 10 ms beside a wheel install."""
    code = (  # through the console script's entry, which guards stdout first
        "import bot.cli, contextlib, io, sys\nsys.argv = ['cab', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    bot.cli.run()"
    )
    loaded = _modules_after(code)
    assert "typing" not in loaded and "bot.domain.errors" not in loaded
