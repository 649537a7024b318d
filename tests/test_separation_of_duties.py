"""Separation of duties against people who know git and GitHub (issue 13), on both forges.

Everyone who wrote the change is an author (commit authors and committers, `Co-authored-by:`, the
pusher), an identity no account explains makes the change wait, a review counts only when its
reviewer was a recorded member when it was given, and commands count only in comments their
author alone wrote. Each scenario's history must audit clean afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models.decision import Member
from bot.domain.rules import records
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab, record_of
from tests.sandbox import MEDIUM

MEDIUM_RECORD = "decisions/medium/2026-11/identity-gateway-3.0.0.yaml"

NOTE = b"notes: rehearsed rollback\n"
NOTES = "evidence/2026-11/identity-gateway-3.0.0/notes.txt"  # an attachment: within a change's allow-list


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def _submitted(cab: Cab) -> int:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    return number


def _bot_comment(cab: Cab, number: int) -> str:
    return cab.comments(number)[0]


def _pending(cab: Cab, number: int) -> Any:
    return records.parse(cab.read_head(number, MEDIUM_RECORD), MEDIUM_RECORD).model


# -- authors are everyone who wrote the change ---------------------------------------------------


def test_a_co_author_of_a_commit_may_not_approve_it(cab: Cab) -> None:
    number = _submitted(cab)
    trailer = f"Co-authored-by: Carol <{cab.email('carol-cab')}>"
    cab.push_as(number, {NOTES: NOTE}, pusher="alice-eng", message=f"Add notes\n\n{trailer}\n")
    cab.sync(number)
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@carol-cab is the co-author of commit" in reason for reason in result.not_counted)
    assert "@carol-cab is the co-author of commit" in _bot_comment(cab, number)


def test_a_co_author_named_in_lower_case_trailer_key_is_an_author_too(cab: Cab) -> None:
    number = _submitted(cab)
    trailer = f"co-authored-by: Carol <{cab.email('carol-cab')}>"
    cab.push_as(number, {NOTES: NOTE}, pusher="alice-eng", message=f"Add notes\n\n{trailer}\n")
    cab.review(number, "carol-cab")
    assert cab.sync(number).status == "pending"


def test_a_co_author_whose_email_maps_to_no_account_makes_the_change_wait_and_is_named(cab: Cab) -> None:
    number = _submitted(cab)
    message = "Add notes\n\nCo-authored-by: Carol <carol@elsewhere.example>\n"
    cab.push_as(number, {NOTES: NOTE}, pusher="alice-eng", message=message)
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert "Carol <carol@elsewhere.example> (co-author of commit" in result.summary
    assert "maps to no account" in _bot_comment(cab, number)


def test_a_commit_under_an_email_linked_to_no_account_makes_the_change_wait(cab: Cab) -> None:
    """Carol pushes to Alice's branch under an e-mail no account has, then approves."""
    number = _submitted(cab)
    cab.push_as(number, {NOTES: NOTE}, pusher="carol-cab", identity=("Carol", "c@nowhere.example"))
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert "<c@nowhere.example> (author of commit" in result.summary
    assert "c@nowhere.example> (author of commit" in _bot_comment(cab, number)


def test_a_commit_under_the_authors_identity_does_not_let_its_pusher_approve(cab: Cab) -> None:
    """Carol pushes under Alice's name and e-mail, then approves: the sandbox records who pushed,
    and GitHub's activity list of the branch names her."""
    number = _submitted(cab)
    alice = ("alice-eng", cab.email("alice-eng"))
    cab.push_as(number, {NOTES: NOTE}, pusher="carol-cab", identity=alice)
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@carol-cab is the pusher of commit" in reason for reason in result.not_counted)


def test_a_pusher_stays_an_author_after_the_author_pushes_on_top(cab: Cab) -> None:
    number = _submitted(cab)
    alice = ("alice-eng", cab.email("alice-eng"))
    cab.push_as(number, {NOTES: NOTE}, pusher="carol-cab", identity=alice)
    cab.push(number, {NOTES: NOTE + b"and again\n"}, author="alice-eng")
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@carol-cab is the pusher of commit" in reason for reason in result.not_counted)


def test_the_decision_records_everyone_who_wrote_the_change(cab: Cab) -> None:
    """The record keeps who the bot judged the approvals against, the pusher included, so the audit
    judges the recorded approvals against the same accounts."""
    number = _submitted(cab)
    alice = ("alice-eng", cab.email("alice-eng"))
    cab.push_as(number, {NOTES: NOTE}, pusher="carol-cab", identity=alice)
    cab.review(number, "bob-cab")
    assert cab.sync(number).outcome == "approved"
    authors = {author.user_id: author.why for author in record_of(cab, MEDIUM_RECORD).authors}
    assert authors[cab.user_id("alice-eng")] == "is the PR author"
    assert authors[cab.user_id("carol-cab")].startswith("is the pusher of commit ")


