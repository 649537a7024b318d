"""What the audit reads from git, as plain values, and the one protocol it reads them through.

The core never runs git: the adapter (`bot.adapters.git.object_store`) streams the first-parent log as
`LogEntry` values and serves commits, trees and blobs by object id through `ObjectStore`.
Everything here is addressed by object id, so nothing can follow the working tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple, Protocol

REGULAR_FILE = "100644"
TREE = "40000"


class Ident(NamedTuple):
    name: str
    email: str


class Change(NamedTuple):
    """One line of `git log --raw`: a path changed between a commit and its first parent."""

    status: str  # A, M, D, R, T, C (rename/copy scores stripped)
    path: str
    old_path: str | None
    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str


class LogEntry(NamedTuple):
    """A commit on the first-parent chain with its changes against its first parent."""

    sha: str
    parents: tuple[str, ...]
    changes: tuple[Change, ...]


class CommitSignature(NamedTuple):
    """A commit's `gpgsig` header (armored, OpenPGP or SSH) and the bytes it signs: the commit
    object without its signature headers, exactly what `git verify-commit` checks."""

    armored: bytes
    payload: bytes


class CommitHeader(NamedTuple):
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Ident
    committer: Ident
    message: str
    committed_at: dt.datetime | None = None  # the committer's timestamp: a claim, like the rest
    signature: CommitSignature | None = None


class TreeEntry(NamedTuple):
    """A tuple, not a dataclass: a tree of a month shard holds thousands of entries."""

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

    def commit_changes(self, sha: str) -> list[Change]:
        """What a single-parent commit changes against its parent, recursively, without renames.

        ValueError for a commit without exactly one parent.
        """
        ...

    def diff(self, old_tree: str, new_tree: str) -> list[Change]:
        """Paths whose entries differ between two trees, recursively, without rename detection."""
        ...

    def prefetch(self, oids: Iterable[str], changes_of: Iterable[str] = ()) -> None:
        """A hint that these objects (and these commits' changes) are read soon; may do nothing.

        Asking for many at once lets them be served without a round trip each.
        """
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
