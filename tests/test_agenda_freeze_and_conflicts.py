"""`cab agenda` lists the waiting changes a freeze window holds and the pairs of open changes whose
rollouts conflict (issue 16), read from the clone of a sandbox CAB repository."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.adapters.git.blobs import GitBlobs
from bot.cli import main
from bot.services.agenda import build
from tests.both_forges import SandboxCab
from tests.builders import freeze_window
from tests.freeze_scenarios import adopt_freeze, submit_rollout
from tests.sandbox import make_cab_repo

INSIDE = dt.datetime(2026, 11, 20, 11, 30, tzinfo=dt.UTC)  # freeze_window(): 11:00-17:00 UTC


@pytest.fixture
def cab(tmp_path: Path) -> SandboxCab:
    repo = make_cab_repo(tmp_path / "repo")
    return SandboxCab(repo.forge, repo.clock)


def test_a_waiting_change_in_a_freeze_window_is_listed_frozen_until_its_end(cab: SandboxCab) -> None:
    adopt_freeze(cab, freeze_window(components=["identity-gateway"]))
    cab.clock.now = INSIDE
    cab.sync(submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z"))
    agenda = build(GitBlobs.open(cab.repository()), "main", cab.clock.now)
    [frozen] = agenda.frozen
    assert (frozen.change_id, frozen.tier) == ("identity-gateway-3.0.0", "medium")
    assert frozen.reason.startswith("frozen until 2026-11-20 18:00 Europe/Berlin")
    assert build(GitBlobs.open(cab.repository()), "main", cab.clock.now + dt.timedelta(hours=6)).frozen == ()


def test_two_waiting_changes_with_overlapping_rollouts_are_one_conflict(cab: SandboxCab) -> None:
    cab.sync(submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z"))
    cab.sync(submit_rollout(cab, "identity-gateway-3.0.1", "2026-12-02T11:00:00Z", "2026-12-02T14:00:00Z"))
    cab.sync(submit_rollout(cab, "identity-gateway-3.1.0", "2026-12-03T09:00:00Z", "2026-12-03T12:00:00Z"))
    [(mine, clash)] = build(GitBlobs.open(cab.repository()), "main", cab.clock.now).conflicts
    assert (mine.change_id, clash.other.change_id) == ("identity-gateway-3.0.0", "identity-gateway-3.0.1")
    assert "identity-gateway" in clash.components


def test_the_agenda_prints_its_conflicts_and_frozen_changes(
    cab: SandboxCab, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt_freeze(cab, freeze_window())
    cab.clock.now = INSIDE
    cab.sync(submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z"))
    cab.sync(submit_rollout(cab, "identity-gateway-3.0.1", "2026-12-02T11:00:00Z", "2026-12-02T14:00:00Z"))
    at = cab.clock.now.isoformat()
    assert main(["agenda", "--repo", str(cab.repository()), "--at", at, "--ref", "main"]) == 0
    out = capsys.readouterr().out
    assert "### Rollout conflicts: 1" in out
    assert (
        "- `identity-gateway-3.0.0` (`change/identity-gateway-3.0.0`) and `identity-gateway-3.0.1` "
        "(`change/identity-gateway-3.0.1`) both roll out `identity-gateway`, `mobile-api`, "
        "`partner-api`, `web-portal` from 2026-12-02 11:00 UTC to 2026-12-02 12:00 UTC"
    ) in out
    assert "### Frozen changes: 2" in out
    assert "- `identity-gateway-3.0.1` (medium, `change/identity-gateway-3.0.1`): frozen until" in out
