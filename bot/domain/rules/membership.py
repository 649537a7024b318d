"""Membership at the time of the review: a review counts only if its reviewer was a member then. Pure.

GitHub says who is in a team now, never since when. So every sync records the owning teams'
members in the pending record, keeping each member's `since` (the first sync that saw them) for
as long as they stay in; someone who leaves and comes back starts again. A review given before
its reviewer's `since` must be given again: a non-member's approval does not start counting when
she is added to the team later. The final record carries the snapshot, and the audit re-checks
every approval against it (`bot.domain.rules.approval.refusals`, the one home of the rule).

The previous snapshot is read from the pending record on the PR's head, and only when the commit
that last wrote it is the bot's (`records.written_by_bot`): a record anyone else pushed, with a
`since` of their choosing, counts for nothing, and every membership starts again at this sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.domain.models.decision import Member, TeamMembership
from bot.domain.pull_request import Team


def observe(
    previous: Sequence[TeamMembership], teams: Sequence[Team], now: dt.datetime
) -> list[TeamMembership]:
    """The teams' members now, each with the `since` an earlier snapshot of the same team gave."""
    out = []
    for team in teams:
        earlier = [m for m in previous if m.team == team.slug and m.team_id in (None, team.id)]
        known = {member.user_id: member.since for snapshot in earlier for member in snapshot.members}
        members = [
            Member(login=user.login, user_id=user.id, since=known.get(user.id, now))
            for user in sorted(team.members, key=lambda u: u.id)
        ]
        same = next((e for e in earlier if e.team_id == team.id and e.members == members), None)
        # unchanged since a snapshot: keep it, so a sync that sees nothing new writes nothing new
        out.append(same or TeamMembership(team=team.slug, team_id=team.id, observed_at=now, members=members))
    return out


def member_since(snapshots: Sequence[TeamMembership], team: str | None = None) -> dict[int, dt.datetime]:
    """Account id -> the earliest recorded membership (in `team`, or in any of the teams)."""
    found: dict[int, dt.datetime] = {}
    for snapshot in snapshots:
        if team is not None and snapshot.team != team.lstrip("@").lower():
            continue
        for member in snapshot.members:
            if member.user_id not in found or member.since < found[member.user_id]:
                found[member.user_id] = member.since
    return found


def before_membership(user_id: int, given_at: dt.datetime, since: Mapping[int, dt.datetime]) -> str | None:
    """Why a review given at `given_at` predates its reviewer's recorded membership, or None."""
    start = since.get(user_id)
    if start is None:
        return "is not in the recorded team membership"
    if given_at < start:
        return f"was first recorded as a team member at {start.isoformat()}"
    return None
