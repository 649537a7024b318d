"""`rules.history.tip_unaccounted`: may the bot lay a decision merge on this tip? Pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.git_objects import CommitHeader, Ident
from bot.domain.rules.history import ACCEPTED_RUN_MAX, STRICT, HistoryPolicy, tip_unaccounted
from tests.sandbox import BOT

BOTS = Ident(BOT.name, BOT.email)
ALICE = Ident("alice", "alice@example.com")
DECISION = "Merge pull request #7\n\nCab-Decision: approved\n"
ROOT = "0" * 40
SIDE = "e" * 40


def sha(n: int) -> str:
    return f"{n:040x}"


def line(*commits: tuple[Ident, str, bool]) -> dict[str, CommitHeader]:
    """A first-parent line above a root, oldest first: (who, message, merge?) per commit."""
    headers = {ROOT: CommitHeader(ROOT, "t" * 40, (), ALICE, ALICE, "root")}
    parent = ROOT
    for n, (who, message, merge) in enumerate(commits, start=1):
        parents = (parent, SIDE) if merge else (parent,)
        headers[sha(n)] = CommitHeader(sha(n), "t" * 40, parents, who, who, message)
        parent = sha(n)
    return headers


PUSH = (ALICE, "hotfix", False)
BOT_MERGE = (BOTS, DECISION, True)


def held(
    headers: dict[str, CommitHeader],
    policy: HistoryPolicy = STRICT,
    unsigned: str | None = None,
    signers_changed_by: frozenset[str] = frozenset(),
) -> str | None:
    tip = list(headers)[-1]
    return tip_unaccounted(
        tip, headers.__getitem__, BOT, policy, lambda _h: unsigned, lambda h: h.sha in signers_changed_by
    )


def test_a_root_commit_is_accounted_for() -> None:
    assert held(line()) is None


def test_a_direct_push_is_not_accounted_for_and_named() -> None:
    why = held(line(BOT_MERGE, PUSH))
    assert why is not None and why.startswith(f"its tip {sha(2)[:12]} is a non-merge commit")
    assert "alice <alice@example.com>" in why


def test_the_bots_signed_decision_merge_is_accounted_for() -> None:
    assert held(line(PUSH, BOT_MERGE)) is None  # what lies below it, the bot checked when it merged


def test_the_bots_decision_merge_with_an_untrusted_signature_is_not() -> None:
    why = held(line(BOT_MERGE), unsigned="no signature")
    assert (
        why
        == f"its tip {sha(1)[:12]} is a decision merge whose signature is not trusted for the bot: no signature"
    )


def test_a_decision_merge_by_someone_else_is_not_accounted_for() -> None:
    why = held(line((ALICE, DECISION, True)))
    assert why is not None and "a decision merge the bot did not make" in why


def test_a_merge_that_is_no_decision_is_not_accounted_for() -> None:
    why = held(line((BOTS, "Merge branch 'x'", True)))
    assert why is not None and "2-parent merge that is no decision" in why


def test_the_recorded_start_is_accounted_for_with_all_below_it() -> None:
    assert held(line(PUSH, PUSH), HistoryPolicy(sha(2))) is None


def test_an_accepted_push_on_the_bots_merge_is_accounted_for() -> None:
    assert held(line(BOT_MERGE, PUSH), HistoryPolicy(None, frozenset({sha(2)}))) is None


def test_accepting_the_tip_does_not_bury_the_push_below_it() -> None:
    why = held(line(BOT_MERGE, PUSH, PUSH), HistoryPolicy(None, frozenset({sha(3)})))
    assert why is not None
    assert why.startswith(f"below its tip {sha(3)[:12]}, {sha(2)[:12]} is a non-merge commit")


def test_a_forged_merge_below_an_accepted_push_is_checked_for_its_signature() -> None:
    why = held(line(BOT_MERGE, PUSH), HistoryPolicy(None, frozenset({sha(2)})), unsigned="no signature")
    assert why is not None and f"{sha(1)[:12]} is a decision merge whose signature is not trusted" in why


def test_an_accepted_push_that_changed_the_signers_is_not_accounted_for() -> None:
    policy = HistoryPolicy(None, frozenset({sha(2), sha(3)}))
    why = held(line(BOT_MERGE, PUSH, PUSH), policy, signers_changed_by=frozenset({sha(2)}))
    assert why is not None and why.startswith(f"below its tip {sha(3)[:12]}, {sha(2)[:12]} is accepted")
    assert "changed policy/signers.yaml" in why


def merged_onto(checked: str) -> tuple[Ident, str, bool]:
    """The bot's decision merge that names the tip it checked (`Cab-Base`)."""
    return (BOTS, f"{DECISION}Cab-Base: {checked}\n", True)


def test_the_bots_merge_onto_the_tip_it_checked_ends_the_walk() -> None:
    assert held(line(PUSH, BOT_MERGE, merged_onto(sha(2)))) is None


def test_the_bots_merge_that_landed_on_a_newer_tip_is_walked_through_to_the_push_between() -> None:
    """GitHub cannot merge conditionally on the base: a push in the window lies below the merge."""
    why = held(line(BOT_MERGE, PUSH, merged_onto(sha(1))))
    assert why is not None and why.startswith(
        f"below its tip {sha(3)[:12]}, {sha(2)[:12]} is a non-merge commit"
    )


def test_a_merge_that_landed_on_a_newer_tip_of_the_bots_own_is_accounted_for() -> None:
    assert held(line(BOT_MERGE, BOT_MERGE, merged_onto(sha(1)))) is None


def test_the_walk_follows_as_many_accepted_pushes_as_it_may_and_no_more() -> None:
    def accepted_run(length: int) -> str | None:
        pushes = frozenset(sha(n) for n in range(2, length + 2))
        return held(line(BOT_MERGE, *[PUSH] * length), HistoryPolicy(None, pushes))

    assert accepted_run(ACCEPTED_RUN_MAX) is None
    why = accepted_run(ACCEPTED_RUN_MAX + 1)
    assert why is not None and "move its `start` past them" in why


@given(st.lists(st.booleans(), min_size=1, max_size=12), st.data())
def test_a_line_of_pushes_is_accounted_for_exactly_when_each_push_down_to_the_bots_merge_is_accepted(
    accepted_flags: list[bool], data: st.DataObject
) -> None:
    """Above one bot merge, a line of pushes: held unless every push is accepted (or the start)."""
    headers = line(BOT_MERGE, *[PUSH] * len(accepted_flags))
    accepted = frozenset(sha(n + 2) for n, flag in enumerate(accepted_flags) if flag)
    start = data.draw(st.none() | st.sampled_from([sha(n + 2) for n in range(len(accepted_flags))]))
    above_start = [flag for n, flag in enumerate(accepted_flags) if start is None or int(start, 16) < n + 2]
    expected_accounted = all(above_start)
    assert (held(headers, HistoryPolicy(start, accepted)) is None) == expected_accounted
