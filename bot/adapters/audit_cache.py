"""Incremental audits: the verified state at a branch tip, keyed by that commit and the audit code.

The state (findings, chart aggregates, the newest record's sha256) covers the whole first-parent
chain up to `head`. A later run audits only `head..new-tip` and links the chain onto it. The key
includes a fingerprint of the `bot` package's source and the bot identity, so a changed audit can
never reuse a verdict it did not reach. Findings are cached like everything else and re-reported:
a cache can skip work, never a finding.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import bot
from bot.domain.findings import Finding
from bot.domain.identity import BotIdentity

CACHE_FILE = "cab-audit-cache.json"
SCHEMA = 1


def fingerprint(identity: BotIdentity) -> str:
    """sha256 over the audit's own code and the identity it checks against."""
    digest = hashlib.sha256(f"schema {SCHEMA}\0{identity.name}\0{identity.email}\0".encode())
    package = Path(bot.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()


class Aggregates(Protocol):
    """The reports' chart aggregates, kept by the audit service; the cache only stores them."""

    def as_dict(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Aggregates)


@dataclass
class CachedState(Generic[S]):
    head: str
    commits: int
    newest_record: str | None
    findings: list[Finding]
    stats: S


def load(git_dir: Path, key: str, read_stats: Callable[[dict[str, Any]], S]) -> CachedState[S] | None:
    """The cached state for this audit code, or None (absent, other code, or unreadable)."""
    try:
        data: dict[str, Any] = json.loads((git_dir / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA or data.get("fingerprint") != key:
            return None
        return CachedState(
            head=str(data["head"]),
            commits=int(data["commits"]),
            newest_record=data["newest_record"],
            findings=[Finding(**item) for item in data["findings"]],
            stats=read_stats(data["stats"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(git_dir: Path, key: str, state: CachedState[Any]) -> None:
    payload = {
        "schema": SCHEMA,
        "fingerprint": key,
        "head": state.head,
        "commits": state.commits,
        "newest_record": state.newest_record,
        "findings": [f.as_dict() for f in state.findings],
        "stats": state.stats.as_dict(),
    }
    target = git_dir / CACHE_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
    os.replace(temporary, target)
