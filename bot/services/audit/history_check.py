"""The history policy the audit judges first-parent commits by: `policy/history.yaml` at the tip.

Read at the audited tip, because only a later commit can name an earlier one; the commit that last
changed the file is itself judged by it, so listing a commit there never accounts for the listing.
A file that cannot be read is a finding and the strictest reading (start at the root, nothing
accepted) applies: fail closed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.domain.errors import InputError
from bot.domain.findings import Finding
from bot.domain.git_objects import REGULAR_FILE, ObjectStore, lookup
from bot.domain.rules.history import HISTORY_PATH, STRICT, HistoryPolicy, parse_policy
from bot.services.audit.merge_check import problems_text


@dataclass(frozen=True)
class TipPolicy:
    policy: HistoryPolicy = STRICT
    blob: str | None = None  # the file's blob id at the tip: part of the cache key
    findings: list[Finding] = field(default_factory=list)

    def cache_key(self, fingerprint: str) -> str:
        """A cached verdict holds only for the policy it was reached under (no file: the fingerprint)."""
        if self.blob is None:
            return fingerprint
        return hashlib.sha256(f"{fingerprint}\0{self.blob}".encode()).hexdigest()


def read_policy(store: ObjectStore, head: str) -> TipPolicy:
    entry = lookup(store, store.commit(head).tree, HISTORY_PATH)
    if entry is None:
        return TipPolicy()
    if entry.mode != REGULAR_FILE:
        why = f"mode {entry.mode} is not a regular file"
        finding = Finding("history.policy-unparseable", head, HISTORY_PATH, why)
        return TipPolicy(blob=entry.oid, findings=[finding])
    try:
        policy = parse_policy(store.blob(entry.oid), head[:12])
    except InputError as exc:
        finding = Finding("history.policy-unparseable", head, HISTORY_PATH, problems_text(exc))
        return TipPolicy(blob=entry.oid, findings=[finding])
    return TipPolicy(policy, entry.oid)


def start_not_found(head: str, start: str) -> Finding:
    return Finding(
        "history.start-not-found",
        head,
        HISTORY_PATH,
        f"start {start} is not a first-parent commit of {head}; every commit after the root was judged",
    )
