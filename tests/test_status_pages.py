"""`cab status`: the decided list is bounded (`--limit`, `--since`), pending records are what branches add."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.repo_builder import Decided, RepoBuilder


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Decided]]:
    """Three low-risk decisions landed on main one after the other; the first landed first."""
    builder = RepoBuilder(tmp_path_factory.mktemp("status") / "repo")
    builder.base()
    decided = [builder.decide(f"change-{n}", "low") for n in range(3)]
    return builder.root, decided


def status(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["status", "--repo", str(repo), "--ref", "main", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_limit_lists_only_the_decisions_that_landed_last(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = status(history[0], capsys, "--decided", "--limit", "2")
    assert code == 0
    assert "Decided (2):" in out
    assert "change-1" in out and "change-2" in out
    assert "change-0" not in out


def test_a_cut_list_says_older_decisions_were_left_out(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided", "--limit", "2")
    assert "older decisions left out" in out


def test_a_list_that_fits_the_limit_mentions_no_older_decisions(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided", "--limit", "3")
    assert "Decided (3):" in out
    assert "older decisions left out" not in out


def test_the_default_limit_keeps_every_decision_of_a_small_history(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided")
    assert "Decided (3):" in out


def test_limit_zero_lists_every_decision(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided", "--limit", "0")
    assert "Decided (3):" in out


def test_listed_decisions_keep_their_order_by_decision_time(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided", "--limit", "2")
    assert out.index("change-1") < out.index("change-2")


def test_since_lists_only_decisions_that_landed_after_the_revision(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, decided = history
    _, out = status(repo, capsys, "--decided", "--since", decided[0].merge)
    assert "Decided (2):" in out
    assert "change-0" not in out


def test_since_and_limit_together_list_the_last_of_those_after_the_revision(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, decided = history
    _, out = status(repo, capsys, "--decided", "--since", decided[0].merge, "--limit", "1")
    assert "Decided (1):" in out
    assert "change-2" in out


def test_since_an_unknown_revision_is_a_clear_error(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = status(history[0], capsys, "--decided", "--since", "no-such-branch")
    assert code == 2
    assert "unknown revision 'no-such-branch'" in out


def test_a_negative_limit_is_refused(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = status(history[0], capsys, "--decided", "--limit", "-1")
    assert code == 2
    assert "'-1' is not a count" in out


def test_the_limit_changes_nothing_in_the_json_entries(
    history: tuple[Path, list[Decided]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = status(history[0], capsys, "--decided", "--limit", "1", "--format", "json")
    assert out.count('"queue": "decided"') == 1
    assert "older decisions" not in out


def _pending_layout(tmp_path: Path) -> tuple[Path, RepoBuilder]:
    builder = RepoBuilder(tmp_path / "repo")
    builder.base()
    return builder.root, builder


def test_a_branch_left_at_the_pending_record_of_a_decided_change_is_not_pending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, builder = _pending_layout(tmp_path)
    landed = builder.decide("change-0", "low")
    builder.git("branch", "stale", landed.reviewed)
    _, out = status(repo, capsys, "--pending")
    assert "nothing pending" in out


def test_a_branch_with_a_pending_record_main_lacks_is_pending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, builder = _pending_layout(tmp_path)
    builder.decide("change-0", "low")
    opened = builder.decide("change-1", "medium")
    builder.git("branch", "open", opened.reviewed)
    builder.git("reset", "-q", "--hard", "main~1")  # change-1 never landed: its PR is open
    _, out = status(repo, capsys, "--pending", "--format", "json")
    [entry] = json.loads(out)
    assert (entry["id"], entry["outcome"], entry["ref"]) == ("change-1", "pending", "open")


def test_a_decision_removed_again_from_the_branch_is_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, builder = _pending_layout(tmp_path)
    builder.decide("change-0", "low")
    removed = builder.decide("change-1", "low")
    builder.git("rm", "-q", removed.record_path)
    builder.commit("Remove a record")
    _, out = status(repo, capsys, "--decided")
    assert "Decided (1):" in out
    assert "change-1" not in out
