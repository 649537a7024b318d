"""Every `cab` command, given hostile arguments, exits 2 (usage or input) or 3 (code host) with one
line that says what is wrong and what to do, and never a traceback.

Each row is (argv, exit code, a fragment of the error line). Placeholders in argv name paths made
per test: {file} a regular file, {dir} a plain directory, {empty} a git repository without commits,
{demo} a `cab demo` repository, {pack} a valid evidence pack in it, {unwritable} a path no one can
create (under /proc, refused even to root).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
from typing import Any

import pytest

from bot.cli import COMMANDS, build_parser, main, repo_flags
from bot.cli.times import utc_time

SHA = "a" * 64
COLLECT = ["collect", "--change-id", "web-1.0", "--title", "T", "--requester", "alice-eng"]
COLLECT += ["--artifact-name", "web", "--artifact-version", "1.0", "--artifact-sha256", SHA]

CASES: list[tuple[list[str], int, str]] = [
    # demo, init: DIR must be a directory that can be written
    (["demo", "{file}"], 2, "cab demo: cannot write {file}: a file is in the way of a directory"),
    (["demo", "{file}/x"], 2, "cab demo: cannot write {file}/x: a file is in the way"),
    (["demo", "{unwritable}"], 2, "cab demo: cannot write {unwritable}"),
    (["demo", "{demo}"], 2, "is not empty; cab demo needs a new or empty directory"),
    (["init", "{file}"], 2, "cab init: cannot write {file}/.github: a file is in the way"),
    (["init", "{unwritable}"], 2, "give a DIR that is a directory you can write"),
    # sandbox: DIR, the sandbox, the files, pull request numbers, logins and teams
    (["sandbox", "create", "{file}"], 2, "cab sandbox: {file} is a file; give a new or empty directory"),
    (["sandbox", "create", "{demo}"], 2, "cab sandbox: {demo} is not empty"),
    (["sandbox", "create", "{unwritable}"], 2, "cab sandbox: cannot write {unwritable}"),
    (["sandbox", "create", "{dir}/s", "--team", "cab"], 2, "'cab' is not ORG/TEAM=LOGIN"),
    (["sandbox", "create", "{dir}/s", "--from", "{dir}/missing"], 2, "--from {dir}/missing: not a directory"),
    (["sandbox", "submit", "{pack}", "--as", "a", "--sandbox", "{dir}"], 2, "{dir}: not a git repository"),
    (["sandbox", "submit", "{pack}", "--as", "a", "--sandbox", "{empty}"], 2, "{empty}: not a sandbox forge"),
    (["sandbox", "submit", "{pack}", "--sandbox", "{demo}"], 2, "the following arguments are required: --as"),
    (["sandbox", "submit", "{dir}/missing.yaml", "--as", "a", "--sandbox", "{demo}"], 2, "file not found"),
    (["sandbox", "submit", "{file}", "--as", "a", "--sandbox", "{demo}"], 2, "{file}:1:1: document is empty"),
    (
        ["sandbox", "push", "x", "{pack}", "--as", "a", "--sandbox", "{demo}"],
        2,
        "'x' is not a pull request number",
    ),
    (["sandbox", "push", "99", "{pack}", "--as", "a", "--sandbox", "{demo}"], 2, "has no pull request #99"),
    (
        ["sandbox", "push", "1", "{pack}", "--as", "a", "--sandbox", "{demo}"],
        2,
        "#1 is merged; open a new one",
    ),
    (["sandbox", "review", "1", "maybe", "--as", "a", "--sandbox", "{demo}"], 2, "invalid choice: 'maybe'"),
    (
        ["sandbox", "comment", "0", "hi", "--as", "a", "--sandbox", "{demo}"],
        2,
        "'0' is not a pull request number",
    ),
    (["sandbox", "sync", "99", "--sandbox", "{demo}"], 2, "`cab sandbox list` shows them"),
    (
        ["sandbox", "list", "--sandbox", "{dir}/missing"],
        2,
        "argument --sandbox: {dir}/missing: no such directory",
    ),
    (["sandbox"], 2, "the following arguments are required: STEP"),
    # validate: nothing to validate is not a pass
    (["validate", "--repo", "{dir}"], 2, "cab validate: nothing to validate under {dir}"),
    (["validate", "--repo", "{empty}"], 2, "nothing to validate"),
    (["validate", "--repo", "{file}"], 2, "argument --repo: {file}: not a directory"),
    (["validate", "--repo", "{dir}/missing"], 2, "argument --repo: {dir}/missing: no such directory"),
    (["validate", "{dir}/missing.yaml"], 2, "{dir}/missing.yaml:1:1: file not found"),
    # score
    (["score", "{dir}"], 2, "{dir}:1:1: is not a regular file"),
    (["score", "{file}"], 2, "{file}:1:1: document is empty"),
    (["score", "{pack}", "--model", "{dir}/missing.yaml"], 2, "{dir}/missing.yaml:1:1: file not found"),
    (["score", "{pack}", "--model", "{pack}"], 2, "this is an EvidencePack, not a RiskModel"),
    (["score", "{pack}", "--format", "xml"], 2, "argument --format: invalid choice: 'xml'"),
    # schema
    (["schema", "Bogus"], 2, "unknown kind 'Bogus'; choose one of: EvidencePack"),
    # collect
    ([*COLLECT, "-o", "{unwritable}.yaml"], 2, "cab collect: cannot write {unwritable}.yaml"),
    ([*COLLECT, "-o", "{file}/pack.yaml"], 2, "cab collect: cannot write {file}: a file is in the way"),
    ([*COLLECT, "-o", "{dir}"], 2, "{dir} is a directory; -o takes a file path"),
    ([*COLLECT, "--repo", "/proc"], 2, "choose an -o path (or --repo) you can write"),
    ([*COLLECT, "--submitted-at", "tomorrow"], 2, "'tomorrow' is not an ISO 8601 date-time"),
    ([*COLLECT, "--sbom", "{dir}/missing.json"], 2, "{dir}/missing.json:1:1: file not found"),
    # exceptions: times, repositories
    (["exceptions", "--at", "2027-03-01"], 2, "'2027-03-01' has no time zone; add one"),
    (["exceptions", "--at", "tomorrow"], 2, "'tomorrow' is not an ISO 8601 date-time; use e.g."),
    (["exceptions", "--at", "2026-02-30T00:00:00Z"], 2, "(day is out of range for month)"),
    (["exceptions", "--expiring", "soon"], 2, "argument --expiring: invalid int value: 'soon'"),
    (["exceptions", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["exceptions", "--repo", "{empty}"], 2, "unknown revision 'HEAD'"),
    # expire
    (["expire", "--sandbox", "{demo}", "--at", "2026-02-30T00:00:00Z"], 2, "day is out of range for month"),
    (["expire", "--sandbox", "{dir}/missing"], 2, "argument --sandbox: {dir}/missing: no such directory"),
    (["expire", "--sandbox", "{file}"], 2, "argument --sandbox: {file}: not a directory"),
    (["expire", "--sandbox", "{dir}"], 2, "cab expire: --sandbox {dir}: not a git repository"),
    (["expire", "--sandbox", "{empty}"], 3, "is not a sandbox forge"),
    # status, show, verify: repositories and revisions
    (["status", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["status", "--repo", "{empty}"], 2, "unknown revision 'HEAD'"),
    (["show", "x", "--repo", "{demo}", "--ref", "nosuch"], 2, "unknown revision 'nosuch'"),
    (["show", "x", "--repo", "{empty}"], 2, "unknown revision 'HEAD'"),
    (["verify", "x", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["verify", "x", "--repo", "{empty}"], 2, "unknown revision 'HEAD'"),
    (["verify", "x", "--repo", "{demo}", "--ref", "-x"], 2, "argument --ref: expected one argument"),
    # submit, action: no credentials, no Actions environment
    (["submit", "{pack}", "--github", "octo-org/cab"], 2, "no GitHub credentials: set GITHUB_TOKEN"),
    (["submit", "{pack}", "--github", "not a slug"], 2, "is not OWNER/NAME"),
    (["submit", "{dir}/missing.yaml", "--github", "octo-org/cab"], 2, "missing.yaml:1:1: file not found"),
    (["action"], 2, "GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are unset"),
    # audit
    (["audit", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["audit", "--repo", "{empty}"], 2, "'HEAD' does not name a commit"),
    (["audit", "--repo", "{demo}", "--since", "nosuch"], 2, "'nosuch' does not name a commit"),
    (["audit", "--repo", "{demo}", "-o", "{file}/report.txt"], 2, "cannot write the report: Not a directory"),
    (["audit", "--repo", "{demo}", "--online"], 2, "no GitHub repository; pass --github OWNER/NAME"),
    # simulate: the proposed model must be a risk model
    (["simulate", "--repo", "{demo}"], 2, "the following arguments are required: --model"),
    (["simulate", "--repo", "{demo}", "--model", "{pack}"], 2, "this is an EvidencePack, not a RiskModel"),
    (
        ["simulate", "--repo", "{demo}", "--model", "{dir}/missing.yaml"],
        2,
        "missing.yaml:1:1: file not found",
    ),
    (["simulate", "--repo", "{dir}", "--model", "{model}"], 2, "{dir}: not a git repository"),
    (
        ["simulate", "--repo", "{demo}", "--model", "{model}", "--since", "nosuch"],
        2,
        "unknown revision 'nosuch'",
    ),
    (["simulate", "--repo", "{empty}", "--model", "{model}"], 2, "unknown revision 'HEAD'"),
    # export: formats, outputs, times
    (["export", "--repo", "{demo}", "--format", "sqlite"], 2, "--format sqlite needs -o FILE"),
    (["export", "--repo", "{demo}", "--format", "xml"], 2, "argument --format: invalid choice: 'xml'"),
    (["export", "--repo", "{demo}", "-o", "{dir}"], 2, "{dir} is a directory; -o takes a file path"),
    (["export", "--repo", "{demo}", "-o", "{file}/x.csv"], 2, "cab export: cannot write"),
    (["export", "--repo", "{demo}", "-o", "{unwritable}/x.csv"], 2, "cab export: cannot write"),
    (["export", "--repo", "{demo}", "--since", "tomorrow"], 2, "'tomorrow' is not an ISO 8601 date-time"),
    (
        ["export", "--repo", "{demo}", "--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z"],
        2,
        "--until must be after --since",
    ),
    (["export", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["export", "--repo", "{empty}"], 2, "'HEAD' does not name a commit"),
    # agenda
    (["agenda", "--repo", "{demo}", "--days", "0"], 2, "0 days is out of range; give 1 to 366"),
    (["agenda", "--repo", "{demo}", "--days", "week"], 2, "'week' is not a whole number of days"),
    (["agenda", "--repo", "{demo}", "--at", "2026-11-01"], 2, "'2026-11-01' has no time zone; add one"),
    (["agenda", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["agenda", "--repo", "{empty}"], 2, "unknown revision 'HEAD'"),
    # metrics
    (["metrics", "--repo", "{demo}", "--since", "2026-11-01"], 2, "'2026-11-01' has no time zone; add one"),
    (["metrics", "--repo", "{demo}", "--at", "tomorrow"], 2, "'tomorrow' is not an ISO 8601 date-time"),
    (["metrics", "--repo", "{demo}", "--format", "pdf"], 2, "argument --format: invalid choice: 'pdf'"),
    (["metrics", "--repo", "{dir}"], 2, "{dir}: not a git repository"),
    (["metrics", "--repo", "{empty}"], 2, "'HEAD' does not name a commit"),
    # lint: a repository, and a revision in it
    (["lint", "--repo", "{dir}/missing"], 2, "argument --repo: {dir}/missing: no such directory"),
    (["lint", "--repo", "{dir}", "--ref", "HEAD"], 2, "{dir}: not a git repository"),
    (["lint", "--repo", "{demo}", "--ref", "nosuch"], 2, "unknown revision 'nosuch'"),
    (["lint", "--repo", "{dir}"], 1, "{dir}: no CODEOWNERS file"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "a-file").write_text("", encoding="utf-8")
    (root / "a-dir").mkdir()
    subprocess.run(["git", "init", "-q", str(root / "empty")], check=True)
    demo = root / "demo" / "repo"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", str(demo)]) == 0
    return {
        "file": str(root / "a-file"),
        "dir": str(root / "a-dir"),
        "empty": str(root / "empty"),
        "demo": str(demo),
        "pack": str(demo / "evidence" / "2026-11" / "payments-api-7.4.2.yaml"),
        "model": str(demo / "risk-model" / "v1.0.yaml"),
        "unwritable": "/proc/cab-cannot-create-this",
    }


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GitHub or Actions settings leak in from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "CAB_APP_", "INPUT_")):
            monkeypatch.delenv(name)


def _error_lines(err: str) -> list[str]:
    """stderr without argparse's usage block (`usage: …` and its indented continuation)."""
    lines, in_usage = [], False
    for line in err.splitlines():
        in_usage = line.startswith("usage: ") or (in_usage and line.startswith(" "))
        if not in_usage and line:
            lines.append(line)
    return lines


