"""The deployment gate's light reading of a decision record: only the fields its verdict depends
on, each held to the rule the schema (bot.domain.models.decision) gives it. Pure.

Why: `cab verify` runs in every deployment pipeline, and loading pydantic and the models costs
several times Python's own start. The reading is a gate, not a parser of its own: anything that
is not exactly as the schema allows gives None, and the caller then validates the whole record
the usual way and reports what is wrong in the usual words. The verdict reads no other field, so
the rest of the record is the audit's to check (its `record.*` rules), as it always was.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

from bot.domain.outcomes import OUTCOMES, TIERS
from bot.domain.patterns import CHANGE_ID_PATTERN, EVIDENCE_PATH_PATTERN, SCORE_PATTERN, SHA256_PATTERN

_API_VERSION = "cab/v1"
_MAX_TEXT = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Risk(NamedTuple):
    tier: str
    score: str


class Evidence(NamedTuple):
    path: str
    sha256: str


class ExceptionRef(NamedTuple):
    id: str
    expires_at: dt.datetime


class GateRecord(NamedTuple):
    change_id: str
    outcome: str
    risk: Risk
    evidence: Evidence
    exceptions: tuple[ExceptionRef, ...]
    conditions: tuple[str, ...]


def _text(value: Any, pattern: str) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(pattern, value) else None


def _mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _items(data: dict[str, Any], key: str) -> list[Any] | None:
    """A list field that defaults to empty, as the schema's `default_factory=list`."""
    value = data.get(key, [])
    return value if isinstance(value, list) else None


def _exception(item: Any) -> ExceptionRef | None:
    ref = _mapping(item)
    if ref is None:
        return None
    ident = _text(ref.get("id"), CHANGE_ID_PATTERN)
    expires = ref.get("expires_at")
    if ident is None or _text(ref.get("sha256"), SHA256_PATTERN) is None:
        return None
    if not isinstance(expires, dt.datetime) or expires.tzinfo is None or expires.utcoffset() is None:
        return None
    return ExceptionRef(ident, expires)


def _condition(item: Any) -> str | None:
    ok = isinstance(item, str) and 0 < len(item) <= _MAX_TEXT and not _CONTROL.search(item)
    return item if ok else None


def read(data: Any) -> GateRecord | None:
    """The gate's fields of a parsed decision record, or None if any is not as the schema allows."""
    record = _mapping(data)
    if record is None or record.get("apiVersion") != _API_VERSION or record.get("kind") != "Decision":
        return None
    risk, evidence = _mapping(record.get("risk")), _mapping(record.get("evidence"))
    exceptions, conditions = _items(record, "exceptions"), _items(record, "conditions")
    if risk is None or evidence is None or exceptions is None or conditions is None:
        return None
    change_id = _text(record.get("change_id"), CHANGE_ID_PATTERN)
    outcome, tier = record.get("outcome"), risk.get("tier")
    score = _text(risk.get("score"), SCORE_PATTERN)
    path = _text(evidence.get("path"), EVIDENCE_PATH_PATTERN)
    sha256 = _text(evidence.get("sha256"), SHA256_PATTERN)
    refs = [_exception(item) for item in exceptions]
    texts = [_condition(item) for item in conditions]
    if change_id is None or score is None or path is None or sha256 is None:
        return None
    if (
        not isinstance(outcome, str)
        or outcome not in OUTCOMES
        or not isinstance(tier, str)
        or tier not in TIERS
    ):
        return None
    if any(ref is None for ref in refs) or any(text is None for text in texts):
        return None
    return GateRecord(
        change_id,
        outcome,
        Risk(tier, score),
        Evidence(path, sha256),
        tuple(ref for ref in refs if ref is not None),
        tuple(text for text in texts if text is not None),
    )
