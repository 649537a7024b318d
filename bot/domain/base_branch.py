"""What the base branch says a pull request is judged by: risk model, CODEOWNERS, approved
exceptions, and which changes, exceptions and policy changes are decided already.

The risk model is the newest version that an approved `PolicyDecision` brought with exactly its
blob, or that the repository's first (root) commit holds (bootstrap); any other version, such as
one a person merged by hand, is never used for scoring and is reported in `problems`.

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
from bot.domain.layout import EMERGENCY_POLICY_PATH, FREEZE_PATH, classify, records_of, standard_change_path
from bot.domain.models import ExceptionDecision, ExceptionRecord, FreezeCalendar, PolicyDecision, RiskModel
from bot.domain.pull_request import Commit
from bot.domain.rules import policy_changes
from bot.domain.rules.codeowners import first_found
from bot.domain.rules.exception_status import ExceptionState
from bot.domain.rules.standard_changes import TemplateAtBase


class Blobs(Protocol):
    """Files at a commit: a forge, or a local clone (bot.adapters.git.blobs.GitBlobs)."""

    def read_file(self, sha: str, path: str) -> bytes | None: ...

    def list_files(self, sha: str, directory: str) -> Sequence[str]: ...


class History(Blobs, Protocol):
    """Files at a commit and who last changed them: a forge."""

    def last_commit(self, sha: str, path: str) -> Commit | None: ...


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
    decided_policy_ids: frozenset[str] = frozenset()
    freeze: FreezeCalendar | None = None  # policy/freeze.yaml (None: no calendar, nothing frozen)
    freeze_error: str | None = None  # why policy/freeze.yaml could not be read: nothing merges then
    # read only for a pack that names a template or declares an emergency (`with_change_types`)
    standard_template: TemplateAtBase | None = None
    emergency_policy: TemplateAtBase | None = None


def freeze_calendar(blobs: Blobs, sha: str) -> tuple[FreezeCalendar | None, str | None]:
    """The freeze calendar at a commit, or why it cannot be read."""
    return read_calendar(blobs.read_file(sha, FREEZE_PATH))


def read_calendar(raw: bytes | None) -> tuple[FreezeCalendar | None, str | None]:
    """`policy/freeze.yaml`'s bytes (None: absent) as a calendar, or why they cannot be read. The
    bot then holds every change, and the audit reports any merged: a calendar nobody can read may
    hold a window nobody can see."""
    if raw is None:
        return None, None
    try:
        # `check`, not `parse`: window times are wall-clock times (naive), which have no canonical hash
        calendar: FreezeCalendar = documents.check(raw, FREEZE_PATH, FreezeCalendar)
    except InputError as exc:
        return None, str(exc)
    return calendar, None


def _model_paths_newest_first(paths: list[str]) -> list[str]:
    versions = []
    for path in paths:
        governed = classify(path)
        if governed and governed.kind == "RiskModel":
            major, minor = governed.id.split(".")
            versions.append(((int(major), int(minor)), path))
    return [path for _version, path in sorted(versions, reverse=True)]


def policy_decisions(blobs: Blobs, sha: str, problems: list[str] | None = None) -> list[PolicyDecision]:
    found = []
    for path in blobs.list_files(sha, "decisions/policy"):
        governed = classify(path)
        if governed is None or governed.kind != "PolicyDecision":
            continue
        try:
            found.append(documents.parse(blobs.read_file(sha, path) or b"", path, PolicyDecision).model)
        except InputError as exc:
            if problems is not None:
                problems.append(str(exc))
    return found


def policy_file(blobs: Blobs, sha: str, path: str, problems: list[str] | None = None) -> TemplateAtBase:
    """A policy file at the base and the blobs approved policy decisions there brought to its path
    (the decisions are read only when the file exists)."""
    raw = blobs.read_file(sha, path)
    if raw is None:
        return TemplateAtBase(path, None)
    approved = policy_changes.approved_blobs(policy_decisions(blobs, sha, problems))
    return TemplateAtBase(path, raw, approved.get(path, frozenset()))


def change_type_files(
    blobs: Blobs, sha: str, standard_change: str | None, emergency: bool
) -> tuple[TemplateAtBase | None, TemplateAtBase | None]:
    """The standard-change template a pack names and the emergency policy, as the base holds them."""
    template = policy_file(blobs, sha, standard_change_path(standard_change)) if standard_change else None
    return template, policy_file(blobs, sha, EMERGENCY_POLICY_PATH) if emergency else None


def newest_approved_model(forge: History, sha: str, problems: list[str]) -> tuple[str, bytes]:
    """(path, bytes) of the newest risk-model version that may score: approved by a policy decision
    with exactly this blob, or present since the root commit (bootstrap).

    Asking who added a version costs a request on GitHub, so a repository with one version and no
    policy decision yet (every new CAB repository) takes it as its bootstrap without asking; a
    hand-made replacement of it is flagged by the audit (`governed.deleted`, `policy.undecided-model`).
    """
    paths = _model_paths_newest_first(list(forge.list_files(sha, "risk-model")))
    decided = [p for p in forge.list_files(sha, "decisions/policy") if classify(p) is not None]
    approved: dict[str, frozenset[str]] | None = None  # read only when a version needs it
    for path in paths:
        raw = forge.read_file(sha, path)
        if raw is None:
            continue
        if len(paths) == 1 and not decided:
            return path, raw
        if approved is None:
            approved = policy_changes.approved_blobs(policy_decisions(forge, sha, problems))
        if policy_changes.git_blob_id(raw) in approved.get(path, frozenset()):
            return path, raw
        writer = forge.last_commit(sha, path)
        if writer is not None and writer.parents == ():
            return path, raw
        problems.append(f"{path}: no approved policy decision brought this version; not used for scoring")
    raise InputError.at(
        "risk-model/", 1, 1, f"no approved risk model on the base branch at {sha[:7]}: " + "; ".join(problems)
    )


def load(forge: History, sha: str, changed: Sequence[str] = ()) -> BaseBranch:
    """The base's rules; `changed`: the PR's paths, whose possible records say if it is decided."""
    problems: list[str] = []
    model_path, raw_model = newest_approved_model(forge, sha, problems)
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
    decided_policy = {
        governed.id
        for path in forge.list_files(sha, "decisions/policy")
        if (governed := classify(path)) is not None and governed.kind == "PolicyDecision"
    }
    freeze, freeze_error = freeze_calendar(forge, sha)
    return BaseBranch(
        sha,
        model,
        codeowners,
        tuple(exceptions),
        frozenset(decided),
        frozenset(decided_exceptions),
        tuple(problems),
        frozenset(decided_policy),
        freeze,
        freeze_error,
    )