@pytest.mark.usefixtures("bare_environment")
@pytest.mark.parametrize(("argv", "code", "fragment"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_hostile_arguments_exit_with_one_line_and_no_traceback(
    argv: list[str],
    code: int,
    fragment: str,
    places: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([part.format(**places) for part in argv]) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert _error_lines(err) == [_error_lines(err)[-1]]  # one line, whatever else went to stdout
    assert fragment.format(**places) in err


def test_the_table_covers_every_command() -> None:
    assert {argv[0] for argv, _code, _fragment in CASES} == set(COMMANDS)


# -- every command and step, found by walking the parser: new ones are covered without a row ------

BAD_VALUES: dict[object, str] = {
    repo_flags.existing_directory: "/nonexistent/cab-hostile",
    repo_flags.github_slug: "not a slug",
    utc_time: "tomorrow",
    int: "many",
}


def _leaves(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """(command words, parser) of every runnable command: `verify`, `sandbox submit`, …"""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return [(prefix, parser)]
    return [leaf for name, sub in groups[0].choices.items() for leaf in _leaves(sub, (*prefix, name))]


def _hostile_argvs() -> list[list[str]]:
    """Per command: an unknown flag, and each typed option given a value of the wrong kind."""
    argvs = []
    for words, parser in _leaves(build_parser()):
        argvs.append([*words, "--no-such-flag"])
        for action in parser._actions:
            if action.option_strings and action.type in BAD_VALUES:
                argvs.append([*words, action.option_strings[0], BAD_VALUES[action.type]])
    return argvs


HOSTILE = _hostile_argvs()


@pytest.mark.usefixtures("bare_environment")
@pytest.mark.parametrize("argv", HOSTILE, ids=[" ".join(a) for a in HOSTILE])
def test_every_command_refuses_a_wrong_flag_or_value_in_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    [line] = _error_lines(err)
    assert "error: " in line
    assert argv[-1] in line or "the following arguments are required" in line


def test_the_walk_reaches_every_command_and_sandbox_step() -> None:
    walked = {" ".join(words) for words, _parser in _leaves(build_parser())}
    assert set(COMMANDS) - {"sandbox"} <= walked
    assert {"sandbox create", "sandbox submit", "sandbox push", "sandbox sync", "sandbox list"} <= walked
