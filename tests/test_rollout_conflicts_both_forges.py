"""Rollout conflicts (issue 16), on the sandbox forge and on the GitHub forge: two open changes
to the same component whose `rollout.window`s overlap are each told about the other in their PR
comments. Every scenario's history must audit clean afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.comments import MARKER
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab
from tests.freeze_scenarios import submit_rollout

CONFLICTS = "Rollout conflicts"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def test_two_open_changes_with_overlapping_rollouts_are_told_about_each_other(cab: Cab) -> None:
    first = submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z")
    cab.sync(first)
    assert CONFLICTS not in bot_comment(cab, first)
    second = submit_rollout(cab, "identity-gateway-3.0.1", "2026-12-02T11:00:00Z", "2026-12-02T14:00:00Z")
    cab.action_run(second)  # its sync, then the other open PRs caught up
    told_second = bot_comment(cab, second)
    assert f"#{first} `identity-gateway-3.0.0` also rolls out `identity-gateway`" in told_second
    assert "(overlap 2026-12-02 11:00 UTC to 2026-12-02 12:00 UTC)" in told_second
    assert f"#{second} `identity-gateway-3.0.1` also rolls out" in bot_comment(cab, first)


def test_a_rollout_that_starts_when_the_other_ends_is_no_conflict(cab: Cab) -> None:
    first = submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z")
    cab.sync(first)
    second = submit_rollout(cab, "identity-gateway-3.0.1", "2026-12-02T12:00:00Z", "2026-12-02T14:00:00Z")
    cab.action_run(second)
    assert CONFLICTS not in bot_comment(cab, second)
    assert CONFLICTS not in bot_comment(cab, first)


def test_a_conflict_note_goes_when_the_other_change_is_decided(cab: Cab) -> None:
    first = submit_rollout(cab, "identity-gateway-3.0.0", "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z")
    cab.sync(first)
    second = submit_rollout(cab, "identity-gateway-3.0.1", "2026-12-02T11:00:00Z", "2026-12-02T14:00:00Z")
    cab.action_run(second)
    cab.review(first, "bob-cab")
    assert cab.sync(first).status == "merged"
    cab.sync(second)
    assert CONFLICTS not in bot_comment(cab, second)
