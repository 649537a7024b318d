"""The bot under the branch rules docs/github-setup.md asks for, on the fake GitHub: approvals
required for a merge, and "Dismiss stale pull request approvals when new commits are pushed".

GitHub cannot tell the bot's decision-record commit from any other push: with dismissal on, the
record commit dismisses the very approvals it records, and GitHub then refuses the merge. So the
setup guide keeps dismissal off and leaves staleness to the bot, which counts an approval only on
the head it was given on, with nothing after it but the bot's own record (the audit re-checks
that). These tests pin both halves: with dismissal off, the merge carries exactly the record
commit on top of the reviewed head and every approval it records stands; with dismissal on, the
bot fails closed and says which setting to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.forge.interface import ForgeError
from tests.both_forges import GitHubCab, assert_audits_clean, make_cab, record_of
from tests.sandbox import MEDIUM

MEDIUM_RECORD = "decisions/medium/2026-11/identity-gateway-3.0.0.yaml"


@pytest.fixture
def cab(tmp_path: Path) -> Iterator[GitHubCab]:
    for made in make_cab("github", tmp_path):
        assert isinstance(made, GitHubCab)
        made.fake.required_approvals = 1
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def test_the_merge_is_the_reviewed_head_plus_exactly_the_record_commit(cab: GitHubCab) -> None:
    number = cab.submit(MEDIUM)
    reviewed = cab.sync(number).head_sha
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert result.status == "merged"
    merge = cab.fake.commits[cab.fake.refs["main"]]
    record_commit = merge[1][1]
    assert cab.fake.commits[record_commit][1] == [reviewed]
    [approval] = record_of(cab, MEDIUM_RECORD).approvals
    assert approval.reviewed_sha == reviewed


def test_with_dismissal_off_the_record_commit_leaves_the_approval_it_records_standing(
    cab: GitHubCab,
) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    assert cab.sync(number).status == "merged"
    assert [r["state"] for r in cab.fake.prs[number]["reviews"]] == ["APPROVED"]


def test_a_person_pushing_after_the_approval_makes_it_stale_even_with_dismissal_off(cab: GitHubCab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.push(number, {MEDIUM: cab.example(MEDIUM).replace(b"coverage_percent: 64", b"coverage_percent: 66")})
    assert cab.sync(number).status == "pending"
    assert not cab.fake.prs[number]["merged"]


def test_with_dismissal_on_github_refuses_the_merge_and_the_bot_names_the_setting(cab: GitHubCab) -> None:
    cab.fake.dismiss_stale_approvals = True
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    with pytest.raises(ForgeError, match="turn off 'Dismiss stale pull request approvals'"):
        cab.sync(number)
    assert not cab.fake.prs[number]["merged"]
    assert [r["state"] for r in cab.fake.prs[number]["reviews"]] == ["DISMISSED"]


def test_with_dismissal_on_a_re_run_never_merges_on_the_dismissed_approval(cab: GitHubCab) -> None:
    cab.fake.dismiss_stale_approvals = True
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    with pytest.raises(ForgeError):
        cab.sync(number)
    again = cab.sync(number)
    assert again.status == "pending"
    assert not cab.fake.prs[number]["merged"]
    assert cab.main_file(MEDIUM_RECORD) is None
