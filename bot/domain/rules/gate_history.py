"""The deployment gate's light reading of `policy/history.yaml`, each field held to the rule the
schema (bot.domain.models.history) gives it. Pure.

Why: as bot.domain.rules.gate_signers for the signers policy, so that `cab verify` need not load
pydantic. A document that is not exactly as the schema allows gives None, and the gate leaves the
verdict to the full path, which reads the file with the model (and refuses the change when it
cannot). What the policy means for each commit stays the one rule of bot.domain.rules.history.
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
_MAX_TEXT, _MAX_ENTRIES = 4000, 1000


def _sha(value: Any) -> str | None:
    return value if isinstance(value, str) and _SHA.fullmatch(value) else None


def _reason_ok(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_TEXT and not _CONTROL.search(value)


def read(data: Any) -> HistoryPolicy | None:
    """The policy a parsed `policy/history.yaml` states, or None if anything is not as the schema allows."""
    if not isinstance(data, dict) or not set(data) <= _TOP:
        return None
    if data.get("apiVersion") != "cab/v1" or data.get("kind") != "History":
        return None
    start, bootstrap = data.get("start"), data.get("bootstrap", [])
    if start is not None and _sha(start) is None:
        return None
    if not isinstance(bootstrap, list) or len(bootstrap) > _MAX_ENTRIES:
        return None
    listed = []
    for entry in bootstrap:
        if not isinstance(entry, dict) or set(entry) != _ENTRY or not _reason_ok(entry["reason"]):
            return None
        sha = _sha(entry["commit"])
        if sha is None:
            return None
        listed.append(sha)
    if len(set(listed)) != len(listed) or (start is not None and start in listed):
        return None
    return HistoryPolicy(start, frozenset(listed))