# -- membership at the time of the review ------------------------------------------------------


def test_a_review_given_before_joining_the_team_does_not_count_once_she_joins(cab: Cab) -> None:
    """Mallory approves while she is not a member; when she is added later, that old review
    needs to be given again, and the comment says so."""
    number = _submitted(cab)
    cab.review(number, "mallory")
    assert cab.sync(number).status == "pending"
    cab.add_member("cab", "mallory")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("needs to be given again" in reason for reason in result.not_counted)
    assert "@mallory's review of" in _bot_comment(cab, number)


def test_a_review_given_again_after_joining_the_team_counts(cab: Cab) -> None:
    number = _submitted(cab)
    cab.review(number, "mallory")
    cab.add_member("cab", "mallory")
    cab.sync(number)
    cab.review(number, "mallory")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    record = record_of(cab, MEDIUM_RECORD)
    [team] = record.membership
    since = {m.login: m.since for m in team.members}
    assert record.approvals[0].approved_at >= since["mallory"]


def test_the_pending_record_keeps_each_members_first_recorded_membership(cab: Cab) -> None:
    number = _submitted(cab)
    first = _pending(cab, number)
    cab.add_member("cab", "mallory")
    cab.sync(number)
    second = _pending(cab, number)
    [before], [after] = first.membership, second.membership
    kept = {m.login: m.since for m in after.members}
    assert all(kept[m.login] == m.since for m in before.members)
    assert kept["mallory"] > before.observed_at


def test_a_member_removed_and_added_again_starts_a_new_membership(cab: Cab) -> None:
    number = _submitted(cab)
    cab.review(number, "bob-cab")
    cab.remove_member("cab", "bob-cab")
    cab.sync(number)
    cab.add_member("cab", "bob-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@bob-cab's review of" in reason for reason in result.not_counted)


def test_a_pending_record_pushed_by_someone_else_cannot_backdate_a_membership(cab: Cab) -> None:
    """Alice pushes the pending record with Mallory in the team since before her review: only
    the bot writes records, so the PR is refused, and the forged snapshot never counts."""
    number = _submitted(cab)
    cab.review(number, "mallory")
    cab.add_member("cab", "mallory")
    record = _pending(cab, number)
    [team] = record.membership
    forged_member = Member(login="mallory", user_id=cab.user_id("mallory"), since=team.observed_at)
    forged = record.model_copy(
        update={"membership": [team.model_copy(update={"members": [*team.members, forged_member]})]}
    )
    cab.push(number, {MEDIUM_RECORD: records.render(forged)})
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("refused", None)
    assert cab.main_file(MEDIUM_RECORD) is None


def test_a_pending_record_edited_by_the_pr_author_refuses_the_pr_naming_the_commit(cab: Cab) -> None:
    """Only the bot writes records: a person's edit of the pending record, even one that drops the
    membership snapshot and so relies on nothing, is refused rather than quietly rewritten."""
    number = _submitted(cab)
    record = _pending(cab, number)
    edited = record.model_copy(update={"membership": [], "rationale": "typed by the author"})
    pushed = cab.push(number, {MEDIUM_RECORD: records.render(edited)})
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("refused", None)
    assert f"{MEDIUM_RECORD}: written by commit {pushed[:7]} by <" in result.summary
    assert result.summary.endswith("not by the bot; only the bot writes records")
    assert cab.status(cab.pr(number).head_sha) == "failure"


# -- commands only from what the owner wrote ------------------------------------------------------


def test_a_comment_edited_by_someone_else_into_a_reject_rejects_nothing_and_says_so(cab: Cab) -> None:
    number = _submitted(cab)
    said = cab.comment(number, "bob-cab", "Looks fine to me.")
    cab.edit_comment(number, said, "alice-eng", "/cab reject rollback was never rehearsed")
    result = cab.sync(number)
    assert result.status == "pending"
    body = _bot_comment(cab, number)
    assert "@bob-cab's `/cab reject` on line 1 is in a comment edited by @alice-eng: not a command" in body


def test_an_owner_who_edits_their_own_comment_into_a_reject_rejects(cab: Cab) -> None:
    number = _submitted(cab)
    said = cab.comment(number, "bob-cab", "Looks fine to me.")
    cab.edit_comment(number, said, "bob-cab", "/cab reject rollback was never rehearsed")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "rejected")


def test_a_conditions_command_edited_in_by_someone_else_puts_no_conditions_on_the_record(cab: Cab) -> None:
    number = _submitted(cab)
    said = cab.comment(number, "carol-cab", "Fine.")
    cab.edit_comment(number, said, "mallory", "/cab conditions none")
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
