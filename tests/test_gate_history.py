"""The gate's light reading of policy/history.yaml agrees with the model, or leaves it to the full path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.models.history import History
from bot.domain.rules import gate_history
from bot.domain.rules.history import HistoryPolicy
from bot.domain.strict_yaml import load_bytes
from tests.builders import dump_yaml, history_policy

A, B = "a" * 40, "b" * 40


def test_the_start_and_the_bootstrap_commits_are_read() -> None:
    data = history_policy(start=A, accepted={B: "INC-42 emergency fix"})
    assert gate_history.read(data) == HistoryPolicy(A, frozenset({B}))


def test_no_start_and_no_bootstrap_is_the_strict_reading() -> None:
    assert gate_history.read(history_policy()) == HistoryPolicy()


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"kind": "Signers"},
        {"apiVersion": "cab/v2"},
        {"start": "not-a-sha"},
        {"bootstrap": None},
        {"bootstrap": [{"commit": A, "reason": ""}]},
        {"bootstrap": [{"commit": A, "reason": "tab\there is fine, bell \x07 is not"}]},
        {"bootstrap": [{"commit": A}]},
        {"bootstrap": [{"commit": A, "reason": "x"}, {"commit": A, "reason": "y"}]},
        {"start": A, "bootstrap": [{"commit": A, "reason": "x"}]},
    ],
    ids=["key", "kind", "version", "start", "null", "empty-reason", "control", "no-reason", "twice", "start"],
)
def test_what_the_model_refuses_is_left_to_the_full_path(change: dict[str, Any]) -> None:
    data = {**history_policy(), **change}
    assert gate_history.read(data) is None
    with pytest.raises(InputError):
        documents.parse(dump_yaml(data).encode(), "policy/history.yaml", History)


shas = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@given(start=st.none() | shas, accepted=st.dictionaries(shas, st.text(min_size=1, max_size=20)))
def test_the_light_reading_is_the_models_or_none(start: str | None, accepted: dict[str, str]) -> None:
    raw = dump_yaml(history_policy(start=start, accepted=accepted)).encode()
    try:
        data = load_bytes(raw, "policy/history.yaml", positions=False).data
    except InputError:
        return  # neither path reads what the strict loader refuses
    try:
        model = documents.parse(raw, "policy/history.yaml", History).model
    except InputError:
        assert gate_history.read(data) is None
        return
    assert gate_history.read(data) == HistoryPolicy.of(model)
