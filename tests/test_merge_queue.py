"""GitHub's merge queue: the bot's check on a merge group passes only records that chain as one line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.rules.chain import fork_problems
from bot.services import action
from tests.both_forges import FORGES, MAIN, Cab, assert_audits_clean, make_cab, make_cab_whose_audit_finds
from tests.test_contention import submit_medium

WEBHOOKS = Path(__file__).parent / "fixtures" / "github" / "webhooks"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def test_a_merge_group_event_asks_for_the_check_on_its_head_against_its_base() -> None:
    payload = json.loads((WEBHOOKS / "merge_group" / "checks_requested.json").read_text())
    assert action.plan("merge_group", payload) == [
        action.Step(
            "queue",
            None,
            "merge_group.checks_requested",
            group=("2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d", "380387fbc80638b734a49e1be1c4dfec1c01b33c"),
        )
    ]


def test_a_merge_group_that_was_destroyed_asks_for_nothing() -> None:
    payload = json.loads((WEBHOOKS / "merge_group" / "checks_requested.json").read_text())
    assert action.plan("merge_group", {**payload, "action": "destroyed"}) == []


def test_records_that_each_name_the_one_before_chain_in_any_order() -> None:
    assert fork_problems([("c", "b", "C"), ("b", "a", "B")], "a") == []


def test_two_records_naming_the_same_previous_fork_the_chain() -> None:
    [problem] = fork_problems([("b", "a", "B"), ("c", "a", "C")], "a")
    assert problem == "B, C all name previous a: the chain forks"


def test_a_record_written_against_an_older_base_does_not_chain() -> None:
    [problem] = fork_problems([("c", "old", "C")], "a")
    assert problem.startswith("C does not chain onto the records before it")


def merge_group(cab: Cab, numbers: list[int]) -> tuple[str, str]:
    """The queue's `gh-readonly-queue/...` commit: main with the PRs merged in, in queue order."""

    def git(*args: str) -> str:
        command = [
            "git",
            "-C",
            str(cab.repository()),
            "-c",
            "user.name=GitHub",
            "-c",
            "user.email=noreply@github.com",
        ]
        return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout.strip()

    base = head = git("rev-parse", MAIN)
    for number in numbers:
        tip = cab.pr(number).head_sha
        tree = git("merge-tree", "--write-tree", head, tip).splitlines()[0]
        head = git("commit-tree", tree, "-p", head, "-p", tip, "-m", f"Merge pull request #{number}")
    return head, base


def queue_check(cab: Cab, head: str, base: str) -> action.Report:
    return cab.action_step(action.Step("queue", None, "merge_group.checks_requested", group=(head, base)))


def decided_but_not_merged(cab: Cab, n: int) -> int:
    number = submit_medium(cab, n)
    cab.review(number, "bob-cab")
    cab.sync_crashing_before_merge(number)  # its final record is on the PR head, naming main's newest
    return number


def test_a_group_with_one_decision_on_the_newest_record_passes(cab: Cab) -> None:
    head, base = merge_group(cab, [decided_but_not_merged(cab, 0)])
    report = queue_check(cab, head, base)
    assert (report.exit_code, cab.status(head)) == (0, "success")


def test_a_group_whose_two_decisions_name_the_same_previous_fails(cab: Cab) -> None:
    head, base = merge_group(cab, [decided_but_not_merged(cab, 0), decided_but_not_merged(cab, 1)])
    report = queue_check(cab, head, base)
    assert (report.exit_code, cab.status(head)) == (1, "failure")
    assert any("the chain forks" in line for line in report.lines)


@pytest.fixture(params=FORGES)
def queued_cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    yield from make_cab_whose_audit_finds(
        request.param,
        tmp_path,
        ["identity.merge-not-bot", "signature.missing", "trailers.incomplete", "history.unaccounted"],
    )


def test_a_group_the_queue_lands_is_no_decision_merge_so_the_next_change_is_held(queued_cab: Cab) -> None:
    """The queue makes its own merge commits, with none of the bot's trailers and not signed as
    the bot's: on main each is a first-parent commit nobody accounts for, which the audit reports
    and the bot decides nothing on top of (why docs/github-setup.md says not to let the queue land
    decisions yet)."""
    cab = queued_cab
    head, base = merge_group(cab, [decided_but_not_merged(cab, 0)])
    assert queue_check(cab, head, base).exit_code == 0
    cab.land_on_main(head)
    number = submit_medium(cab, 1)
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome, cab.pr(number).state) == ("pending", "pending", "open")
    assert result.summary.startswith("held: main has a commit nobody accounts for")
    assert head[:12] in result.summary and "by GitHub <noreply@github.com>" in result.summary
