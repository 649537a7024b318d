"""`cab agenda`: what waits for the board (oldest first), what lapses, what was decided last week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.adapters.git.blobs import GitBlobs
from bot.cli import main
from bot.domain.agenda import Agenda, Waiting
from bot.services.agenda import build
from tests.repo_builder import RepoBuilder, honest_history

MEETING = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def pending_branch(builder: RepoBuilder, change_id: str, tier: str) -> None:
    """A PR branch that carries the bot's pending record, not merged yet."""
    builder.git("checkout", "-q", "-b", f"pr/{change_id}", "main")
    builder.write_record(change_id, tier, "pending")
    builder.commit(f"cab: pending {change_id}", who=builder.bot)
    builder.git("checkout", "-q", "main")


@pytest.fixture
def board(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    pending_branch(builder, "billing-2", "medium")
    pending_branch(builder, "gateway-9", "high")
    return builder


def test_pending_changes_are_split_by_the_team_they_wait_for(board: RepoBuilder) -> None:
    agenda = build(GitBlobs.open(board.root), "main", MEETING)
    assert [w.change_id for w in agenda.for_cab()] == ["billing-2"]
    assert [w.change_id for w in agenda.for_security()] == ["gateway-9"]


def test_the_change_that_waited_longest_comes_first() -> None:
    def waiting(change_id: str, hours_ago: int | None) -> Waiting:
        submitted = None if hours_ago is None else MEETING - dt.timedelta(hours=hours_ago)
        return Waiting(change_id, "medium", "60.00", "t", submitted, f"pr/{change_id}")

    agenda = Agenda(MEETING, 7, (waiting("b", 5), waiting("undated", None), waiting("a", 50)), (), (), ())
    assert [w.change_id for w in agenda.for_cab()] == ["a", "b", "undated"]


def test_decisions_of_the_last_days_are_listed_and_older_ones_are_not(board: RepoBuilder) -> None:
    blobs = GitBlobs.open(board.root)
    assert {d.ident for d in build(blobs, "main", MEETING, days=7).decided} == {
        "payments-api-1",
        "identity-gw-1",
        "edge-proxy-1",
        "edge-nghttp2",
    }
    assert build(blobs, "main", MEETING + dt.timedelta(days=30), days=7).decided == ()


def test_an_exception_close_to_expiry_is_on_the_agenda(board: RepoBuilder) -> None:
    near_expiry = dt.datetime(2026, 12, 17, 9, 0, tzinfo=dt.UTC)  # the exception lasts 30 days from 11-19
    agenda = build(GitBlobs.open(board.root), "main", near_expiry)
    assert [s.id for s in agenda.expiring] == ["edge-nghttp2"]


def test_the_agenda_prints_as_markdown_sections(
    board: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agenda", "--repo", str(board.root), "--at", MEETING.isoformat(), "--ref", "main"]) == 0
    out = capsys.readouterr().out
    assert "### Waiting for the CAB (medium): 1" in out
    assert "| `billing-2` |" in out
    assert "### Decided in the last 7 days: 4" in out
