"""Policy as of the base branch: risk model, CODEOWNERS, exceptions, past decisions.

Always read from the base commit through the forge (git blobs, never the PR's working tree), so a
pull request can never change the rules it is judged by.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import documents
from bot.documents import Loaded
from bot.errors import InputError
from bot.forge.interface import Forge
from bot.layout import classify
from bot.models import ExceptionDecision, ExceptionRecord, RiskModel

CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class BasePolicy:
    sha: str
    model: Loaded[RiskModel]
    codeowners: str
    exceptions: tuple[Loaded[ExceptionRecord], ...]
    decided_change_ids: frozenset[str]
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


def load(forge: Forge, sha: str) -> BasePolicy:
    problems: list[str] = []
    model_path = _newest_model_path(list(forge.list_files(sha, "risk-model")))
    if model_path is None:
        raise InputError.at("risk-model/", 1, 1, f"no risk model on the base branch at {sha[:7]}")
    raw_model = forge.read_file(sha, model_path)
    assert raw_model is not None
    model: Loaded[RiskModel] = documents.parse(raw_model, model_path, RiskModel)

    codeowners = ""
    for location in CODEOWNERS_LOCATIONS:  # GitHub's lookup order; the first that exists wins
        raw = forge.read_file(sha, location)
        if raw is not None:
            codeowners = raw.decode("utf-8", errors="replace")
            break

    approved_exceptions = set()
    decided_exceptions = set()
    decided = set()
    for path in forge.list_files(sha, "decisions"):
        governed = classify(path)
        if governed is None:
            continue
        if governed.kind == "Decision":
            decided.add(governed.id)
            continue
        if governed.kind != "ExceptionDecision":
            continue
        decided_exceptions.add(governed.id)
        raw = forge.read_file(sha, path)
        try:
            record: ExceptionDecision = documents.parse(raw or b"", path, ExceptionDecision).model
        except InputError as exc:
            problems.append(str(exc))
            continue
        if record.outcome == "approved":
            approved_exceptions.add((record.exception_id, record.exception.sha256))

    exceptions = []  # only those security approved, exactly as approved (same content hash)
    for path in forge.list_files(sha, "exceptions"):
        if classify(path) is None:
            continue
        raw = forge.read_file(sha, path)
        if raw is None:
            continue
        try:
            loaded: Loaded[ExceptionRecord] = documents.parse(raw, path, ExceptionRecord)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if (loaded.model.id, loaded.sha256) in approved_exceptions:
            exceptions.append(loaded)
    return BasePolicy(
        sha,
        model,
        codeowners,
        tuple(exceptions),
        frozenset(decided),
        frozenset(decided_exceptions),
        tuple(problems),
    )
