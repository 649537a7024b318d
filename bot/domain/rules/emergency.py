"""Emergency changes: one on-call approval merges them, the CAB reviews them afterwards. Pure.

A pack that carries `emergency: {incident, justification}` merges with one approval from a member
of a team `policy/emergency.yaml` lists as on call, whatever its tier and even during a freeze
(`is_emergency` is the predicate the freeze rule asks). Its record names the policy's blob and
when the retro-review falls due; a CAB member who neither wrote nor approved the change then says
`/cab retro-approve`, which the bot records as a `RetroApproval`. The bot plans with these
functions and the audit re-checks with them: an emergency decision the policy at its base does not
allow, a retro-approval by someone who may not give it, and a retro-review not given in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.layout import EMERGENCY_POLICY_PATH
from bot.domain.models import Decision, EmergencyPolicy, EvidencePack
from bot.domain.models.decision import EmergencyRef
from bot.domain.pull_request import Team, User
from bot.domain.rules.approval import Owners
from bot.domain.rules.policy_changes import git_blob_id
from bot.domain.rules.standard_changes import TemplateAtBase

RETRO_MARKER = "<!-- cab-bot:retro-review:{change_id} -->"


def is_emergency(pack: EvidencePack) -> bool:
    """Whether the pack declares an emergency: the one predicate a freeze window must skip."""
    return pack.emergency is not None


@dataclass(frozen=True)
class PolicyAtBase:
    policy: EmergencyPolicy
    blob: str


def policy_at_base(at_base: TemplateAtBase | None) -> PolicyAtBase | str:
    """The emergency policy the base holds, if an approved policy decision brought it; else why not."""
    if at_base is None or at_base.raw is None:
        return f"no {EMERGENCY_POLICY_PATH} on the base branch: nobody is on call"
    blob = git_blob_id(at_base.raw)
    if blob not in at_base.approved_blobs:
        return f"{EMERGENCY_POLICY_PATH} (blob {blob[:12]}) was not brought by an approved policy decision"
    try:
        policy: EmergencyPolicy = documents.parse(at_base.raw, EMERGENCY_POLICY_PATH, EmergencyPolicy).model
    except InputError as exc:
        return f"{EMERGENCY_POLICY_PATH} is invalid: {exc.problems[0] if exc.problems else exc}"
    return PolicyAtBase(policy, blob)


def on_call_slugs(found: PolicyAtBase) -> tuple[str, ...]:
    return tuple(slug.lstrip("@").lower() for slug in found.policy.on_call)


def on_call_owners(found: PolicyAtBase, teams: Mapping[str, Team | None]) -> Owners:
    """The on-call teams as approvers: like CODEOWNERS teams, only their members count."""
    slugs = on_call_slugs(found)
    resolved = tuple(team for slug in slugs if (team := teams.get(slug)) is not None)
    return Owners(teams=resolved, unresolved=tuple(f"@{s}" for s in slugs if teams.get(s) is None))


def retro_due(decided_at: dt.datetime, found: PolicyAtBase) -> dt.datetime:
    return decided_at + dt.timedelta(days=found.policy.retro_review_days)


def reference(pack: EvidencePack, found: PolicyAtBase, decided_at: dt.datetime) -> EmergencyRef:
    """What an emergency decision records: the incident, the policy's blob, the on-call teams, due."""
    assert pack.emergency is not None
    return EmergencyRef(
        incident=pack.emergency.incident,
        policy_blob=found.blob,
        on_call=list(on_call_slugs(found)),
        retro_due=retro_due(decided_at, found),
    )


def recheck(record: Decision, pack: EvidencePack, at_base: TemplateAtBase | None) -> list[str]:
    """Why a recorded emergency decision is not what the policy at its base allows (empty: it is).
    Whether its one approval counted is the approval rules' to say, against `on_call` teams."""
    claimed = record.emergency
    if record.outcome != "emergency":
        return [] if claimed is None else [f"a {record.outcome} decision carries an emergency block"]
    if claimed is None:
        return ["an emergency decision with no emergency block"]
    if pack.emergency is None:
        return ["the pack declares no emergency"]
    found = policy_at_base(at_base)
    if isinstance(found, str):
        return [found]
    if record.decided_at is None:
        return []  # `record.not-final` says so
    expected = reference(pack, found, record.decided_at)
    keys = ("incident", "policy_blob", "on_call", "retro_due")
    return [
        f"the record's {key} is {getattr(claimed, key)!r}, the policy gives {getattr(expected, key)!r}"
        for key in keys
        if getattr(claimed, key) != getattr(expected, key)
    ]


# -- the retro-review -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetroCandidate:
    """A `/cab retro-approve` comment, and who said it."""

    user: User
    comment_id: int
    at: dt.datetime


def retro_refusal(
    who: User, at: dt.datetime, cab_teams: Sequence[Team], record: Decision, requester: str | None
) -> str | None:
    """Why this person's `/cab retro-approve` does not count, or None: only a CAB member counts, and
    never the change's author, its requester, or the on-call member who approved it."""
    login = who.login.lower()
    if record.decided_at is not None and at < record.decided_at:
        return f"@{who.login}'s retro-approval predates the emergency decision"
    if record.pull_request is not None and record.pull_request.author.lower() == login:
        return f"@{who.login} is the change's author"
    if requester is not None and requester.lower() == login:
        return f"@{who.login} is the change's requester"
    if any(a.login.lower() == login for a in record.approvals):
        return f"@{who.login} approved the emergency change; the retro-review is someone else's"
    if not any(any(m.id == who.id for m in team.members) for team in cab_teams):
        names = ", ".join(f"@{t.slug}" for t in cab_teams) or "the CAB team"
        return f"@{who.login} is not in {names}"
    return None


def retro_overdue(due: dt.datetime, approved_at: dt.datetime | None, now: dt.datetime) -> str | None:
    """Why an emergency change's retro-review is overdue at `now`, or None: given in time, or not due."""
    if approved_at is not None:
        if approved_at > due:
            return f"retro-approved {approved_at.isoformat()}, after it was due {due.isoformat()}"
        return None
    if now > due:
        return f"no retro-approval; it was due {due.isoformat()}"
    return None
