"""The deployment gate's light reading of `policy/history.yaml`: the start and the accepted
commits, each field held to the rule the schema (bot.domain.models.history) gives it. Pure.

Why: like bot.domain.rules.gate_signers, so that `cab verify` need not load pydantic. A gate, not
a parser of its own: a document that is not exactly as the schema allows gives None, and the gate
leaves the verdict to the full path, which reads the file with the model and fails closed with
its message. What the policy means stays bot.domain.rules.history's.
"""

from __future__ import annotations

import re
from typing import Any

from bot.domain.patterns import GIT_SHA_PATTERN
from bot.domain.rules.history import HistoryPolicy

_TOP = frozenset(("apiVersion", "kind", "start", "bootstrap"))
_ENTRY = frozenset(("commit", "reason"))
_SHA = re.compile(GIT_SHA_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # models.base.Text
_MAX_BOOTSTRAP = 1000


def _sha(value: Any) -> bool:
    return isinstance(value, str) and _SHA.match(value) is not None


def _text(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 4000 and _CONTROL.search(value) is None


def read(data: object) -> HistoryPolicy | None:
    """The policy a parsed `policy/history.yaml` states, or None when the full path must read it."""
    if not isinstance(data, dict) or not set(data) <= _TOP:
        return None
    if data.get("apiVersion") != "cab/v1" or data.get("kind") != "History":
        return None
    start = data.get("start")
    if start is not None and not _sha(start):
        return None
    entries = data.get("bootstrap", [])
    if not isinstance(entries, list) or len(entries) > _MAX_BOOTSTRAP:
        return None
    listed: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != _ENTRY:
            return None
        if not _sha(entry["commit"]) or not _text(entry["reason"]):
            return None
        listed.append(entry["commit"])
    if len(set(listed)) != len(listed) or start in listed:
        return None  # the model refuses a commit listed twice, or the start listed again
    return HistoryPolicy(start, frozenset(listed))
