"""Pydantic's own words, translated: what a field wants, in terms the author of the file can act on."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.models import RiskModel
from tests.builders import SHA_A, dump_yaml, evidence_pack


def _message(pack: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        documents.parse(dump_yaml(pack).encode(), "pack.yaml")
    (problem,) = caught.value.problems
    return problem.message


def test_a_short_sha256_says_what_a_sha256_is_and_how_long_it_was() -> None:
    assert _message(evidence_pack({"artifact.sha256": "3f1d2a"})) == (
        "artifact.sha256: expected a sha256: 64 hexadecimal digits (0-9, a-f) in lowercase, "
        "got '3f1d2a' (6 characters)"
    )


def test_an_uppercase_sha256_is_asked_for_in_lowercase() -> None:
    assert _message(evidence_pack({"artifact.sha256": SHA_A.upper()})).endswith(": write it in lowercase")


def test_no_message_shows_the_regular_expression() -> None:
    assert "^[0-9a-f]{64}$" not in _message(evidence_pack({"artifact.sha256": "xyz"}))


def test_an_id_with_a_look_alike_letter_names_the_character() -> None:
    message = _message(evidence_pack(requester="\u0430lice-eng"))  # Cyrillic a
    assert message.endswith("'\u0430' is U+0430, not an ASCII character")


def test_an_impossible_date_says_why() -> None:
    assert _message(evidence_pack(submitted_at="2026-02-30T09:00:00Z")) == (
        "submitted_at: expected a date and time with time zone, e.g. 2026-11-03T10:00:00Z; "
        "got '2026-02-30T09:00:00Z' (day is out of range for month)"
    )


def test_text_for_a_time_shows_an_example() -> None:
    assert _message(evidence_pack(submitted_at="yesterday")) == (
        "submitted_at: expected a date and time with time zone, e.g. 2026-11-03T10:00:00Z; got 'yesterday'"
    )


def test_a_number_over_its_bound_names_the_bound() -> None:
    assert _message(evidence_pack({"tests.coverage_percent": 150})) == (
        "tests.coverage_percent: must be at most 100.0, got 150"
    )


def test_a_negative_count_names_the_lower_bound() -> None:
    assert _message(evidence_pack({"tests.passed": -1})) == "tests.passed: must be at least 0, got -1"


def test_text_for_a_number_says_it_is_text() -> None:
    assert _message(evidence_pack({"tests.coverage_percent": "lots"})) == (
        "tests.coverage_percent: expected a number, got text 'lots'"
    )


def test_a_misspelt_field_gets_a_suggestion() -> None:
    assert _message(evidence_pack(complexty="low")) == (
        "complexty: unknown field (not in the EvidencePack schema); did you mean 'complexity'?"
    )


def test_a_misspelt_field_in_a_list_item_is_matched_against_that_items_fields() -> None:
    pack = evidence_pack()
    finding = pack["vulnerability_scan"]["findings"][0]
    finding["packge"] = finding.pop("package")
    assert _message(pack).endswith("did you mean 'package'?")


def test_a_field_like_no_other_gets_no_suggestion() -> None:
    assert _message(evidence_pack({"artifact.approved_by": "mallory"})) == (
        "artifact.approved_by: unknown field (not in the EvidencePack schema)"
    )


def test_a_document_of_another_known_kind_gets_one_line_naming_both_kinds() -> None:
    raw = dump_yaml(evidence_pack()).encode()
    with pytest.raises(InputError) as caught:
        documents.parse(raw, "model.yaml", RiskModel)
    assert [p.message for p in caught.value.problems] == ["this is an EvidencePack, not a RiskModel"]
