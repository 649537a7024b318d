"""The agenda lists policy changes that wait for the CAB and security together, read from the clone
of a sandbox CAB repository: the bot's pending PolicyDecision record on the pull request's branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.git.blobs import GitBlobs
from bot.cli import main
from bot.domain.agenda import POLICY
from bot.services.agenda import build
from tests.both_forges import SandboxCab
from tests.builders import dump_yaml, emergency_policy
from tests.sandbox import make_cab_repo

POLICY_FILE = "policy/emergency.yaml"


@pytest.fixture
def cab(tmp_path: Path) -> SandboxCab:
    repo = make_cab_repo(tmp_path / "repo")
    return SandboxCab(repo.forge, repo.clock)


def propose_policy(cab: SandboxCab) -> int:
    number = cab.submit(POLICY_FILE, content=dump_yaml(emergency_policy()).encode())
    assert cab.sync(number).status == "pending"
    return number


def waiting(cab: SandboxCab) -> list[tuple[str, str, str]]:
    agenda = build(GitBlobs.open(cab.repository()), "main", cab.clock.now)
    return [(w.change_id, w.tier, w.title) for w in agenda.for_both()]


def test_a_pending_policy_change_waits_for_both_teams(cab: SandboxCab) -> None:
    number = propose_policy(cab)
    assert waiting(cab) == [(f"pr-{number}", POLICY, f"changes {POLICY_FILE}")]


def test_a_pending_policy_change_is_not_listed_as_a_change_for_one_team(cab: SandboxCab) -> None:
    propose_policy(cab)
    agenda = build(GitBlobs.open(cab.repository()), "main", cab.clock.now)
    assert (agenda.for_cab(), agenda.for_security()) == ([], [])


def test_a_decided_policy_change_leaves_the_agenda(cab: SandboxCab) -> None:
    number = propose_policy(cab)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"
    assert waiting(cab) == []


def test_the_agenda_prints_the_policy_changes_waiting(
    cab: SandboxCab, capsys: pytest.CaptureFixture[str]
) -> None:
    number = propose_policy(cab)
    assert (
        main(["agenda", "--repo", str(cab.repository()), "--at", cab.clock.now.isoformat(), "--ref", "main"])
        == 0
    )
    out = capsys.readouterr().out
    assert "### Policy changes waiting for the CAB and security: 1" in out
    assert f"- `pr-{number}` (`change/emergency`): changes {POLICY_FILE}\n" in out
