"""The approval rules, one behaviour per test (DESIGN lifecycle rules, THREATS approval bypass)."""

from bot.domain.pull_request import Team, User
from bot.domain.rules.approval import Owners, evaluate
from tests.policy_builders import (
    AUTHOR,
    BOB,
    BOT,
    CAB,
    CAROL,
    OLD,
    OUTSIDER,
    SAM,
    comment,
    commit_by,
    review,
    snapshot,
)


def test_low_tier_is_auto_approved_without_reviews() -> None:
    assert evaluate(snapshot("low")).status == "auto_approved"


def test_medium_without_reviews_is_pending_and_says_what_is_missing() -> None:
    result = evaluate(snapshot())
    assert result.status == "pending"
    assert result.missing == ("1 approval from @example/cab on the current head",)


def test_approval_by_team_member_on_head_approves() -> None:
    result = evaluate(snapshot(reviews=[review(BOB)]))
    assert result.status == "approved"
    assert [a.review.user for a in result.approvals] == [BOB]
    assert result.approvals[0].team == CAB


def test_approval_by_pr_author_does_not_count_even_in_the_team() -> None:
    owners = Owners(teams=(Team("example/cab", 100, (AUTHOR, BOB)),))
    result = evaluate(snapshot(reviews=[review(AUTHOR)], owners=owners))
    assert result.status == "pending"
    assert "is the PR author" in result.dismissed[0].reason


def test_approval_by_author_of_a_pr_commit_does_not_count() -> None:
    result = evaluate(snapshot(reviews=[review(BOB)], commits=[commit_by(AUTHOR), commit_by(BOB, "c" * 40)]))
    assert result.status == "pending"
    assert "author of commit ccccccc" in result.dismissed[0].reason


def test_approval_by_non_member_does_not_count() -> None:
    result = evaluate(snapshot(reviews=[review(OUTSIDER)]))
    assert result.status == "pending"
    assert result.dismissed[0].reason == "@mallory is not in @example/cab"


def test_lookalike_login_with_member_name_but_other_id_does_not_count() -> None:
    impostor = User("bob-cab", 999)
    assert evaluate(snapshot(reviews=[review(impostor)])).status == "pending"


def test_stale_approval_on_earlier_head_does_not_count_and_says_why() -> None:
    result = evaluate(snapshot(reviews=[review(BOB, commit=OLD)]))
    assert result.status == "pending"
    assert result.dismissed[0].reason == "@bob-cab's approval is stale: given on ooooooo, head is hhhhhhh"


def test_approval_on_a_commit_differing_only_by_the_bot_record_counts() -> None:
    result = evaluate(snapshot(reviews=[review(BOB, commit=OLD)], reviewable_shas=frozenset({"h" * 40, OLD})))
    assert result.status == "approved"


def test_later_changes_requested_supersedes_approval() -> None:
    result = evaluate(snapshot(reviews=[review(BOB), review(BOB, "CHANGES_REQUESTED")]))
    assert result.status == "pending"
    assert result.dismissed[0].reason == "@bob-cab requested changes"


def test_comment_review_after_approval_keeps_the_approval() -> None:
    assert evaluate(snapshot(reviews=[review(BOB), review(BOB, "COMMENTED")])).status == "approved"


def test_dismissed_approval_does_not_count() -> None:
    assert evaluate(snapshot(reviews=[review(BOB), review(BOB, "DISMISSED")])).status == "pending"


def test_bot_in_the_owning_team_never_approves() -> None:
    result = evaluate(snapshot(reviews=[review(BOT)]))
    assert result.status == "pending"
    assert "bots never approve" in result.dismissed[0].reason


def test_cab_approval_does_not_satisfy_high_tier() -> None:
    assert evaluate(snapshot("high", reviews=[review(BOB)])).status == "pending"


def test_high_tier_needs_security_approval_and_an_exception() -> None:
    result = evaluate(snapshot("high", reviews=[review(SAM)], exception_ids=(), exception_gaps=("change x",)))
    assert result.status == "pending"
    assert result.missing == ("an active exception covering change x",)


def test_high_tier_with_security_approval_and_exception_is_approved() -> None:
    assert evaluate(snapshot("high", reviews=[review(SAM)])).status == "approved"


def test_no_owner_fails_closed() -> None:
    result = evaluate(snapshot(reviews=[review(BOB)], owners=Owners()))
    assert result.status == "pending"
    assert "no owner can approve" in result.summary


def test_unknown_tier_fails_closed() -> None:
    assert evaluate(snapshot("critical", reviews=[review(BOB)])).status == "pending"


def test_reject_command_from_owner_rejects_with_reason() -> None:
    result = evaluate(snapshot(comments=[comment(CAROL, "Looked at it.\n/cab reject rollback untested")]))
    assert result.status == "rejected"
    assert result.rejection == "rollback untested"


def test_reject_command_from_non_owner_is_ignored() -> None:
    assert evaluate(snapshot(comments=[comment(OUTSIDER, "/cab reject no")])).status == "pending"


def test_reject_command_from_pr_author_is_ignored() -> None:
    owners = Owners(teams=(Team("example/cab", 100, (AUTHOR, BOB)),))
    assert evaluate(snapshot(owners=owners, comments=[comment(AUTHOR, "/cab reject x")])).status == "pending"


def test_command_quoted_mid_line_is_not_a_command() -> None:
    assert (
        evaluate(snapshot(comments=[comment(CAROL, "do not type `/cab reject x` here")])).status == "pending"
    )


def test_conditions_with_approval_give_conditional_outcome() -> None:
    result = evaluate(
        snapshot(reviews=[review(BOB)], comments=[comment(CAROL, "/cab conditions deploy after 18:00")])
    )
    assert result.status == "conditional"
    assert result.conditions == ("deploy after 18:00",)


def test_conditions_without_approval_stay_pending() -> None:
    assert evaluate(snapshot(comments=[comment(CAROL, "/cab conditions x")])).status == "pending"


def test_a_comment_saying_approved_is_not_an_approval() -> None:
    assert evaluate(snapshot(comments=[comment(BOB, "Approved! LGTM")])).status == "pending"


def test_requester_named_in_the_document_may_not_approve() -> None:
    result = evaluate(snapshot(reviews=[review(BOB)], requester="Bob-Cab"))
    assert result.status == "pending"
    assert "is the requester" in result.dismissed[0].reason


def test_exception_needs_an_owner_approval_but_no_exception_of_its_own() -> None:
    from tests.policy_builders import SECURITY

    owners = Owners(teams=(SECURITY,))
    assert evaluate(snapshot("exception", owners=owners)).status == "pending"
    assert evaluate(snapshot("exception", owners=owners, reviews=[review(SAM)])).status == "approved"


def test_a_retro_approve_said_on_an_open_change_does_not_undo_an_owners_rejection() -> None:
    said = [comment(BOB, "/cab reject not tested"), comment(BOB, "/cab retro-approve")]
    assert evaluate(snapshot(comments=said)).status == "rejected"
