"""Who wrote a change, and who was a member when: the pure rules, one behaviour per test."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.models.decision import Approval, ChangeAuthor
from bot.domain.pull_request import Comment, Push, User
from bot.domain.rules import authorship, membership
from bot.domain.rules.approval import evaluate
from bot.domain.rules.trailers import git_trailers
from bot.services.audit.merge_check import ApprovalContext, approval_problems
from tests.policy_builders import (
    AUTHOR,
    BOB,
    CAB,
    CAROL,
    OUTSIDER,
    T,
    comment,
    commit_by,
    review,
    snapshot,
)
from tests.sandbox import BOT as BOT_IDENTITY

CAROL_TRAILER = "Co-authored-by: Carol <carol@example.com>"


def _co_authored(message: str, linked: dict[str, User] | None = None) -> object:
    commit = dataclasses.replace(commit_by(AUTHOR), message=message, linked=tuple((linked or {}).items()))
    return snapshot(commits=[commit], reviews=[review(CAROL)])


# -- git's trailer rules ------------------------------------------------------------------------


def test_trailers_are_read_from_the_last_paragraph_with_keys_in_any_case() -> None:
    message = "Fix\n\nBody text.\n\nco-authored-by: A <a@x>\nCo-Authored-By : B <b@x>\n"
    assert git_trailers(message, "Co-authored-by") == ["A <a@x>", "B <b@x>"]


def test_a_trailer_line_in_the_subject_or_the_body_is_not_a_trailer() -> None:
    assert git_trailers("Co-authored-by: A <a@x>", "Co-authored-by") == []
    assert git_trailers("Fix\n\nCo-authored-by: A <a@x>\n\nThanks all.\n", "Co-authored-by") == []


def test_a_mixed_last_paragraph_counts_only_with_a_git_generated_trailer() -> None:
    prose = "Fix\n\nSee the notes.\nCo-authored-by: A <a@x>\n"
    signed = "Fix\n\nSee the notes.\nCo-authored-by: A <a@x>\nSigned-off-by: B <b@x>\n"
    assert git_trailers(prose, "Co-authored-by") == []
    assert git_trailers(signed, "Co-authored-by") == ["A <a@x>"]


def test_a_continuation_line_belongs_to_the_trailer_before_it() -> None:
    assert git_trailers("Fix\n\nCo-authored-by: A\n  <a@x>\n", "Co-authored-by") == ["A <a@x>"]


# -- authors ------------------------------------------------------------------------------------


def test_a_co_author_linked_to_an_account_may_not_approve() -> None:
    result = evaluate(_co_authored(f"Change\n\n{CAROL_TRAILER}\n", {"carol@example.com": CAROL}))  # type: ignore[arg-type]
    assert result.status == "pending"
    assert "@carol-cab is the co-author of commit hhhhhhh" in result.dismissed[0].reason


def test_a_co_author_named_by_githubs_noreply_email_is_that_account() -> None:
    result = evaluate(_co_authored("Change\n\nCo-authored-by: C <3+carol-cab@users.noreply.github.com>\n"))  # type: ignore[arg-type]
    assert "co-author" in result.dismissed[0].reason


def test_a_co_author_no_account_explains_makes_the_change_wait_and_is_named() -> None:
    result = evaluate(_co_authored(f"Change\n\n{CAROL_TRAILER}\n"))  # type: ignore[arg-type]
    assert result.status == "pending"
    assert result.missing[0] == (
        "an account for every identity that wrote the change: "
        "Carol <carol@example.com> (co-author of commit hhhhhhh) maps to no account"
    )


def test_a_co_author_line_without_an_email_is_unknown() -> None:
    result = evaluate(_co_authored("Change\n\nCo-authored-by: Carol\n"))  # type: ignore[arg-type]
    assert "Carol (co-author of commit hhhhhhh) maps to no account" in result.summary


def test_a_commit_whose_author_email_maps_to_no_account_makes_the_change_wait() -> None:
    commit = dataclasses.replace(commit_by(AUTHOR), author=None, author_email="c@nowhere.example")
    result = evaluate(snapshot(commits=[commit], reviews=[review(BOB)]))
    assert result.status == "pending"
    assert "<c@nowhere.example> (author of commit hhhhhhh) maps to no account" in result.summary


def test_githubs_own_committer_on_an_api_commit_is_nobodys_claim() -> None:
    commit = dataclasses.replace(commit_by(AUTHOR), committer=None, committer_email="noreply@github.com")
    assert evaluate(snapshot(commits=[commit], reviews=[review(BOB)])).status == "approved"


def test_the_pusher_of_a_commit_may_not_approve_it() -> None:
    commit = dataclasses.replace(commit_by(AUTHOR), pushers=(CAROL,))
    result = evaluate(snapshot(commits=[commit], reviews=[review(CAROL)]))
    assert "@carol-cab is the pusher of commit hhhhhhh" in result.dismissed[0].reason


def test_low_tier_needs_no_known_author() -> None:
    commit = dataclasses.replace(commit_by(AUTHOR), author=None, author_email="c@nowhere.example")
    assert evaluate(snapshot("low", commits=[commit])).status == "auto_approved"


# -- commands from edited comments ---------------------------------------------------------------


def _edited(body: str, *editors: User, known: bool = True) -> Comment:
    return dataclasses.replace(comment(BOB, body), editors=editors, edits_known=known)


def test_a_command_in_a_comment_edited_by_someone_else_is_ignored_and_names_the_editor() -> None:
    result = evaluate(snapshot(comments=[_edited("/cab reject no", AUTHOR)]))
    assert result.status == "pending"
    assert result.ignored_commands == (
        "@bob-cab's `/cab reject` on line 1 is in a comment edited by @alice-eng: not a command",
    )


def test_a_command_in_a_comment_its_author_edited_counts() -> None:
    assert evaluate(snapshot(comments=[_edited("/cab reject no", BOB)])).status == "rejected"


def test_a_command_in_a_comment_edited_by_someone_the_forge_does_not_name_is_ignored() -> None:
    result = evaluate(snapshot(comments=[_edited("/cab reject no", known=False)]))
    assert result.status == "pending"
    assert "edited by someone the forge does not name" in result.ignored_commands[0]


# -- membership at the time of the review --------------------------------------------------------

LATER = T + dt.timedelta(hours=1)


def test_a_review_before_the_reviewers_first_recorded_membership_needs_to_be_given_again() -> None:
    since = membership.member_since(membership.observe([], [CAB], LATER))
    result = evaluate(snapshot(reviews=[review(BOB)], member_since=since))
    assert result.status == "pending"
    assert "needs to be given again" in result.dismissed[0].reason


def test_a_review_after_the_first_recorded_membership_counts() -> None:
    since = membership.member_since(membership.observe([], [CAB], T - dt.timedelta(minutes=1)))
    assert evaluate(snapshot(reviews=[review(BOB)], member_since=since)).status == "approved"


def test_each_sync_keeps_a_members_since_and_starts_a_newcomers_at_now() -> None:
    first = membership.observe([], [CAB], T)
    grown = dataclasses.replace(CAB, members=(*CAB.members, OUTSIDER))
    second = membership.observe(first, [grown], LATER)
    since = membership.member_since(second)
    assert (since[BOB.id], since[OUTSIDER.id]) == (T, LATER)


def test_a_sync_that_sees_the_same_members_keeps_the_snapshot_unchanged() -> None:
    first = membership.observe([], [CAB], T)
    assert membership.observe(first, [CAB], LATER) == first


REVIEWED = "a" * 40


def _bobs_approval() -> Approval:
    return Approval(
        login="bob-cab",
        user_id=BOB.id,
        team="example/cab",
        team_id=CAB.id,
        team_members=["bob-cab", "carol-cab"],
        review_id=1,
        reviewed_sha=REVIEWED,
        evidence_sha256="e" * 64,
        approved_at=T,
    )


def _context(**fields: object) -> ApprovalContext:
    defaults: dict[str, object] = {
        "bot": BOT_IDENTITY,
        "pr_author": "alice-eng",
        "requester": "alice-eng",
        "owners": ["@example/cab"],
        "reviewable": {REVIEWED},
        "document_sha256": "e" * 64,
    }
    return ApprovalContext(**{**defaults, **fields})  # type: ignore[arg-type]


def test_the_audit_finds_a_recorded_approval_by_an_account_the_record_names_an_author() -> None:
    authors = [ChangeAuthor(user_id=BOB.id, why="is the pusher of commit abc1234")]
    problems = approval_problems(_bobs_approval(), _context(authors=authors))
    assert problems == [
        ("approval.self", "@bob-cab is the pusher of commit abc1234; nobody approves their own change")
    ]


def test_the_audit_counts_a_recorded_approval_by_nobody_the_record_names_an_author() -> None:
    authors = [ChangeAuthor(user_id=CAROL.id, why="is the pusher of commit abc1234")]
    assert approval_problems(_bobs_approval(), _context(authors=authors)) == []


def test_the_audit_finds_a_recorded_approval_older_than_the_recorded_membership() -> None:
    approval = _bobs_approval()
    ctx = _context(membership=membership.observe([], [CAB], LATER))
    assert [rule for rule, _ in approval_problems(approval, ctx)] == ["approval.before-membership"]
    assert approval_problems(approval.model_copy(update={"approved_at": LATER}), ctx) == []


def test_authorship_names_each_account_once_with_its_first_reason() -> None:
    commits = [commit_by(AUTHOR), commit_by(AUTHOR, "c" * 40)]
    wrote = authorship.of_change(snapshot().pr, commits, lambda _user: False)
    assert wrote.conflicted == {AUTHOR.id: "is the PR author"}


# -- pushers, from the branch's pushes (GitHub's activity list) ----------------------------------

ZERO = "0" * 40


def _chain(*shas: str) -> list[object]:
    return [dataclasses.replace(commit_by(AUTHOR), sha=sha * 40) for sha in shas]


def _pushers(commits: list[object], pushes: list[Push] | None) -> list[tuple[str, ...] | None]:
    attributed = authorship.attribute_pushes(commits, pushes)  # type: ignore[arg-type]
    return [None if c.pushers is None else tuple(u.login for u in c.pushers) for c in attributed]


def test_a_push_brings_the_commits_after_its_before_up_to_its_after() -> None:
    pushes = [Push("b" * 40, "c" * 40, "push", CAROL), Push(ZERO, "b" * 40, "branch_creation", AUTHOR)]
    assert _pushers(_chain("a", "b", "c"), pushes) == [("alice-eng",), ("alice-eng",), ("carol-cab",)]


def test_a_force_push_may_have_brought_every_commit_up_to_its_after() -> None:
    pushes = [Push("f" * 40, "b" * 40, "force_push", CAROL), Push(ZERO, "a" * 40, "branch_creation", AUTHOR)]
    assert _pushers(_chain("a", "b"), pushes) == [("carol-cab", "alice-eng"), ("carol-cab",)]


def test_a_commit_no_push_brought_has_an_unknown_pusher_and_the_change_waits() -> None:
    commits = _chain("a", "b")
    assert _pushers(commits, [Push(ZERO, "a" * 40, "branch_creation", AUTHOR)]) == [("alice-eng",), None]
    attributed = authorship.attribute_pushes(commits, [Push(ZERO, "a" * 40, "branch_creation", AUTHOR)])  # type: ignore[arg-type]
    result = evaluate(snapshot(commits=attributed, reviews=[review(BOB)]))
    assert result.status == "pending"
    assert (
        "the pusher of commit bbbbbbb (no push the forge lists brought it) maps to no account"
        in result.summary
    )


def test_a_push_by_a_deleted_account_leaves_its_commits_pusher_unknown() -> None:
    assert _pushers(_chain("a"), [Push(ZERO, "a" * 40, "branch_creation", None)]) == [None]


def test_no_list_of_pushes_leaves_every_pusher_unknown() -> None:
    assert _pushers(_chain("a", "b"), None) == [None, None]
