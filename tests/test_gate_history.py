"""The gate's light reading of `policy/history.yaml` (bot.domain.rules.gate_history): it reads the
policy as the `History` model does, and gives None for every document the model refuses, so the
gate's light path never accepts a history the full path would not."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.domain.models.history import History
from bot.domain.rules import gate_history
from bot.domain.rules.history import HistoryPolicy
from bot.domain.strict_yaml import load_bytes
from tests.builders import GIT_SHA, REMOVE, changed, dump_yaml, history_policy

OTHER = "89abcdef0123456789abcdef0123456789abcdef"


def _parsed(data: dict[str, Any]) -> Any:
    return load_bytes(dump_yaml(data).encode(), "history.yaml").data


def test_a_valid_history_reads_as_the_model_reads_it() -> None:
    data = _parsed(history_policy(start=GIT_SHA, accepted={OTHER: "the bootstrap commit"}))
    assert gate_history.read(data) == HistoryPolicy.of(History.model_validate(data))


def test_a_history_without_start_or_bootstrap_is_the_strictest() -> None:
    data = _parsed({"apiVersion": "cab/v1", "kind": "History"})
    assert gate_history.read(data) == HistoryPolicy.of(History.model_validate(data)) == HistoryPolicy()


MALFORMED: dict[str, dict[str, Any]] = {
    "another kind": {"kind": "Signers"},
    "another api version": {"apiVersion": "cab/v2"},
    "an unknown field": {"owners": ["x"]},
    "a short start": {"start": "0123abc"},
    "an upper-case start": {"start": GIT_SHA.upper()},
    "bootstrap not a list": {"bootstrap": OTHER},
    "an entry without a reason": {"bootstrap.0.reason": REMOVE},
    "an empty reason": {"bootstrap.0.reason": ""},
    "a reason over 4000 characters": {"bootstrap.0.reason": "r" * 4001},
    "an entry with an unknown field": {"bootstrap.0.by": "alice"},
    "a commit that is no id": {"bootstrap.0.commit": "HEAD~1"},
    "the start listed in bootstrap": {"start": OTHER},
    "a commit listed twice": {
        "bootstrap": [{"commit": OTHER, "reason": "first"}, {"commit": OTHER, "reason": "again"}]
    },
}


@pytest.mark.parametrize("edits", MALFORMED.values(), ids=MALFORMED)
def test_a_history_the_schema_refuses_is_refused_by_the_light_reading_too(edits: dict[str, Any]) -> None:
    data = _parsed(changed(history_policy(start=GIT_SHA, accepted={OTHER: "the bootstrap commit"}), edits))
    with pytest.raises(ValidationError):
        History.model_validate(data)
    assert gate_history.read(data) is None
