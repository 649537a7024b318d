"""What the audit reads from git, as plain values, and the one protocol it reads them through.

The core never runs git: the adapter (`bot.audit.history`) streams the first-parent log as
`LogEntry` values and serves commits, trees and blobs by object id through `ObjectStore`.
Everything here is addressed by object id, so nothing can follow the working tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

REGULAR_FILE = "100644"
TREE = "40000"


@dataclass(frozen=True)
class Ident:
    name: str
    email: str


@dataclass(frozen=True)
class Change:
    """One line of `git log --raw`: a path changed between a commit and its first parent."""

    status: str  # A, M, D, R, T, C (rename/copy scores stripped)
    path: str
    old_path: str | None
    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str


@dataclass(frozen=True)
class LogEntry:
    """A commit on the first-parent chain with its changes against its first parent."""

    sha: str
    parents: tuple[str, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class CommitHeader:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Ident
    committer: Ident
    message: str


class TreeEntry(NamedTuple):
    """A tuple, not a dataclass: trees of a month shard hold thousands of entries, and tuples are
    built and hashed in C, which is what makes `diff_trees` a set difference."""

    mode: str
    name: str
    oid: str


class ObjectStore(Protocol):
    """Read-only access to git objects by id. Missing objects raise `KeyError`."""

    def commit(self, sha: str) -> CommitHeader: ...

    def tree(self, oid: str) -> tuple[TreeEntry, ...]: ...

    def blob(self, oid: str) -> bytes:
        """The blob's bytes; a blob larger than the document size limit may be truncated."""
        ...

    def prefetch(self, oids: Iterable[str]) -> None:
        """A hint that these objects are read next (one round trip for many); may do nothing."""
        ...

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None when they share no history."""
        ...


def lookup(store: ObjectStore, tree: str, path: str) -> TreeEntry | None:
    """The entry at `path` below `tree`, walking tree objects (never the working tree)."""
    parts = path.split("/")
    current = tree
    for depth, name in enumerate(parts):
        found = next((e for e in store.tree(current) if e.name == name), None)
        if found is None:
            return None
        if depth == len(parts) - 1:
            return found
        if found.mode != TREE:
            return None
        current = found.oid
    return None  # pragma: no cover - the loop always returns


def diff_trees(store: ObjectStore, old: str, new: str, prefix: str = "") -> list[Change]:
    """Paths that differ between two trees, descending only into subtrees whose ids differ."""
    if old == new:
        return []
    old_entries = store.tree(old) if old else ()
    new_entries = store.tree(new) if new else ()
    before = {e.name: e for e in set(old_entries).difference(new_entries)}
    after = {e.name: e for e in set(new_entries).difference(old_entries)}
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        path = f"{prefix}{name}"
        a_tree = a is not None and a.mode == TREE
        b_tree = b is not None and b.mode == TREE
        if a_tree or b_tree:
            changes += diff_trees(
                store, a.oid if a_tree and a else "", b.oid if b_tree and b else "", path + "/"
            )
            if a is not None and not a_tree:
                changes.append(Change("D", path, None, a.mode, "000000", a.oid, ""))
            if b is not None and not b_tree:
                changes.append(Change("A", path, None, "000000", b.mode, "", b.oid))
            continue
        status = "A" if a is None else "D" if b is None else "M"
        changes.append(
            Change(
                status,
                path,
                None,
                a.mode if a else "000000",
                b.mode if b else "000000",
                a.oid if a else "",
                b.oid if b else "",
            )
        )
    return changes
