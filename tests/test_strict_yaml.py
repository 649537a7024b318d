"""The strict loader: YAML 1.2 core-schema values, positions for every value, limits, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.domain.errors import InputError
from bot.domain.strict_yaml import Limits, load_bytes


def value(text: str) -> Any:
    return load_bytes(f"k: {text}\n".encode(), "doc.yaml").data["k"]


def error(raw: bytes | str, limits: Limits | None = None) -> tuple[int, int, str]:
    data = raw.encode() if isinstance(raw, str) else raw
    with pytest.raises(InputError) as caught:
        load_bytes(data, "doc.yaml", limits or Limits())
    problem = caught.value.problems[0]
    assert problem.source == "doc.yaml"
    return problem.line, problem.column, problem.message


# --- plain scalars follow the YAML 1.2 core schema, not YAML 1.1


@pytest.mark.parametrize("text", ["NO", "no", "yes", "Yes", "on", "off", "y", "n", "Off"])
def test_yaml11_boolean_words_stay_text(text: str) -> None:
    assert value(text) == text


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("True", True), ("FALSE", False)])
def test_core_schema_booleans(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize("text", ["~", "null", "Null", "NULL", ""])
def test_core_schema_nulls(text: str) -> None:
    assert value(text) is None


@pytest.mark.parametrize("text", ["1:30", "0o755", "0x1F", "1_000", "190:20:30"])
def test_yaml11_sexagesimal_octal_hex_and_underscores_stay_text(text: str) -> None:
    assert value(text) == text


def test_leading_zero_is_decimal_not_octal() -> None:
    assert value("0755") == 755


@pytest.mark.parametrize(("text", "expected"), [("+12", 12), ("-0", 0), ("42", 42)])
def test_core_schema_integers(text: str, expected: int) -> None:
    got = value(text)
    assert (type(got), got) == (int, expected)


@pytest.mark.parametrize(
    ("text", "expected"), [("1.10", 1.1), (".5", 0.5), ("1e3", 1000.0), ("-2.5E-1", -0.25)]
)
def test_core_schema_floats(text: str, expected: float) -> None:
    assert value(text) == expected


@pytest.mark.parametrize("text", ['"true"', "'123'", '"1.10"', "!!str 2026-11-03", "!!str NO", '"~"'])
def test_quoted_or_str_tagged_scalars_are_text(text: str) -> None:
    assert isinstance(value(text), str)


def test_block_scalars_are_text() -> None:
    data = load_bytes(b"a: |\n  two\n  lines\nb: >\n  folded\n  text\n", "doc.yaml").data
    assert data == {"a": "two\nlines\n", "b": "folded text\n"}


def test_keys_are_always_text() -> None:
    data = load_bytes(b"on: 1\n1: 2\nnull: 3\ntrue: 4\n", "doc.yaml").data
    assert list(data) == ["on", "1", "null", "true"]


def test_quoted_double_angle_key_is_an_ordinary_key() -> None:
    assert load_bytes(b'"<<": 1\n', "doc.yaml").data == {"<<": 1}


# --- timestamps


def test_utc_timestamp() -> None:
    assert value("2026-11-03T10:00:00Z") == dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC)


def test_offset_timestamp_keeps_its_offset() -> None:
    got = value("2026-11-03T10:00:00+02:00")
    assert got.utcoffset() == dt.timedelta(hours=2)
    assert got == dt.datetime(2026, 11, 3, 8, tzinfo=dt.UTC)


def test_space_separated_timestamp_with_spaced_zone() -> None:
    assert value("2026-11-03 10:00:00 Z") == dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC)


def test_fractional_seconds_are_truncated_to_microseconds() -> None:
    assert value("2026-11-03T10:00:00.1234567Z").microsecond == 123456


def test_timestamp_without_zone_is_naive_for_the_model_to_refuse() -> None:
    assert value("2026-11-03T10:00:00").tzinfo is None


def test_date_only_is_a_date() -> None:
    assert value("2026-11-03") == dt.date(2026, 11, 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-02-30", "day is out of range for month"),
        ("2026-00-10", "month must be in 1..12"),
        ("2026-11-03T25:00:00Z", "hour must be in 0..23"),
    ],
)
def test_impossible_dates_are_errors_at_their_position(text: str, reason: str) -> None:
    assert error(f"a: 1\nk: {text}\n") == (2, 4, f"{text!r} is not a valid date or time ({reason})")


# --- numbers are finite and bounded


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN", ".inf", "-.inf", "+.Inf", ".INF"])
def test_non_finite_literals_are_rejected(text: str) -> None:
    assert error(f"k: {text}\n") == (1, 4, f"{text} is not allowed: numbers must be finite")


@pytest.mark.parametrize("text", ["1e999", "-1e400"])
def test_float_overflow_is_rejected(text: str) -> None:
    assert error(f"k: {text}\n") == (1, 4, f"{text} is out of range: numbers must be finite")


def test_thirty_digit_integer_is_accepted_and_thirty_one_is_not() -> None:
    assert value("9" * 30) == int("9" * 30)
    assert error("k: " + "9" * 31 + "\n") == (1, 4, "number has more than 30 digits")


def test_overlong_float_text_is_rejected() -> None:
    assert error("k: 1." + "0" * 60 + "\n")[2] == "number is too long"


# --- structure and limits


def test_nesting_beyond_the_depth_limit_names_the_limit_and_position() -> None:
    # The top-level mapping is the first level.
    assert error("k: [[[[x]]]]\n", Limits(max_depth=3)) == (1, 6, "nesting deeper than 3 levels")


def test_nesting_at_the_depth_limit_is_fine() -> None:
    assert load_bytes(b"k: [[x]]\n", "doc.yaml", Limits(max_depth=3)).data == {"k": [["x"]]}


def test_five_hundred_levels_give_a_depth_error_not_a_recursion_error() -> None:
    line, _, message = error("k: " + "[" * 500 + "]" * 500 + "\n")
    assert (line, message) == (1, "nesting deeper than 32 levels")


def test_list_longer_than_the_limit_is_rejected() -> None:
    assert error("k: [1, 2, 3, 4]\n", Limits(max_collection_items=3)) == (
        1,
        14,
        "more than 3 items in a list",
    )


def test_mapping_with_more_keys_than_the_limit_is_rejected() -> None:
    assert error("a: 1\nb: 2\nc: 3\n", Limits(max_collection_items=2)) == (3, 1, "more than 2 keys")


def test_scalar_longer_than_the_limit_is_rejected() -> None:
    assert error("a: 1\nk: abcdef\n", Limits(max_scalar_chars=5)) == (2, 4, "value longer than 5 characters")


def test_input_over_the_byte_limit_is_rejected_before_parsing() -> None:
    assert error("k: [unclosed\n", Limits(max_bytes=4)) == (1, 1, "file is 13 bytes; the limit is 4 bytes")


def test_duplicate_keys_are_found_whatever_their_quoting() -> None:
    assert error("a: 1\n'a': 2\n") == (2, 1, "duplicate key 'a'")


def test_same_key_in_different_mappings_is_fine() -> None:
    assert load_bytes(b"a: {x: 1}\nb: {x: 2}\n", "doc.yaml").data == {"a": {"x": 1}, "b": {"x": 2}}


def test_explicit_document_markers_around_one_document_are_fine() -> None:
    assert load_bytes(b"---\na: 1\n...\n", "doc.yaml").data == {"a": 1}


def test_null_document_is_empty() -> None:
    assert error("null\n") == (1, 1, "document is empty")


# --- syntax and character errors keep their position


def test_syntax_error_names_its_line() -> None:
    assert error("a: 1\nb: c: d\n") == (2, 5, "YAML syntax: mapping values are not allowed in this context")


def test_tab_indentation_is_a_syntax_error_at_its_line() -> None:
    assert error("a: 1\nb:\n\t- x\n") == (3, 1, "YAML syntax: found character that cannot start any token")


def test_raw_control_character_is_located_after_multibyte_text() -> None:
    raw = "a: ééé\nb: é\x07y\n".encode()
    assert error(raw) == (2, 5, "character U+0007: control characters are not allowed")


def test_invalid_utf8_is_located() -> None:
    assert error(b"a: 1\nb: caf\xe9\n") == (2, 7, "file is not valid UTF-8")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u200d", "\u2060", "\ufeff"])
def test_raw_invisible_characters_are_rejected(char: str) -> None:
    code = f"U+{ord(char):04X}"
    assert error(f"a: 1\nb: x{char}y\n") == (
        2,
        5,
        f"invisible or bidirectional control character {code} is not allowed",
    )


@pytest.mark.parametrize("escape", ["\\u202E", "\\0", "\\e", "\\x7f", "\\u200B", "\\x85"])
def test_escaped_hidden_characters_in_double_quotes_are_rejected(escape: str) -> None:
    message = f"escaped control or invisible character U+{_code(escape)} is not allowed"
    assert error(f'a: 1\nb: "x{escape}y"\n') == (2, 4, message)


def test_escaped_hidden_character_in_a_key_is_rejected() -> None:
    assert error('"ke\\u200By": 1\n')[0] == 1


@pytest.mark.parametrize("escape", ["\\t", "\\n", "\\u00e9", '\\"'])
def test_ordinary_escapes_are_fine(escape: str) -> None:
    assert isinstance(value(f'"x{escape}y"'), str)


def _code(escape: str) -> str:
    decoded = escape.encode().decode("unicode_escape") if escape != "\\e" else "\x1b"
    return f"{ord(decoded):04X}"


# --- positions


def test_positions_locate_nested_values_and_keys() -> None:
    doc = load_bytes(b"a:\n  b:\n    - x\n    - {c: 1}\n", "doc.yaml")
    assert doc.locate(("a", "b", 1, "c")) == (4, 11)
    assert doc.locate(("a", "b", 1, "c"), key=True) == (4, 8)
    assert doc.locate(("a", "b", 0)) == (3, 7)


def test_locate_falls_back_to_the_deepest_known_parent() -> None:
    doc = load_bytes(b"a:\n  b: 1\n", "doc.yaml")
    assert doc.locate(("a", "missing", "deeper")) == (2, 3)


def test_raw_text_of_plain_scalars_is_kept_for_messages() -> None:
    doc = load_bytes(b"v: 1.10\nq: '1.10'\n", "doc.yaml")
    assert doc.raw_scalars == {("v",): "1.10"}


# --- loading without positions: the same document and the same refusals, only no position tables

_ROOT = Path(__file__).resolve().parent.parent
_CORPUS = sorted((_ROOT / "tests" / "fixtures" / "bad").glob("*.yaml")) + sorted(
    p for top in ("evidence", "risk-model", "bot/data/examples") for p in (_ROOT / top).rglob("*.yaml")
)


def _outcome(raw: bytes, positions: bool) -> tuple[str, Any]:
    try:
        return "ok", load_bytes(raw, "doc.yaml", positions=positions).data
    except InputError as exc:
        return "refused", [str(p) for p in exc.problems]


@pytest.mark.parametrize("path", _CORPUS, ids=[str(p.relative_to(_ROOT)) for p in _CORPUS])
def test_without_positions_the_same_documents_load_and_the_same_ones_are_refused(path: Path) -> None:
    raw = path.read_bytes()
    assert _outcome(raw, positions=False) == _outcome(raw, positions=True)


def test_without_positions_the_position_tables_stay_empty() -> None:
    doc = load_bytes(b"a:\n  b: [1, {c: x}]\n", "doc.yaml", positions=False)
    assert doc.data == {"a": {"b": [1, {"c": "x"}]}}
    assert (doc.positions, doc.key_positions, doc.raw_scalars) == ({}, {}, {})
