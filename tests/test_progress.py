"""Progress: shown to a person at a terminal, never in CI or when stderr is piped."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.adapters import progress


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr is a terminal, and no CI is set."""
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")


def test_piped_stderr_is_not_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not progress.interactive()  # pytest's stderr is no terminal


@pytest.mark.usefixtures("terminal")
def test_a_terminal_in_ci_is_not_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert not progress.interactive()


def test_a_notice_reaches_a_person_at_a_terminal(capsys: pytest.CaptureFixture[str], terminal: None) -> None:
    progress.notice("GitHub answered 502, retrying in 4 s (2/5)")
    assert capsys.readouterr().err == "GitHub answered 502, retrying in 4 s (2/5)\n"


def test_a_notice_stays_quiet_in_ci(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    progress.notice("retrying")
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("terminal")
def test_counting_passes_every_item_through_and_counts_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []

    @contextmanager
    def recording(_description: str, _total: int | None = None, **_kw: object) -> Iterator[progress.Advance]:
        yield counted.append

    monkeypatch.setattr(progress, "bar", recording)
    assert list(progress.counting(range(150), "auditing")) == list(range(150))
    assert sum(counted) == 150


def test_a_bar_on_a_terminal_is_drawn_with_rich(capsys: pytest.CaptureFixture[str], terminal: None) -> None:
    with progress.bar("hashing", 10) as advance:
        advance(10)
    assert "Traceback" not in capsys.readouterr().err


def test_off_a_terminal_long_work_never_loads_rich() -> None:
    probe = (
        "import json, sys\nfrom bot.adapters import progress\n"
        "assert list(progress.counting(range(500), 'x')) == list(range(500))\n"
        "with progress.bar('y', 5) as advance: advance(5)\n"
        "print(json.dumps('rich' in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) is False
