"""What a pull request changes, judged against the governed-path allowlist. Pure.

A CAB pull request carries exactly one evidence pack. Touching policy (CODEOWNERS, workflows, the
risk model, the bot's own code) forces the high tier. Renames of governed paths, look-alike
paths, decision records other than the bot's own, and files the bot does not understand under
governed directories are refused outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.layout import classify, is_documentation, is_governed, lookalike, shown
from bot.domain.models.decision import RiskAssessment
from bot.domain.pull_request import ChangedFile

POLICY_PREFIXES = (
    ".github/",
    "bot/",
    "risk-model/",
    "policy/",
    "pyproject.toml",
    "action.yml",
    "CODEOWNERS",
    "docs/CODEOWNERS",
)


@dataclass(frozen=True)
class Scope:
    evidence_paths: tuple[str, ...]
    exception_paths: tuple[str, ...]
    record_paths: tuple[str, ...]  # decision records (change or exception) present in the diff
    policy_paths: tuple[str, ...]
    refusals: tuple[str, ...]

    @property
    def touches_policy(self) -> bool:
        return bool(self.policy_paths)


POLICY_CHANGE = "policy_change"


def is_policy_path(path: str) -> bool:
    """A path whose change forces the decision to the high tier (CODEOWNERS, workflows, model,
    policy/, bot)."""
    return any(path == p or path.startswith(p) for p in POLICY_PREFIXES)


def with_policy_override(risk: RiskAssessment, policy_paths: Sequence[str]) -> RiskAssessment:
    """A change that touches policy is decided at the high tier, whatever its score says."""
    if not policy_paths or risk.tier == "high":
        return risk
    return risk.model_copy(update={"tier": "high", "tier_override": POLICY_CHANGE})


def classify_changes(files: Sequence[ChangedFile]) -> Scope:
    evidence: list[str] = []
    exceptions: list[str] = []
    records: list[str] = []
    policy: list[str] = []
    refusals: list[str] = []
    for change in files:
        paths = [change.path] + ([change.previous_path] if change.previous_path else [])
        for path in paths:
            if is_policy_path(path):
                policy.append(path)
        governed = [p for p in paths if is_governed(p) and not is_documentation(p)]
        if not governed:
            continue
        if change.status == "renamed":
            refusals.append(f"{change.previous_path} → {change.path}: governed files may not be renamed")
            continue
        path = change.path
        kind = classify(path)
        looks = next((why for why in (lookalike(p.split("/", 1)[0]) for p in paths) if why), None)
        if looks is not None:
            refusals.append(f"{shown(path)}: {looks}")
        elif kind is None:
            refusals.append(f"{path}: not an allowed governed path (check case, spelling and .yaml)")
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
        elif kind.kind in ("Decision", "ExceptionDecision"):
            records.append(path)
        elif kind.kind == "RiskModel" and change.status != "added":
            refusals.append(
                f"{path}: a released risk model is never edited or deleted; publish a new version"
            )
    if len(evidence) > 1:
        refusals.append(f"one evidence pack per pull request, found {len(evidence)}: {', '.join(evidence)}")
    return Scope(tuple(evidence), tuple(exceptions), tuple(records), tuple(policy), tuple(refusals))
