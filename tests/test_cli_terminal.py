"""`cab` as a process writing to what people point it at: a console that cannot show Unicode, a
pipe whose reader stops early. Run through `python -m bot`, which is the console script's entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
