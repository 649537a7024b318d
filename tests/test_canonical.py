"""Canonical content hash: the identity of a document is its meaning, never its formatting."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import documents
from bot.domain.canonical import canonical_bytes, content_sha256
from bot.domain.strict_yaml import load_bytes
from tests.builders import dump_yaml, evidence_pack


def sha_of_yaml(text: str) -> str:
    return documents.parse(text.encode(), "p.yaml").sha256


def test_serialization_is_sorted_compact_utf8_json() -> None:
    data = {"b": [1, "é"], "a": {"z": None, "y": True}}
    assert canonical_bytes(data) == '{"a":{"y":true,"z":null},"b":[1,"é"]}'.encode()


def test_hash_is_sha256_of_the_canonical_bytes() -> None:
    data = {"kind": "EvidencePack", "n": 1}
    assert content_sha256(data) == hashlib.sha256(b'{"kind":"EvidencePack","n":1}').hexdigest()


@pytest.mark.parametrize("spelling", ["85", "85.0", "8.5e1", "+85", "85.000"])
def test_integral_numbers_have_one_form(spelling: str) -> None:
    assert sha_of_yaml_value(spelling) == sha_of_yaml_value("85")


def sha_of_yaml_value(text: str) -> str:
    return content_sha256(load_bytes(f"k: {text}\n".encode(), "x").data)


def test_fractional_numbers_use_the_shortest_round_trip_form() -> None:
    assert canonical_bytes({"k": 91.50}) == b'{"k":91.5}'
    assert canonical_bytes({"k": 0.1}) == b'{"k":0.1}'


def test_datetimes_become_utc_with_z() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert (
        canonical_bytes({"t": dt.datetime(2026, 11, 3, 12, tzinfo=plus_two)})
        == b'{"t":"2026-11-03T10:00:00Z"}'
    )


def test_the_same_instant_in_any_offset_hashes_the_same() -> None:
    base = dump_yaml(evidence_pack())
    shifted = base.replace("2026-11-03 09:15:00+00:00", "2026-11-03T11:15:00+02:00")
    assert shifted != base
    assert sha_of_yaml(shifted) == sha_of_yaml(base)


def test_naive_datetimes_cannot_be_hashed() -> None:
    with pytest.raises(ValueError, match="naive datetimes"):
        canonical_bytes({"t": dt.datetime(2026, 11, 3, 12)})


def test_non_finite_numbers_cannot_be_hashed() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_bytes({"k": float("nan")})


def test_known_document_has_a_pinned_hash() -> None:
    """Pins the algorithm: changing the canonical form would orphan every recorded hash."""
    data = {
        "apiVersion": "cab/v1",
        "kind": "EvidencePack",
        "n": 85.0,
        "t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }
    assert (
        canonical_bytes(data)
        == b'{"apiVersion":"cab/v1","kind":"EvidencePack","n":85,"t":"2026-01-01T00:00:00Z"}'
    )
    assert content_sha256(data) == hashlib.sha256(canonical_bytes(data)).hexdigest()


# --- properties (hypothesis): formatting never matters, meaning always does

# Printable text only: control and invisible characters are refused by the loader (tested elsewhere).
text = st.text(
    alphabet=st.characters(
        min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f", exclude_categories=["Cc"]
    ),
    max_size=30,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(
        lambda f: abs(f) < 1e15 and len(repr(f)) < 35
    ),
    text,
)
keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
documents_st = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=20,
).map(lambda value: {"kind": "Sample", "value": value})

styles = st.fixed_dictionaries(
    {
        "quote": st.sampled_from([None, '"', "'"]),
        "flow": st.sampled_from([False, None]),
        "indent": st.sampled_from([2, 3, 4]),
        "sort_keys": st.booleans(),
        "comments": st.booleans(),
        "blank_lines": st.booleans(),
        "seed": st.integers(0, 1000),
    }
)


def _reordered(value: Any, rnd: st.DataObject) -> Any:
    if isinstance(value, dict):
        items = rnd.draw(st.permutations(list(value.items())))
        return {k: _reordered(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [_reordered(v, rnd) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(documents_st, styles)
def test_formatting_never_changes_the_hash(doc: dict[str, Any], style: dict[str, Any]) -> None:
    plain = load_bytes(dump_yaml(doc).encode(), "a.yaml").data
    styled = load_bytes(dump_yaml(doc, **style).encode(), "b.yaml").data
    assert content_sha256(styled) == content_sha256(plain) == content_sha256(doc)


@settings(max_examples=100, deadline=None)
@given(documents_st, st.data())
def test_key_order_never_changes_the_hash(doc: dict[str, Any], data: st.DataObject) -> None:
    assert content_sha256(_reordered(doc, data)) == content_sha256(doc)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_semantic_edit_of_a_pack_changes_its_hash(data: st.DataObject) -> None:
    pack = evidence_pack()
    leaves = list(_leaf_paths(pack))
    path = data.draw(st.sampled_from(leaves))
    old = _get(pack, path)
    new = data.draw(_different_value(old))
    edited = evidence_pack({".".join(map(str, path)): new})
    assert content_sha256(edited) != content_sha256(pack)


def _different_value(old: Any) -> st.SearchStrategy[Any]:
    if isinstance(old, bool):
        return st.just(not old)
    if isinstance(old, int | float):
        return st.integers(-(10**6), 10**6).filter(lambda n: n != old)
    if isinstance(old, dt.datetime):
        return st.integers(1, 10**6).map(lambda s: old + dt.timedelta(seconds=s))
    return text.filter(lambda s: s != old)


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Any:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaf_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaf_paths(child, (*prefix, index))
    else:
        yield prefix


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@settings(max_examples=50, deadline=None)
@given(styles)
def test_same_pack_parsed_twice_gives_the_same_hash(style: dict[str, Any]) -> None:
    text_yaml = dump_yaml(evidence_pack(), **style)
    assert sha_of_yaml(text_yaml) == sha_of_yaml(text_yaml) == sha_of_yaml(dump_yaml(evidence_pack()))
