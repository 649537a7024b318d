"""The bot decides nothing on top of a commit nobody accounts for (issue 12), on both forges.

Every first-parent commit of main must be the bot's signed decision merge or be listed in
`policy/history.yaml`. A direct push, or a merge shaped like the bot's but not signed with its
key, holds every decision that would merge: nothing is committed or merged, the check waits, and
the comment says why. The way out is a policy change whose `policy/history.yaml` accepts the
commit, approved by CAB and security like any policy change (or a revert of the push, which is
itself a push to account for). An accepted tip is followed down to the bot's last merge, and a
bot merge that landed on another tip than the one it checked (`Cab-Base`) is walked through.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.comments import MARKER
from bot.domain.layout import SIGNERS_PATH
from bot.domain.rules.history import HISTORY_PATH
from bot.domain.rules.trailers import checked_base
from tests.both_forges import FORGES, MAIN, Cab, GitHubCab, assert_audits_clean, make_cab, make_github_cab
from tests.builders import dump_yaml, history_policy
from tests.sandbox import LOW, MEDIUM

CODEOWNERS = ".github/CODEOWNERS"
RUNBOOK = "docs/runbook.md"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    yield from make_cab(request.param, tmp_path)


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def accepting(cab: Cab, sha: str, reason: str = "INC-7: runbook pushed during the outage") -> int:
    """A policy change whose `policy/history.yaml` accepts commit `sha`."""
    return cab.submit(HISTORY_PATH, content=dump_yaml(history_policy(accepted={sha: reason})).encode())


def approve_policy(cab: Cab, number: int) -> None:
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")


def test_a_low_change_on_top_of_a_direct_push_is_held_with_nothing_merged(cab: Cab) -> None:
    pushed = cab.push_main({RUNBOOK: b"# Runbook\n"})
    number = cab.submit(LOW)
    result = cab.sync(number)
    assert (result.status, result.outcome, result.record_path) == ("pending", "pending", None)
    assert result.summary.startswith("held: main has a commit nobody accounts for")
    assert pushed[:12] in result.summary and "a non-merge commit" in result.summary
    assert cab.pr(number).state == "open"
    assert cab.status(cab.pr(number).head_sha) == "pending"


def test_the_held_comment_names_the_commit_and_the_ways_out(cab: Cab) -> None:
    pushed = cab.push_main({RUNBOOK: b"# Runbook\n"})
    number = cab.submit(LOW)
    cab.sync(number)
    comment = bot_comment(cab, number)
    assert "Held: no decision is recorded while `main` has a commit nobody accounts for" in comment
    assert pushed[:12] in comment
    assert "Revert the commit through a pull request, or accept it" in comment


def test_a_held_sync_writes_nothing_when_run_again(cab: Cab) -> None:
    cab.push_main({RUNBOOK: b"# Runbook\n"})
    number = cab.submit(LOW)
    cab.sync(number)
    before = cab.writes()
    assert cab.sync(number).status == "pending"
    assert cab.writes() == before


def test_approvals_on_a_medium_change_do_not_merge_it_over_a_pushed_codeowners(cab: Cab) -> None:
    """The attack: a pushed CODEOWNERS hands the medium tier to whoever pushed it."""
    codeowners = cab.main_file(CODEOWNERS)
    assert codeowners is not None
    cab.add_team("crew", ["mallory"])
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.push_main({CODEOWNERS: codeowners + b"/decisions/medium/ @example/crew\n"}, author="mallory")
    cab.sync(number)  # the bot first sees the crew as owners: a review counts from then on
    cab.review(number, "mallory")
    result = cab.sync(number)
    assert result.status == "pending" and result.summary.startswith("held:")
    assert cab.pr(number).state == "open"


def test_an_unsigned_merge_shaped_as_the_bots_decision_holds(cab: Cab) -> None:
    forged = cab.push_forged_decision_merge(
        {RUNBOOK: b"# Runbook\n"}, "Merge pull request #99\n\nCab-Decision: approved\n"
    )
    number = cab.submit(LOW)
    result = cab.sync(number)
    assert result.status == "pending"
    assert f"its tip {forged[:12]} is a decision merge whose signature is not trusted" in result.summary


def test_an_unreadable_history_policy_at_the_tip_holds(cab: Cab) -> None:
    cab.push_main({HISTORY_PATH: b"kind: [History\n"})
    number = cab.submit(LOW)
    result = cab.sync(number)
    assert result.status == "pending"
    assert f"{HISTORY_PATH} at " in result.summary and "cannot be read" in result.summary


def test_a_change_on_a_tip_the_bot_merged_is_decided_as_before(cab: Cab) -> None:
    first = cab.sync(cab.submit(LOW))
    assert first.status == "merged"
    medium = cab.submit(MEDIUM)
    cab.sync(medium)
    cab.review(medium, "bob-cab")
    assert cab.sync(medium).status == "merged"


def test_an_approved_policy_change_that_accepts_the_push_merges_and_unblocks(
    cab: Cab, tmp_path: Path
) -> None:
    pushed = cab.push_main({RUNBOOK: b"# Runbook\n"})
    held = cab.submit(LOW)
    assert cab.sync(held).status == "pending"
    policy = accepting(cab, pushed)
    approve_policy(cab, policy)
    assert cab.sync(policy).outcome == "approved"
    assert cab.main_file(HISTORY_PATH) is not None
    assert cab.sync(held).status == "merged"
    assert_audits_clean(cab, tmp_path / "audit.txt")


def test_a_policy_change_accepting_another_commit_stays_held(cab: Cab) -> None:
    cab.push_main({RUNBOOK: b"# Runbook\n"})
    policy = accepting(cab, "0" * 40)
    approve_policy(cab, policy)
    result = cab.sync(policy)
    assert result.status == "pending" and result.summary.startswith("held:")


def test_a_rejected_policy_change_accepting_the_push_is_held_too(cab: Cab) -> None:
    """A rejection is a decision merge like any other: the bot's signature would still bury the push."""
    pushed = cab.push_main({RUNBOOK: b"# Runbook\n"})
    policy = accepting(cab, pushed)
    cab.sync(policy)
    cab.comment(policy, "sec-sam", "/cab reject the runbook needs review first")
    result = cab.sync(policy)
    assert result.status == "pending" and result.summary.startswith("held:")
    assert cab.pr(policy).state == "open"


