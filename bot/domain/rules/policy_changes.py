"""What a policy decision covers: the paths a pull request changes and the git blobs it brings. Pure.

The bot builds a `PolicyDecision`'s path list with these functions and the audit re-derives it
from the merge with the same ones, so "what was approved" is one definition: path -> blob id
(None for a deletion), hashed in a fixed order for the approvals to point at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from bot.domain.models.policy_decision import PolicyDecision, PolicyPath

ID_PREFIX = "pr-"


def decision_id(pull_request: int) -> str:
    """One policy decision per pull request, named by its number (a slug, as ids must be)."""
    return f"{ID_PREFIX}{pull_request}"


def git_blob_id(content: bytes) -> str:
    """The id git gives a blob with this content (SHA-1 object format), as `git hash-object` does."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def policy_paths(brought: Mapping[str, str | None]) -> list[PolicyPath]:
    """The record's path list: every changed path with its new blob id, sorted by path."""
    return [PolicyPath(path=path, blob=blob) for path, blob in sorted(brought.items())]


def paths_sha256(paths: Iterable[PolicyPath]) -> str:
    """The hash an approval of a policy change is given on: the path list, in path order."""
    lines = sorted(f"{p.path}\0{p.blob or '-'}\n" for p in paths)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def differences(recorded: Iterable[PolicyPath], brought: Mapping[str, str | None]) -> list[str]:
    """Where a record's path list and what a merge brings (path -> blob, None: deleted) disagree."""
    said = {p.path: p.blob for p in recorded}
    out = []
    for path in sorted(said.keys() | brought.keys()):
        if path not in brought:
            out.append(f"{path}: recorded, but the merge does not change it")
        elif path not in said:
            out.append(f"{path}: changed by the merge, but not in the record")
        elif said[path] != brought[path]:
            out.append(f"{path}: the merge brings blob {brought[path]}, the record says {said[path]}")
    return out


def approved_blobs(decisions: Iterable[PolicyDecision]) -> dict[str, frozenset[str]]:
    """path -> the blob ids an approved policy decision brought there: what a model version needs to
    be used for scoring."""
    found: dict[str, set[str]] = {}
    for decision in decisions:
        if decision.outcome != "approved":
            continue
        for item in decision.paths:
            if item.blob is not None:
                found.setdefault(item.path, set()).add(item.blob)
    return {path: frozenset(blobs) for path, blobs in found.items()}
