"""`cab` as a process writing to what people point it at: a console that cannot show Unicode, a
pipe whose reader stops early. Run through `python -m bot`, which is the console script's entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.repo_builder import RepoBuilder


def _demo(directory: Path, **env: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot", "demo", str(directory)]
    return subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_the_demo_runs_on_a_console_that_cannot_show_unicode(tmp_path: Path) -> None:
    out, err = _demo(tmp_path / "repo", PYTHONIOENCODING="ascii").communicate()
    assert b"Traceback" not in err
    assert b"\\u2192" in out  # written escaped, not lost
    assert b"Explore it: cd" in out  # and to the end


def test_the_demo_into_a_pipe_closed_early_blames_no_directory(tmp_path: Path) -> None:
    running = _demo(tmp_path / "repo")
    assert running.stdout is not None
    running.stdout.read(100)
    running.stdout.close()  # as `cab demo | head -c 100` does
    err = running.stderr.read() if running.stderr else b""
    assert running.wait() == 0
    assert b"give a DIR" not in err and b"Traceback" not in err


def test_a_pipe_to_git_that_breaks_fails_the_gate_instead_of_passing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.write("a.yaml", "one\n")
    repo.commit("one file")

    def git_went_away(*_args: object, **_kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")  # as writing a request to a git that has ended

    monkeypatch.setattr("bot.services.gate.verify_light", git_went_away)
    assert main(["verify", "payments-api-7.4.2", "--repo", str(repo.root)]) == 2
    assert "nothing was decided" in capsys.readouterr().err
