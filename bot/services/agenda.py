"""Gather the agenda from a clone: pending records on PR branches (with their rollout conflicts and
the freeze windows holding them), exceptions and recent decisions on the default branch. PR
branches count only when fetched, e.g. `git fetch origin '+refs/pull/*/head:refs/remotes/pr/*'`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.adapters.git.blobs import GitBlobs
from bot.domain import documents
from bot.domain.agenda import POLICY, Agenda, Decided, Frozen, RetroDue, Waiting
from bot.domain.base_branch import Blobs, exception_states, freeze_calendar
from bot.domain.errors import CabError
from bot.domain.layout import classify, retro_approval_path
from bot.domain.models import Decision, EvidencePack, ExceptionDecision, PolicyDecision
from bot.domain.rules import emergency
from bot.domain.rules.exception_status import statuses
from bot.domain.rules.freeze import components, hold
from bot.domain.rules.rollout_conflicts import pairs, planned

Packs = dict[str, tuple[EvidencePack, str]]  # change id -> its pack and the branch it waits on


def pending(blobs: Blobs, sha: str, path: str, branch: str, packs: Packs | None = None) -> Waiting | None:
    """The change a pending record at `sha` waits for, or None if `path` holds no pending record;
    with `packs`, its pack is kept there too (freeze windows and rollout conflicts read it)."""
    governed = classify(path)
    if governed is not None and governed.kind == "PolicyDecision":
        return _pending_policy(blobs, sha, path, branch)
    if governed is None or governed.kind != "Decision":
        return None
    try:
        record = documents.parse(blobs.read_file(sha, path) or b"", path, Decision).model
    except CabError:
        return None  # a PR branch may hold anything; the bot reports it on the PR
    if record.outcome != "pending":
        return None
    title, submitted = "", None
    try:
        pack = documents.parse(
            blobs.read_file(sha, record.evidence.path) or b"", record.evidence.path, EvidencePack
        ).model
        title, submitted = pack.title, pack.submitted_at
        if packs is not None:
            packs.setdefault(record.change_id, (pack, branch))
    except CabError:
        pass
    return Waiting(record.change_id, record.risk.tier, record.risk.score, title, submitted, branch)


def _pending_policy(blobs: Blobs, sha: str, path: str, branch: str) -> Waiting | None:
    """A policy change waiting for CAB and security: the bot's pending PolicyDecision record on its
    branch. Its "title" is what it changes; it has no score (policy is decided by both teams)."""
    try:
        record = documents.parse(blobs.read_file(sha, path) or b"", path, PolicyDecision).model
    except CabError:
        return None
    if record.outcome != "pending":
        return None
    changed = [p.path for p in record.paths]
    what = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    return Waiting(record.id, POLICY, "-", f"changes {what}", None, branch)


def _waiting(blobs: GitBlobs, base: str, packs: Packs | None = None) -> list[Waiting]:
    """The pending records on PR branches; with `packs`, also each one's pack and branch, by id."""
    found: dict[str, Waiting] = {}
    for name, sha in blobs.branches():
        if sha == base:
            continue
        branch = name.removeprefix("refs/heads/").removeprefix("refs/remotes/")
        for path in blobs.files_not_in(sha, base, "decisions"):
            item = pending(blobs, sha, path, branch, packs)
            if item is not None:
                found.setdefault(item.change_id, item)
    return list(found.values())


def _decided(blobs: GitBlobs, tip: str, since: dt.datetime) -> list[Decided]:
    out = []
    for path in blobs.landed(tip, "decisions"):  # newest first: stop at the first older decision
        governed = classify(path)
        if governed is None or governed.kind not in ("Decision", "ExceptionDecision"):
            continue
        try:
            record = documents.parse(blobs.read_file(tip, path) or b"", path).model
        except CabError:
            continue
        if not isinstance(record, Decision | ExceptionDecision) or record.decided_at is None:
            continue
        if record.decided_at < since:
            break
        if isinstance(record, Decision):
            out.append(
                Decided(record.change_id, "change", record.risk.tier, record.outcome, record.decided_at)
            )
        else:
            out.append(Decided(record.exception_id, "exception", "-", record.outcome, record.decided_at))
    return out


def _frozen(
    blobs: GitBlobs,
    tip: str,
    packs: Packs,
    tiers: dict[str, str],
    now: dt.datetime,
) -> list[Frozen]:
    """The waiting changes the freeze calendar on REF holds at the meeting's time."""
    calendar, error = freeze_calendar(blobs, tip)
    out = []
    for change_id, (pack, branch) in sorted(packs.items()):
        reason = hold(calendar, error, components(pack), now)
        if reason is not None:
            out.append(Frozen(change_id, tiers.get(change_id, "-"), branch, reason))
    return out


def _retro_due(blobs: GitBlobs, tip: str, now: dt.datetime) -> list[RetroDue]:
    """Emergency changes on `tip` whose retro-approval record is not there yet. Found with one
    `git grep` for the outcome, so no record is parsed but those few: emergencies are rare, and an
    overdue one stays on the agenda however old it is."""
    out = []
    for path in blobs.files_containing(tip, "decisions", "outcome: emergency"):
        governed = classify(path)
        if governed is None or governed.kind != "Decision":
            continue
        try:
            record = documents.parse(blobs.read_file(tip, path) or b"", path, Decision).model
        except CabError:
            continue  # the audit reports a record it cannot read
        if record.outcome != "emergency" or record.emergency is None:
            continue
        evidence = classify(record.evidence.path)
        month = evidence.month if evidence is not None and evidence.month else governed.month or ""
        if blobs.read_file(tip, retro_approval_path(record.change_id, month)) is not None:
            continue
        due = record.emergency.retro_due
        why = emergency.retro_overdue(due, None, now)
        out.append(RetroDue(record.change_id, record.emergency.incident, due, why))
    return out


def build(
    blobs: GitBlobs,
    ref: str,
    now: dt.datetime,
    days: int = 7,
    waiting: Sequence[Waiting] | None = None,
    packs: Packs | None = None,
) -> Agenda:
    """`waiting` (and their `packs`): the changes waiting for a decision when the caller found them
    elsewhere (the open PRs on the forge); by default, the pending records on this clone's branches."""
    tip = blobs.resolve(ref)
    found = statuses(exception_states(blobs, tip), now)
    if waiting is None:
        packs = {}
        waiting = _waiting(blobs, tip, packs)
    packs = packs if packs is not None else {}
    rollouts = [r for pack, branch in packs.values() if (r := planned(pack, branch)) is not None]
    tiers = {w.change_id: w.tier for w in waiting}
    return Agenda(
        now=now,
        days=days,
        waiting=tuple(waiting),
        expiring=tuple(s for s in found if s.state == "expiring"),
        expired=tuple(s for s in found if s.state == "expired"),
        decided=tuple(_decided(blobs, tip, now - dt.timedelta(days=days))),
        conflicts=tuple(pairs(rollouts)),
        frozen=tuple(_frozen(blobs, tip, packs, tiers, now)),
        retro=tuple(_retro_due(blobs, tip, now)),
    )
