"""History (policy/history.yaml): where governance starts and which hand-made commits were accepted."""

from __future__ import annotations

from bot.domain.models import History
from tests.builders import history_policy
from tests.model_checks import accepts, rejection

A = "a" * 40
B = "b" * 40


def test_an_empty_policy_is_accepted_and_accepts_nothing() -> None:
    model = accepts(History, history_policy())
    assert isinstance(model, History) and (model.start, model.accepted()) == (None, frozenset())


def test_a_start_and_accepted_commits_are_read() -> None:
    model = accepts(History, history_policy(start=A, accepted={B: "INC-42 emergency fix"}))
    assert isinstance(model, History) and (model.start, model.accepted()) == (A, frozenset({B}))


def test_an_accepted_commit_needs_a_reason() -> None:
    doc = history_policy()
    doc["bootstrap"] = [{"commit": B}]
    assert rejection(History, doc) == ("bootstrap.0.reason", "Field required")


def test_a_commit_id_must_be_a_full_lowercase_sha() -> None:
    assert rejection(History, history_policy(start="abc123"))[0] == "start"


def test_a_commit_listed_twice_is_refused() -> None:
    doc = history_policy(accepted={B: "one"})
    doc["bootstrap"] *= 2
    assert rejection(History, doc) == ("", f"Value error, bootstrap lists {B} more than once")


def test_the_start_is_not_listed_again() -> None:
    loc, message = rejection(History, history_policy(start=A, accepted={A: "again"}))
    assert (loc, message) == (
        "",
        "Value error, the start commit is accounted for already; do not list it in bootstrap",
    )
