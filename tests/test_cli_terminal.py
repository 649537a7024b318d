"""`cab` as a process writing to what people point it at: a console that cannot show Unicode, a
pipe whose reader stops early. Run through `python -m bot`, which is the console script's entry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.repo_builder import OUTSIDER, RepoBuilder, honest_history


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


def _verify_into(stdout: int, repo: Path, change_id: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAB_BOT_")}
    command = [sys.executable, "-m", "bot", "verify", change_id, "--repo", str(repo)]
    return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)


@pytest.fixture
def refused(tmp_path: Path) -> RepoBuilder:
    """A history where `payments-api-9` is refused: its record was pushed, not merged by the bot."""
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    builder.write_record("payments-api-9", "low", "auto_approved")
    builder.commit("Add payments-api-9", who=OUTSIDER)
    return builder


@pytest.fixture
def gone_reader() -> Iterator[int]:
    """The writing end of a pipe whose reader has gone, as a pipeline step that exits before
    reading (`cab verify X | true`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    yield write_end
    os.close(write_end)


def test_a_refusal_whose_reader_has_gone_still_exits_1(refused: RepoBuilder, gone_reader: int) -> None:
    done = _verify_into(gone_reader, refused.root, "payments-api-9")
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr


def test_an_approval_whose_reader_has_gone_still_exits_0(refused: RepoBuilder, gone_reader: int) -> None:
    assert _verify_into(gone_reader, refused.root, "identity-gw-1").returncode == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_an_approval_that_cannot_be_written_is_no_success(refused: RepoBuilder) -> None:
    with open("/dev/full", "wb") as full:  # every write: "No space left on device"
        done = _verify_into(full.fileno(), refused.root, "identity-gw-1")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "cab: could not write the output: No space left on device"
