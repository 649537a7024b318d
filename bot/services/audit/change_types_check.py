"""The audit's checks of change types: a `standard` decision met its template at its base, and an
`emergency` decision was approved as the emergency policy at its base says. Pure: reads only an
ObjectStore, and judges with the same rules the bot planned with (bot.domain.rules.standard_changes).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import base_branch
from bot.domain.git_objects import REGULAR_FILE, TREE, ObjectStore, lookup
from bot.domain.models import Decision, EvidencePack
from bot.domain.rules import emergency
from bot.domain.rules.standard_changes import TemplateAtBase, recheck
from bot.domain.signature_proof import SignatureCheck


class StoreBlobs:
    """Files at a commit, read from the audit's object store (`bot.domain.base_branch.Blobs`)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def read_file(self, sha: str, path: str) -> bytes | None:
        found = lookup(self.store, self.store.commit(sha).tree, path)
        return None if found is None or found.mode != REGULAR_FILE else self.store.blob(found.oid)

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        found = lookup(self.store, self.store.commit(sha).tree, directory)
        if found is None or found.mode != TREE:
            return []
        out: list[str] = []
        pending = [(directory, found.oid)]
        while pending:
            prefix, oid = pending.pop()
            for entry in self.store.tree(oid):
                path = f"{prefix}/{entry.name}"
                if entry.mode == TREE:
                    pending.append((path, entry.oid))
                elif entry.mode == REGULAR_FILE:
                    out.append(path)
        return sorted(out)


def template_at(blobs: base_branch.Blobs, base: str, name: str | None) -> TemplateAtBase | None:
    """The template a pack names, as the decision's base commit holds it."""
    template, _emergency = base_branch.change_type_files(blobs, base, name, False)
    return template


def standard_problems(
    blobs: base_branch.Blobs, base: str, record: Decision, pack: EvidencePack, signature: SignatureCheck
) -> list[str]:
    """Why the record's standard-change claim does not hold at its base (empty: it holds). The
    audit reads through `StoreBlobs`, `cab verify` through the clone's blobs."""
    if record.outcome != "standard" and record.standard_change is None:
        return []
    name = record.standard_change.name if record.standard_change else pack.standard_change
    return recheck(record, pack, template_at(blobs, base, name), signature)


def emergency_problems(
    blobs: base_branch.Blobs, base: str, record: Decision, pack: EvidencePack
) -> list[str]:
    """Why the record's emergency claim is not what the emergency policy at its base allows."""
    if record.outcome != "emergency" and record.emergency is None:
        return []
    _template, policy = base_branch.change_type_files(blobs, base, None, True)
    return emergency.recheck(record, pack, policy)


def approving_owners(record: Decision, codeowners: list[str] | None) -> list[str] | None:
    """Whose approvals an approving record needs: the on-call teams it names for an emergency (held
    to the policy by `emergency_problems`), else the CODEOWNERS owners of its path."""
    if record.outcome == "emergency" and record.emergency is not None:
        return [f"@{slug}" for slug in record.emergency.on_call]
    return codeowners
