"""Governed-path rules for one first-parent commit: what may change, and how. Pure.

Decision: after the base (root) commit, evidence and decision records enter the branch only in
their own bot decision merge, as additions, and new risk-model versions only in an approved policy
decision's merge (`policy.undecided-model` otherwise). New exception files may arrive in any
two-parent merge (a reviewed PR; branch protection and CODEOWNERS route it to the
security team, which `--online` can cross-check) but never in a non-merge commit, which on a
protected branch can only be a direct push. Nothing governed is ever modified, renamed or deleted.
"""

from __future__ import annotations

from bot.domain.findings import Finding
from bot.domain.git_objects import REGULAR_FILE, Change, LogEntry
from bot.domain.layout import classify, is_documentation, is_governed, lookalike


def touches_governed(change: Change) -> bool:
    paths = [change.path] + ([change.old_path] if change.old_path else [])
    return any(is_governed(p) and not is_documentation(p) for p in paths)


def change_findings(entry: LogEntry, change: Change) -> Finding | None:
    """The finding for one governed change that no decision accounts for, or None if allowed."""
    sha, path = entry.sha, change.path

    def finding(rule: str, message: str) -> Finding:
        return Finding(rule, sha, path, message)

    looks = next(
        (why for why in (lookalike(p.split("/", 1)[0]) for p in (path, change.old_path) if p) if why), None
    )
    if looks is not None:
        return finding("governed.bad-path", looks)
    if change.status == "R":
        return finding("governed.renamed", f"renamed from {change.old_path} to {path}")
    if change.status == "D":
        return finding("governed.deleted", "deleted")
    if change.status not in ("A", "C") and change.new_mode != change.old_mode:
        return finding("governed.bad-file", f"file mode changed to {change.new_mode}")
    if change.status == "M":
        if path.startswith("risk-model/"):
            return finding(
                "risk-model.edited", "a merged risk-model version was edited; publish a new version"
            )
        return finding("governed.modified", "modified outside a decision")
    if change.status == "T":
        return finding("governed.bad-file", f"type changed to mode {change.new_mode}")
    # Added (or copied) from here on.
    if change.new_mode != REGULAR_FILE:
        return finding("governed.bad-file", f"mode {change.new_mode} is not a regular file")
    governed = classify(path)
    if governed is None:
        return finding("governed.bad-path", "not a governed path shape (case, homoglyph or extension?)")
    if governed.kind == "RiskModel" and len(entry.parents) == 2:
        return finding(
            "policy.undecided-model",
            "a risk-model version merged without an approved policy decision; the bot never scores with it",
        )
    if governed.kind in ("Exception", "RiskModel"):
        if len(entry.parents) == 0 or len(entry.parents) == 2:
            return None
        if len(entry.parents) == 1:
            return finding("governed.direct-push", "added by a non-merge commit, not through a pull request")
        return finding("governed.outside-decision", "added by an octopus merge")
    if len(entry.parents) == 1:
        return finding("governed.direct-push", "added by a non-merge commit, not through a pull request")
    return finding("governed.outside-decision", f"{governed.kind} added outside its decision merge")
