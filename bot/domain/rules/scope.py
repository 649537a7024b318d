"""What a pull request changes, judged against the allow-lists of its kind. Pure.

A change PR may touch only its evidence pack and that pack's attachments folder
(`evidence/<yyyy-mm>/<change-id>/`); an exception PR only its exception. Decision records are
the bot's (checked by `bot.domain.decision_plan`). Every other path (the risk model,
CODEOWNERS, `policy/`, workflows, the bot's code, a root `setup.py`, anything at all) makes the PR
a policy change, decided by CAB and security together (`PolicyDecision`). A PR that mixes a change
or an exception with such paths cannot be decided as either and is refused, naming the paths.
Renames of governed paths, look-alike or non-ASCII top-level names, edits of a released risk
model and files the bot does not understand under governed directories are refused outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.layout import (
    POLICY_PREFIXES,
    attachment_of,
    classify,
    is_documentation,
    is_governed,
    lookalike,
    shown,
)
from bot.domain.pull_request import ChangedFile


@dataclass(frozen=True)
class Scope:
    evidence_paths: tuple[str, ...]
    exception_paths: tuple[str, ...]
    record_paths: tuple[str, ...]  # decision records (change, exception or policy) in the diff
    policy_paths: tuple[str, ...]  # every path outside the change and exception allow-lists
    refusals: tuple[str, ...]
    attachment_paths: tuple[str, ...] = ()

    @property
    def touches_policy(self) -> bool:
        return bool(self.policy_paths)


def is_policy_path(path: str) -> bool:
    """A path the CAB's rules or the bot's own behaviour live in (CODEOWNERS, workflows, model, bot)."""
    return any(path == p or path.startswith(p) for p in POLICY_PREFIXES)


def _governed_refusal(change: ChangedFile, paths: list[str]) -> str | None:
    looks = next((why for why in (lookalike(p.split("/", 1)[0]) for p in paths) if why), None)
    if looks is not None:
        return f"{shown(change.path)}: {looks}"
    if change.status == "renamed":
        return f"{change.previous_path} → {change.path}: governed files may not be renamed"
    return None


def classify_changes(files: Sequence[ChangedFile]) -> Scope:
    evidence: list[str] = []
    exceptions: list[str] = []
    records: list[str] = []
    policy: list[str] = []
    attachments: list[str] = []
    refusals: list[str] = []
    for change in files:
        paths = [change.path] + ([change.previous_path] if change.previous_path else [])
        governed = [p for p in paths if is_governed(p) and not is_documentation(p)]
        if not governed:
            policy += paths
            continue
        refused = _governed_refusal(change, paths)
        if refused is not None:
            refusals.append(refused)
            continue
        path = change.path
        kind = classify(path)
        if kind is None:
            if attachment_of(path) is None:
                refusals.append(f"{path}: not an allowed governed path (check case, spelling and .yaml)")
            elif change.status == "removed":
                refusals.append(f"{path}: evidence attachments may not be deleted")
            else:
                attachments.append(path)
        elif kind.kind == "EvidencePack":
            if change.status == "removed":
                refusals.append(f"{path}: evidence may not be deleted")
            else:
                evidence.append(path)
        elif kind.kind == "Exception":
            if change.status == "removed":
                refusals.append(f"{path}: exceptions may not be deleted; they expire")
            else:
                exceptions.append(path)
        elif kind.kind in ("Decision", "ExceptionDecision", "PolicyDecision", "RetroApproval"):
            records.append(path)
        elif change.status != "added":  # a risk model
            refusals.append(
                f"{path}: a released risk model is never edited or deleted; publish a new version"
            )
        else:  # a new risk-model version is a policy change
            policy.append(path)
    if len(evidence) > 1:
        refusals.append(f"one evidence pack per pull request, found {len(evidence)}: {', '.join(evidence)}")
    refusals += _stray_attachments(evidence, attachments)
    return Scope(
        tuple(evidence), tuple(exceptions), tuple(records), tuple(policy), tuple(refusals), tuple(attachments)
    )


def _stray_attachments(evidence: list[str], attachments: list[str]) -> list[str]:
    """Attachments travel with their own pack, in the same pull request."""
    packs = {(g.month, g.id) for p in evidence if (g := classify(p)) is not None}
    return [
        f"{path}: attachments belong in the folder of this pull request's evidence pack"
        if packs
        else f"{path}: attachments travel with their evidence pack, in the same pull request"
        for path in attachments
        if attachment_of(path) not in packs
    ]


def outside_allow_list(scope: Scope) -> list[str]:
    """Why a change or exception PR that also changes other paths cannot be decided, or []."""
    if not scope.policy_paths or not (scope.evidence_paths or scope.exception_paths):
        return []
    what = (
        "its evidence pack and evidence/<yyyy-mm>/<change-id>/"
        if scope.evidence_paths
        else "its exception file"
    )
    listed = ", ".join(shown(p) for p in scope.policy_paths[:10])
    more = f" and {len(scope.policy_paths) - 10} more" if len(scope.policy_paths) > 10 else ""
    return [
        f"{listed}{more}: outside this pull request's allow-list ({what})",
        "a change to those paths is a policy change: it needs CAB and security approval, and is "
        "decided in a pull request of its own; a mixed pull request can be decided as neither",
    ]
