"""Answers read from a clone: decisions on a branch, pending records on PR branches, one change.

Everything is read as git blobs at a commit (see bot.adapters.git.blobs), never from the work tree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bot.adapters.git.blobs import GitBlobs, NotAFile
from bot.domain import documents
from bot.domain.errors import FindingError, InputError
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.models import Decision, EvidencePack, ExceptionDecision, PolicyDecision
from bot.domain.models.base import CHANGE_ID_PATTERN
from bot.domain.rules.deployment_gate import Verdict, provenance, verify
from bot.services.gate import anchored as _anchored
from bot.services.gate import arrival as _arrival
from bot.services.gate import frozen as _frozen
from bot.services.gate import pinned_ref as _pinned_ref
from bot.services.gate import record_paths as _record_paths
from bot.services.gate import retro_late as _retro_late
from bot.services.gate import ungoverned as _ungoverned
from bot.services.gate import unsigned as _unsigned

Queue = Literal["cab", "security", "decided"]


@dataclass(frozen=True)
class Entry:
    queue: Queue
    kind: Literal["change", "exception", "policy"]
    id: str
    tier: str
    outcome: str
    score: str | None
    path: str
    ref: str
    when: str | None


def _record(blobs: GitBlobs, sha: str, path: str) -> Decision | ExceptionDecision | PolicyDecision | None:
    raw = blobs.read_file(sha, path)
    if raw is None:
        return None
    model = documents.parse(raw, path).model
    return model if isinstance(model, Decision | ExceptionDecision | PolicyDecision) else None


def _entry(record: Decision | ExceptionDecision | PolicyDecision, path: str, ref: str) -> Entry:
    tier: str = "exception"
    score, ident, kind = None, "", "exception"
    if isinstance(record, Decision):
        tier, score, ident, kind = record.risk.tier, record.risk.score, record.change_id, "change"
    elif isinstance(record, PolicyDecision):  # waits for CAB first, then security too
        tier, ident, kind = "policy", record.id, "policy"
    else:
        ident = record.exception_id
    queue: Queue = (
        "decided" if record.outcome != "pending" else ("cab" if tier in ("medium", "policy") else "security")
    )
    when = record.decided_at.isoformat() if record.decided_at else None
    return Entry(queue, kind, ident, tier, record.outcome, score, path, ref, when)  # type: ignore[arg-type]


def decided(blobs: GitBlobs, ref: str) -> list[Entry]:
    sha = blobs.resolve(ref)
    out = []
    for path in blobs.list_files(sha, "decisions"):
        if classify(path) is not None and (record := _record(blobs, sha, path)) is not None:
            out.append(_entry(record, path, ref))
    return sorted(out, key=lambda e: (e.when or "", e.id))


@dataclass(frozen=True)
class Page:
    """Some of the decisions on a branch, and whether older ones were left out."""

    entries: list[Entry]
    more: bool


def newest_decided(blobs: GitBlobs, ref: str, *, limit: int, since: str | None = None) -> Page:
    """The `limit` decisions (0: no limit) that landed last on REF's first-parent history, after
    `since` when given, listed as `decided` lists them. Only those records are read: git's log
    is the index, so the cost follows `limit`, not the size of the history."""
    sha = blobs.resolve(ref)
    base = blobs.resolve(since) if since is not None else None
    if base is None and limit == 0:
        return Page(decided(blobs, ref), more=False)
    out: dict[str, Entry] = {}
    more = False
    for path in blobs.landed(sha, "decisions", base):
        if path in out or classify(path) is None:
            continue
        if limit and len(out) == limit:
            more = True
            break
        try:
            record = _record(blobs, sha, path)
        except NotAFile:
            continue  # not listed by `decided` either
        if record is not None:  # None: added, then removed again
            out[path] = _entry(record, path, ref)
    return Page(sorted(out.values(), key=lambda e: (e.when or "", e.id)), more)


def pending(blobs: GitBlobs, ref: str) -> list[Entry]:
    """Pending records on every other branch (PR branches, fetched as remote-tracking refs).

    Each branch is compared with REF tree by tree, so only what it adds is read."""
    base = blobs.resolve(ref)
    found: dict[str, Entry] = {}
    for name, sha in blobs.branches():
        if sha == base:
            continue
        for path in blobs.files_not_in(sha, base, "decisions"):
            if classify(path) is None:
                continue
            try:
                record = _record(blobs, sha, path)
            except InputError:
                continue  # a PR branch may hold anything; the bot reports it on the PR
            if record is not None and record.outcome == "pending":
                found[path] = _entry(record, path, name.removeprefix("refs/heads/"))
    return sorted(found.values(), key=lambda e: (e.queue, e.id))


def find_decision(blobs: GitBlobs, ref: str, change_id: str) -> tuple[str, Decision]:
    return _find(blobs, blobs.resolve(ref), ref, change_id)


def _find(blobs: GitBlobs, sha: str, ref: str, change_id: str) -> tuple[str, Decision]:
    paths = _record_paths(blobs, sha, change_id)
    if not paths:
        raise FindingError(f"no decision for {change_id!r} on {ref}")
    if len(paths) > 1:
        raise FindingError(f"{change_id!r} has {len(paths)} decision records on {ref}: {', '.join(paths)}")
    record = _record(blobs, sha, paths[0])
    if not isinstance(record, Decision):
        raise FindingError(f"{paths[0]} on {ref} is not a change decision")
    return paths[0], record


def find_record(
    blobs: GitBlobs, ref: str, ident: str
) -> tuple[str, Decision | ExceptionDecision | PolicyDecision]:
    """The decision record of a change, else of an exception, else of a policy change (`pr-<n>`)
    with that id (`cab show`)."""
    sha = blobs.resolve(ref)
    if _record_paths(blobs, sha, ident) or not re.fullmatch(CHANGE_ID_PATTERN, ident):
        return _find(blobs, sha, ref, ident)
    paths = blobs.files_named(sha, "decisions/exceptions", f"{ident}.yaml")
    if not paths:
        paths = blobs.files_named(sha, "decisions/policy", f"{ident}.yaml")
    record = _record(blobs, sha, paths[0]) if len(paths) == 1 else None
    if record is None:
        raise FindingError(f"no decision for a change or an exception {ident!r} on {ref}")
    return paths[0], record


def verify_change(
    blobs: GitBlobs,
    ref: str,
    change_id: str,
    now: dt.datetime,
    bot: BotIdentity,
    *,
    allow_ref: bool = False,
    anchor: str | None = None,
) -> Verdict:
    """The gate: the change's record on the default branch, as the bot's decision merge added it."""
    tip, refused = _pinned_ref(blobs, ref, allow_ref)
    refused = refused or _anchored(blobs, tip, anchor)
    if refused is not None:
        return refused
    path, record = _find(blobs, tip, ref, change_id)
    arrival = _arrival(blobs, tip, path)
    unproven = provenance(arrival, path, bot) or _unsigned(blobs, arrival)
    unproven = unproven or _ungoverned(blobs, tip, arrival, bot)
    if unproven is not None:
        return unproven
    raw = blobs.read_file(tip, record.evidence.path)
    evidence = None if raw is None else documents.parse(raw, record.evidence.path)
    assert arrival is not None  # provenance refused a record that never arrived
    pack = evidence.model if evidence is not None and isinstance(evidence.model, EvidencePack) else None
    held = _frozen(blobs, arrival, record, pack)
    if held is not None:
        return held
    verdict = verify(record, None if evidence is None else evidence.sha256, now)
    if verdict.ok and raw is not None:
        problems = change_type_problems(blobs, tip, arrival.commit.parents[0], record, raw)
        if problems:
            return Verdict(False, f"{record.change_id} is {record.outcome}, but " + "; ".join(problems))
    late = _retro_late(blobs, tip, path, record, now, bot) if verdict.ok else None
    return late or verdict


def change_type_problems(blobs: GitBlobs, tip: str, base: str, record: Decision, raw: bytes) -> list[str]:
    """What the audit would find wrong with a standard or an emergency decision, judged at its base
    with the same rules (attachments and signature checked as the bot checked them)."""
    from bot.services import evidence_proof
    from bot.services.audit.change_types_check import emergency_problems, standard_problems
    from bot.services.signature import SIGNERS_PATH

    pack: EvidencePack = documents.parse(raw, record.evidence.path, EvidencePack).model
    if record.outcome == "emergency" or record.emergency is not None:
        return emergency_problems(blobs, base, record, pack)
    if record.outcome != "standard" and record.standard_change is None:
        return []
    proof = evidence_proof.prove(
        pack,
        lambda path: blobs.read_file(tip, path),
        lambda: evidence_proof.signers_from(blobs.read_file(base, SIGNERS_PATH)),
    )
    return standard_problems(blobs, base, record, pack, proof.signature)


def table(entries: list[Entry]) -> str:
    """Entries as an aligned text table (status, demo)."""
    rows = [("id", "kind", "tier", "score", "outcome", "decided at")]
    rows += [(e.id, e.kind, e.tier, e.score or "-", e.outcome, e.when or "-") for e in entries]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
