"""Who edited a comment, as GitHub's GraphQL `editor` and `userContentEdits` say it (parser only)."""

from __future__ import annotations

from typing import Any

from bot.adapters.forge.github_graphql import editors

ALICE = {"__typename": "User", "login": "alice-eng", "databaseId": 201}
BOB = {"__typename": "User", "login": "bob-cab", "databaseId": 202}


def _node(edits: list[Any], last: Any, more: bool = False) -> dict[str, Any]:
    return {"editor": last, "userContentEdits": {"pageInfo": {"hasNextPage": more}, "nodes": edits}}


def test_a_comment_never_edited_has_no_editors_and_that_is_complete() -> None:
    assert editors(_node([], None)) == ([], True)


def test_every_editor_in_the_history_is_listed() -> None:
    found, complete = editors(_node([{"editor": ALICE}, {"editor": BOB}], ALICE))
    assert ({u["login"] for u in found}, complete) == ({"alice-eng", "bob-cab"}, True)


def test_an_edit_by_an_account_github_no_longer_names_leaves_the_editors_unknown() -> None:
    assert editors(_node([{"editor": None}, {"editor": BOB}], BOB))[1] is False


def test_an_edit_history_longer_than_one_page_leaves_the_editors_unknown() -> None:
    assert editors(_node([{"editor": BOB}], BOB, more=True))[1] is False
