"""Look-alike top-level folders, by Unicode's confusables (confusable_homoglyphs' table)."""

from __future__ import annotations

import pytest

from bot.domain.layout import is_governed, lookalike


@pytest.mark.parametrize(
    ("top", "imitated"),
    [
        ("ev\u0131dence", "evidence"),  # dotless i
        ("\uff44ecisions", "decisions"),  # fullwidth d
        ("\u1d05ecisions", "decisions"),  # small-capital d
        ("ex\u0441eptions", "exceptions"),  # Cyrillic es
        ("po1icy", "policy"),  # digit one for l
        ("risk-rnodel", "risk-model"),  # rn for m
        ("EVIDENCE", "evidence"),
    ],
)
def test_a_name_that_reads_as_a_governed_one_is_a_look_alike(top: str, imitated: str) -> None:
    why = lookalike(top)
    assert why is not None and f"looks like {imitated}/" in why
    assert is_governed(f"{top}/x.yaml")


def test_a_top_level_name_that_is_not_ascii_is_refused_even_if_it_imitates_nothing() -> None:
    assert lookalike("\u6587\u6863") == "\\u6587\\u6863/ is not ASCII; top-level folders must be ASCII"


@pytest.mark.parametrize(
    "top", ["evidence", "decisions", "policy", "docs", "bot", "tests", "schemas", ".github", "README.md"]
)
def test_governed_and_ordinary_names_are_not_look_alikes(top: str) -> None:
    assert lookalike(top) is None