def test_accepting_only_the_tip_does_not_bury_the_push_below_it(cab: Cab) -> None:
    assert cab.sync(cab.submit(LOW)).status == "merged"  # the bot's merge the walk ends at
    codeowners = cab.main_file(CODEOWNERS)
    assert codeowners is not None
    below = cab.push_main({CODEOWNERS: codeowners + b"/decisions/medium/ @example/crew\n"}, author="mallory")
    tip = cab.push_main({RUNBOOK: b"# Runbook\n"})
    policy = accepting(cab, tip)
    approve_policy(cab, policy)
    result = cab.sync(policy)
    assert result.status == "pending"
    assert f"below its tip {tip[:12]}, {below[:12]} is a non-merge commit" in result.summary


def test_accepting_every_push_down_to_the_bots_merge_unblocks(cab: Cab, tmp_path: Path) -> None:
    assert cab.sync(cab.submit(LOW)).status == "merged"
    first = cab.push_main({RUNBOOK: b"# Runbook\n"})
    second = cab.push_main({RUNBOOK: b"# Runbook\n\nCall the on-call first.\n"})
    reasons = {first: "INC-7: runbook", second: "INC-7: runbook, second part"}
    policy = cab.submit(HISTORY_PATH, content=dump_yaml(history_policy(accepted=reasons)).encode())
    approve_policy(cab, policy)
    assert cab.sync(policy).outcome == "approved"
    assert cab.sync(cab.submit(MEDIUM)).status == "pending"  # decided again: waits for the CAB as usual
    assert_audits_clean(cab, tmp_path / "audit.txt")


def test_an_accepted_push_that_changed_the_signers_stays_held(cab: Cab) -> None:
    """Accepting a push never vouches for a key it brought: only a policy decision may add one."""
    signers = cab.main_file(SIGNERS_PATH)
    assert signers is not None
    pushed = cab.push_main({SIGNERS_PATH: signers + b"# a key of my own goes here\n"}, author="mallory")
    policy = accepting(cab, pushed)
    approve_policy(cab, policy)
    result = cab.sync(policy)
    assert result.status == "pending"
    assert f"its tip {pushed[:12]} is accepted by {HISTORY_PATH} but changed {SIGNERS_PATH}" in result.summary


@pytest.fixture
def github_cab(tmp_path: Path) -> Iterator[GitHubCab]:
    yield from make_github_cab(tmp_path)


def test_a_push_that_lands_while_github_merges_holds_the_next_decision(github_cab: GitHubCab) -> None:
    """GitHub's merge is not conditional on the base: a push between the bot's check and its
    merge lands below the merge. The merge names the tip it checked, so the next check finds it."""
    cab, fake = github_cab, github_cab.fake
    medium = cab.submit(MEDIUM)
    cab.sync(medium)
    cab.review(medium, "bob-cab")
    number = cab.submit(LOW)
    push = {RUNBOOK: b"# Runbook\n"}
    fake.interleave["PUT .*/merge$"] = lambda: fake.push(MAIN, push, cab.people["mallory"], "hotfix")
    assert cab.sync(number).status == "merged"
    merge = fake.refs[MAIN]
    pushed = fake.git.commit_object(merge).parents[0]
    assert checked_base(cab.main_message()) != pushed
    result = cab.sync(medium)
    assert result.status == "pending"
    assert f"below its tip {merge[:12]}, {pushed[:12]} is a non-merge commit" in result.summary


def test_every_decision_merge_names_the_tip_the_bot_checked(cab: Cab) -> None:
    assert cab.sync(cab.submit(LOW)).status == "merged"
    first_parent = subprocess.run(
        ["git", "--git-dir", str(cab.repository()), "rev-parse", f"{MAIN}^1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert checked_base(cab.main_message()) == first_parent
