"""Anchors without effort: every audit remembers the tip it verified and refuses to go back on it.

Like ssh's known_hosts: the first audit of a branch in a clone trusts what it sees; every later
audit of that branch in that clone requires the remembered tip to be an ancestor of the audited
one. Keyed by clone, not by root commit alone: forks (and test histories made with fixed clocks)
share a root commit and a branch name without sharing a history. A reset of main to before a
rejection, or one old decision rewritten, changes every later commit id, so the remembered tip is
no longer an ancestor: `history.rewritten`. Only a branch is remembered (a commit id or a detached
HEAD names no line to follow). A rewritten history is never remembered over the old tip, so the
finding stays until the user deletes the line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from bot.adapters import known_tips
from bot.adapters.git.object_store import GitRepository
from bot.domain.findings import Finding


@dataclass(frozen=True)
class Branch:
    """What identifies the audited line: the repository (its first-parent root), the ref, the clone."""

    root: str
    ref: str
    clone: str


def branch_of(repo: GitRepository, rev: str, head: str) -> Branch | None:
    ref = repo.branch_name(rev)
    if ref is None:
        return None
    return Branch(repo.first_parent_root(head), ref, known_tips.clone_id(repo.git_dir()))


def check(repo: GitRepository, head: str, branch: Branch) -> list[Finding]:
    """A finding for each remembered tip of this branch that `head` does not descend from."""
    found = []
    where = known_tips.location()
    for known in known_tips.load():
        if (known.clone, known.ref) != (branch.clone, branch.ref):
            continue
        accept = f"if that was intended, delete line {known.line} of {where}"
        if known.root != branch.root:
            message = (
                f"this clone's {branch.ref} started at root commit {known.root} when audited at "
                f"{known.audited_at}; it now starts at {branch.root}: the whole history was replaced; "
                f"{accept}"
            )
        elif known.tip == head or (repo.exists(known.tip) and repo.is_ancestor(known.tip, head)):
            continue
        else:
            how = (
                "is no longer an ancestor of"
                if repo.exists(known.tip)
                else "is not in this clone (if the clone is only behind, fetch and audit again), so not an "
                "ancestor of"
            )
            message = (
                f"{branch.ref} was at {known.tip} when audited at {known.audited_at}; that commit {how} "
                f"{head}: the history was rewritten (a reset or a replaced commit); {accept}"
            )
        found.append(Finding("history.rewritten", head, None, message))
    return found


def remember(head: str, branch: Branch, audited_at: str) -> None:
    """Keep `head` as the branch's known tip; a read-only state directory only costs the memory."""
    with contextlib.suppress(OSError):
        known_tips.remember(branch.root, branch.ref, head, audited_at, branch.clone)
