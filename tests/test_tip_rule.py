"""`rules.history.tip_unaccounted`: may the bot lay a decision merge on this tip? Pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.git_objects import CommitHeader, Ident
from bot.domain.rules.history import HistoryPolicy, accepts, tip_unaccounted
from tests.sandbox import BOT

TIP, BASE, SIDE = "c" * 40, "a" * 40, "b" * 40
BOTS = Ident(BOT.name, BOT.email)
ALICE = Ident("alice", "alice@example.com")
DECISION = "Merge pull request #7\n\nCab-Decision: approved\n"


def commit(parents: tuple[str, ...], who: Ident = ALICE, message: str = "hotfix") -> CommitHeader:
    return CommitHeader(TIP, "t" * 40, parents, who, who, message)


def test_a_root_commit_is_accounted_for() -> None:
    assert tip_unaccounted(commit(()), BOT, HistoryPolicy(), None) is None


def test_a_direct_push_is_not_accounted_for_and_named() -> None:
    why = tip_unaccounted(commit((BASE,)), BOT, HistoryPolicy(), None)
    assert why is not None and why.startswith(f"its tip {TIP[:12]} is a non-merge commit")
    assert "alice <alice@example.com>" in why


def test_a_push_the_history_policy_accepts_is_accounted_for() -> None:
    assert tip_unaccounted(commit((BASE,)), BOT, HistoryPolicy(None, frozenset({TIP})), None) is None


def test_the_recorded_start_is_accounted_for() -> None:
    assert tip_unaccounted(commit((BASE,)), BOT, HistoryPolicy(TIP), None) is None


def test_the_bots_signed_decision_merge_is_accounted_for() -> None:
    assert tip_unaccounted(commit((BASE, SIDE), BOTS, DECISION), BOT, HistoryPolicy(), None) is None


def test_the_bots_decision_merge_with_an_untrusted_signature_is_not() -> None:
    why = tip_unaccounted(commit((BASE, SIDE), BOTS, DECISION), BOT, HistoryPolicy(), "no signature")
    assert (
        why
        == f"its tip {TIP[:12]} is a decision merge whose signature is not trusted for the bot: no signature"
    )


def test_a_decision_merge_by_someone_else_is_not_accounted_for() -> None:
    why = tip_unaccounted(commit((BASE, SIDE), ALICE, DECISION), BOT, HistoryPolicy(), None)
    assert why is not None and "a decision merge the bot did not make" in why


def test_a_merge_that_is_no_decision_is_not_accounted_for() -> None:
    why = tip_unaccounted(commit((BASE, SIDE), BOTS, "Merge branch 'x'"), BOT, HistoryPolicy(), None)
    assert why is not None and "2-parent merge that is no decision" in why


shas = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@given(sha=shas, start=st.none() | shas, accepted=st.frozensets(shas, max_size=5))
def test_a_policy_accepts_exactly_its_start_and_its_bootstrap(
    sha: str, start: str | None, accepted: frozenset[str]
) -> None:
    assert accepts(HistoryPolicy(start, accepted), sha) == (sha == start or sha in accepted)


@given(policy_start=st.none() | shas, accepted=st.frozensets(shas, max_size=5))
def test_a_tip_a_policy_accepts_is_never_held(policy_start: str | None, accepted: frozenset[str]) -> None:
    policy = HistoryPolicy(policy_start, accepted | {TIP})
    assert tip_unaccounted(commit((BASE,)), BOT, policy, "no signature") is None
