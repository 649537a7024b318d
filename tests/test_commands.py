"""Which lines of a comment are commands: CommonMark decides what is code or a quote (issue 13)."""

from __future__ import annotations

import pytest

from bot.domain.rules import commands


def test_a_line_of_a_paragraph_is_a_command() -> None:
    read = commands.read("Thanks.\n/cab reject rollback never rehearsed\n")
    assert [(c.verb, c.text, c.line) for c in read.commands] == [("reject", "rollback never rehearsed", 2)]
    assert read.ignored == ()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("```\n/cab reject x\n```\n", commands.WHY_FENCE),
        ("~~~\n/cab reject x\n~~~\n", commands.WHY_FENCE),
        ("text\n\n    /cab reject x\n", commands.WHY_INDENTED),
        ("text\n\n\t/cab reject x\n", commands.WHY_INDENTED),
        ("> /cab reject x\n", commands.WHY_QUOTE),
        ("> quoted\n/cab reject x\n", commands.WHY_QUOTE),  # a lazy continuation line stays quoted
        (">> /cab conditions x\n", commands.WHY_QUOTE),
        ("- item\n\n  ```\n  /cab reject x\n  ```\n", commands.WHY_FENCE),
    ],
    ids=["backticks", "tildes", "four-spaces", "tab", "quote", "lazy-quote", "nested-quote", "fence-in-list"],
)
def test_a_command_in_code_or_a_quote_is_ignored_with_the_reason(body: str, why: str) -> None:
    read = commands.read(body)
    assert read.commands == ()
    [ignored] = read.ignored
    assert ignored.why == why


def test_an_unclosed_fence_runs_to_the_end_of_the_comment() -> None:
    read = commands.read("```\nsome code\n\n/cab reject x\n")
    assert read.commands == ()
    assert [i.why for i in read.ignored] == [commands.WHY_FENCE]


def test_a_command_after_a_closed_fence_counts() -> None:
    read = commands.read("```\n/cab reject quoted\n```\n/cab conditions deploy at night\n")
    assert [(c.verb, c.text) for c in read.commands] == [("conditions", "deploy at night")]
    assert [i.line for i in read.ignored] == [2]


def test_retro_approve_is_a_command_with_its_text() -> None:
    read = commands.read("Reviewed.\n\n/cab retro-approve incident report attached")
    assert [(c.verb, c.text) for c in read.commands] == [("retro-approve", "incident report attached")]


def test_a_quoted_retro_approve_is_ignored() -> None:
    read = commands.read("> /cab retro-approve\n")
    assert read.commands == () and read.ignored[0].verb == "retro-approve"
