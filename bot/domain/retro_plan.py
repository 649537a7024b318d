"""The CAB's retro-review of a merged emergency change, as a pure plan: comments in, record out.

A `/cab retro-approve` comment on the emergency change's (merged) pull request, by a member of the
team owning `decisions/medium/` who neither wrote nor approved the change
(`bot.domain.rules.emergency.retro_refusal`), becomes a `RetroApproval` record. The bot lands it
on a branch of its own and merges it like every decision, so the default branch's first-parent
line stays made of bot decision merges, and the record joins the hash chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.decision_plan import Issue
from bot.domain.identity import BotIdentity
from bot.domain.layout import retro_approval_path
from bot.domain.models import Decision, RetroApproval
from bot.domain.models.retro_approval import DecisionRef, RetroApprover
from bot.domain.pull_request import Comment, PullRequest, Team
from bot.domain.rules import commands, emergency, records
from bot.domain.rules.approval import edited_by_others, is_bot
from bot.domain.rules.trailers import merge_message, of_retro_approval

RETRO_COMMENT_MARKER = "<!-- cab-bot:retro-approval -->"


@dataclass(frozen=True)
class RetroInput:
    pr: PullRequest  # the emergency change's pull request, merged
    record: Decision  # its decision, as the default branch holds it
    record_path: str
    record_sha256: str
    requester: str | None  # the pack's requester
    comments: Sequence[Comment]
    cab_teams: Sequence[Team]  # the teams owning decisions/medium/ on the default branch
    previous: str | None  # the newest record sha256 on the default branch (the hash chain)


@dataclass(frozen=True)
class RetroPlan:
    path: str
    raw: bytes
    branch: str
    subject: str
    message: str
    comment: str  # the reply on the pull request
    issue: Issue  # the retro-review issue, edited to say it is done


def retro_path(record: Decision) -> str:
    return retro_approval_path(record.change_id, record.evidence.path.split("/")[1])


def _candidates(data: RetroInput, bot_name: str) -> list[tuple[Comment, str]]:
    """Each `/cab retro-approve` its commenter wrote as their own words, with its text."""
    found = []
    for comment in data.comments:
        if is_bot(comment.user, None, bot_name) or edited_by_others(comment) is not None:
            continue
        for command in commands.read(comment.body).commands:
            if command.verb == "retro-approve":
                found.append((comment, command.text))
    return found


def plan(data: RetroInput, now: dt.datetime, identity: BotIdentity) -> RetroPlan | list[str] | None:
    """The retro-approval to record; the reasons no `/cab retro-approve` counted; or None when
    there is nothing to do (not an emergency, or no command)."""
    record = data.record
    if record.outcome != "emergency" or record.emergency is None:
        return None
    candidates = _candidates(data, identity.name)
    if not candidates:
        return None
    reasons = []
    for comment, text in candidates:
        why = emergency.retro_refusal(
            comment.user, comment.created_at, data.cab_teams, record, data.requester
        )
        if why is not None:
            reasons.append(why)
            continue
        team = next(t for t in data.cab_teams if any(m.id == comment.user.id for m in t.members))
        return _approved(data, comment, text, team, now, identity)
    return reasons


def _approved(
    data: RetroInput, comment: Comment, text: str, team: Team, now: dt.datetime, identity: BotIdentity
) -> RetroPlan:
    record = data.record
    assert record.emergency is not None
    who = comment.user
    retro = RetroApproval.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "RetroApproval",
            "change_id": record.change_id,
            "outcome": "approved",
            "decision": DecisionRef(path=data.record_path, sha256=data.record_sha256),
            "approvals": [
                RetroApprover(
                    login=who.login,
                    user_id=who.id,
                    team=team.slug,
                    team_id=team.id if team.id > 0 else None,
                    team_members=sorted(m.login for m in team.members),
                    comment_id=comment.id,
                    approved_at=comment.created_at,
                )
            ],
            "retro_due": record.emergency.retro_due,
            "rationale": (f"retro-approved by @{who.login}" + (f": {text}" if text else ""))[:4000],
            "decided_at": now,
            "decided_by": identity.name,
            "pull_request": data.pr.number,
            "previous": data.previous,
        },
        strict=False,
    )
    path = retro_path(record)
    raw = records.render(retro)
    trailers = of_retro_approval(retro, records.record_sha256(raw, path), path)
    subject = f"cab: retro-approved {record.change_id} (emergency, {record.emergency.incident})"
    late = now > record.emergency.retro_due
    reply = [
        RETRO_COMMENT_MARKER,
        f"✅ **Retro-approved** by @{who.login}; recorded as `{path}`"
        + (f" (late: it was due {record.emergency.retro_due.isoformat()})." if late else "."),
    ]
    marker = emergency.RETRO_MARKER.format(change_id=record.change_id)
    issue = Issue(
        marker,
        f"CAB retro-review: emergency change {record.change_id} (done)",
        f"{marker}\nRetro-approved by @{who.login} at {now.isoformat()}; recorded as `{path}`.",
    )
    return RetroPlan(
        path,
        raw,
        f"cab/retro/{record.change_id}",
        subject,
        merge_message(subject, retro.rationale, trailers),
        "\n".join(reply) + "\n",
        issue,
    )


def refusal_comment(reasons: Sequence[str]) -> str:
    lines = [RETRO_COMMENT_MARKER, "⛔ **Retro-approval not recorded.**", ""]
    lines += [f"- {r}" for r in reasons]
    lines += ["", "Only a CAB member who neither wrote nor approved the change may retro-approve it."]
    return "\n".join(lines) + "\n"
