"""What the base branch says a pull request is judged by: risk model, CODEOWNERS, approved
exceptions, and which changes and exceptions are decided already.

Always read from the base commit through the forge (git blobs, never the PR's working tree), so a
pull request can never change the rules it is judged by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain import documents
from bot.domain.documents import Loaded
from bot.domain.errors import InputError
from bot.domain.layout import classify, records_of
from bot.domain.models import ExceptionDecision, ExceptionRecord, RiskModel
from bot.domain.rules.codeowners import first_found
from bot.domain.rules.exception_status import ExceptionState


class Blobs(Protocol):
    """Files at a commit: a forge, or a local clone (bot.adapters.git.blobs.GitBlobs)."""

    def read_file(self, sha: str, path: str) -> bytes | None: ...

    def list_files(self, sha: str, directory: str) -> Sequence[str]: ...


def exception_states(blobs: Blobs, sha: str, problems: list[str] | None = None) -> list[ExceptionState]:
    decisions: dict[str, ExceptionDecision] = {}
    for path in blobs.list_files(sha, "decisions/exceptions"):
        governed = classify(path)
        if governed is None or governed.kind != "ExceptionDecision":
            continue
        try:
            decisions[governed.id] = documents.parse(
                blobs.read_file(sha, path) or b"", path, ExceptionDecision
            ).model
        except InputError as exc:
            if problems is not None:
                problems.append(str(exc))
    states = []
    for path in blobs.list_files(sha, "exceptions"):
        governed = classify(path)
        if governed is None or governed.kind != "Exception":
            continue
        try:
            loaded: Loaded[ExceptionRecord] = documents.parse(
                blobs.read_file(sha, path) or b"", path, ExceptionRecord
            )
        except InputError as exc:
            if problems is not None:
                problems.append(str(exc))
            continue
        states.append(ExceptionState(loaded, decisions.get(loaded.model.id)))
    return states


@dataclass(frozen=True)
class BaseBranch:
    """The base commit's rules for one decision (never the PR's own files)."""

    sha: str
    model: Loaded[RiskModel]
    codeowners: str
    exceptions: tuple[Loaded[ExceptionRecord], ...]
    decided_change_ids: frozenset[str]  # of the changes the PR's files name, those decided here
    decided_exception_ids: frozenset[str]
    problems: tuple[str, ...]  # base-branch files that could not be read (reported, never trusted)


def _newest_model_path(paths: list[str]) -> str | None:
    versions = []
    for path in paths:
        governed = classify(path)
        if governed and governed.kind == "RiskModel":
            major, minor = governed.id.split(".")
            versions.append(((int(major), int(minor)), path))
    return max(versions)[1] if versions else None


def load(forge: Blobs, sha: str, changed: Sequence[str] = ()) -> BaseBranch:
    """The base's rules; `changed`: the PR's paths, whose possible records say if it is decided."""
    problems: list[str] = []
    model_path = _newest_model_path(list(forge.list_files(sha, "risk-model")))
    if model_path is None:
        raise InputError.at("risk-model/", 1, 1, f"no risk model on the base branch at {sha[:7]}")
    raw_model = forge.read_file(sha, model_path)
    assert raw_model is not None
    model: Loaded[RiskModel] = documents.parse(raw_model, model_path, RiskModel)

    codeowners = first_found(lambda location: forge.read_file(sha, location)) or ""

    states = exception_states(forge, sha, problems)
    exceptions = [state.exception for state in states if state.approved]
    # only the records the PR's own files can have: a path is a key, and asking for these few keeps
    # the cost (and GitHub's answer) the same whatever the size of the history
    decided = {
        governed.id
        for path in sorted({r for p in changed for r in records_of(p)})
        if (governed := classify(path)) is not None
        and governed.kind == "Decision"
        and forge.read_file(sha, path) is not None
    }
    decided_exceptions = {state.exception.model.id for state in states if state.decision is not None}
    return BaseBranch(
        sha,
        model,
        codeowners,
        tuple(exceptions),
        frozenset(decided),
        frozenset(decided_exceptions),
        tuple(problems),
    )
