"""Who has approved, who may, and what is still missing. Pure: a snapshot in, a verdict out.

Rules (DESIGN "The lifecycle on GitHub", THREATS "Approval bypass"):
- low tier is auto-approved;
- an exception (tier `exception`) needs one counting approval from the team owning its path
  (security), never from its requester;
- medium needs one counting approval from a team owning the decision path; high needs the same
  from the owning (security) team plus an active exception covering the change;
- a policy change (tier `policy`) needs a counting approval from every team owning its record
  (CAB and security), each by a different person, and at least two such teams;
- a review counts only if it is the reviewer's latest decisive review (APPROVED, CHANGES_REQUESTED
  or DISMISSED; COMMENTED changes nothing, as on GitHub), its state is APPROVED, it was given on a
  commit whose difference from the head is at most the bot's own record for this change, the
  reviewer is an active member of an owning team (matched by numeric id) or a user listed as
  owner, the reviewer was a recorded member when the review was given
  (`bot.domain.rules.membership`), and the reviewer is neither a bot nor the PR author nor anyone
  who wrote the change (`bot.domain.rules.authorship`: authors, committers, co-authors, pushers);
- an identity that wrote the change but maps to no account makes the change wait;
- `/cab reject <reason>` and `/cab conditions <text>` count only from a counting owner, read
  from the comment's current body, and only as the owner's own words: never from code blocks or
  quotes (`bot.domain.rules.commands`), nor from a comment anyone else edited; only formal reviews
  approve;
- anything unknown (no owners, empty rules, unknown tier) fails closed: not approved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.domain.outcomes import OUTCOMES_BY_TIER as OUTCOMES_BY_TIER
from bot.domain.outcomes import outcome_allowed as outcome_allowed
from bot.domain.pull_request import Comment, Commit, PullRequest, Review, Team, User
from bot.domain.rules import authorship, commands, membership

Status = Literal["auto_approved", "standard", "emergency", "approved", "conditional", "rejected", "pending"]
_DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


@dataclass(frozen=True)
class Owners:
    """The owners of the decision path, resolved: teams with their members, and single users."""

    teams: tuple[Team, ...] = ()
    users: tuple[User, ...] = ()
    unresolved: tuple[str, ...] = ()  # owners named in CODEOWNERS that do not exist

    def team_of(self, user: User) -> Team | None:
        for team in self.teams:
            if any(member.id == user.id for member in team.members):
                return team
        return None

    def owns(self, user: User) -> bool:
        return self.team_of(user) is not None or any(u.id == user.id for u in self.users)

    def describe(self) -> str:
        names = [f"@{t.slug}" for t in self.teams] + [f"@{u.login}" for u in self.users]
        return ", ".join(names) if names else "(nobody)"

    def refusal(self, user: User, claimed_team: str | None = None) -> Refusal | None:
        """None when the user owns the path; `claimed_team` is the team a record says they approved for."""
        if self.owns(user):
            return None
        if claimed_team is not None and claimed_team.lstrip("@").lower() in {t.slug for t in self.teams}:
            return Refusal("approval.not-member", f"{{who}} is not in the recorded members of {claimed_team}")
        return Refusal("approval.not-owner", "{who} is not in " + self.describe())


@dataclass(frozen=True)
class Refusal:
    """Why one approval does not count: a stable rule id (the audit's) and a sentence about `{who}`."""

    rule: str
    text: str

    def say(self, who: str) -> str:
        return self.text.replace("{who}", who)


@dataclass(frozen=True)
class Judged:
    """What every approval of one decision is judged against, by the bot and by the audit alike."""

    owners: Owners
    head_sha: str
    reviewable: Collection[str] | None  # None: the reviewed commits could not be determined
    conflicted_ids: Mapping[int, str] = field(default_factory=dict)  # account id -> why
    conflicted_logins: Mapping[str, str] = field(default_factory=dict)  # lower-case login -> why
    bot: User | None = None
    bot_name: str | None = None
    # account id -> first recorded membership of an owning team; None: no snapshot (older records)
    member_since: Mapping[int, dt.datetime] | None = None


def is_bot(user: User, bot: User | None = None, bot_name: str | None = None) -> bool:
    login = user.login.lower()
    return (
        user.is_bot
        or login.endswith("[bot]")
        or (bot is not None and user.id == bot.id)
        or (bot_name is not None and login == bot_name.lower())
    )


def conflicts_of(user: User, judged: Judged) -> list[str]:
    """Why this account may not approve or command on this change (the first reason is reported)."""
    found = []
    by_login = judged.conflicted_logins.get(user.login.lower())
    if by_login:
        found.append(by_login)
    by_id = judged.conflicted_ids.get(user.id)
    if by_id and by_id not in found:
        found.append(by_id)
    return found


def refusals(
    user: User,
    reviewed_sha: str,
    judged: Judged,
    claimed_team: str | None = None,
    given_at: dt.datetime | None = None,
) -> list[Refusal]:
    """Every reason an approval by `user` on commit `reviewed_sha`, given at `given_at`, does not
    count; empty when it counts.

    Order matters to the bot, which reports the first: bots, own changes, staleness, ownership,
    membership at the time of the review.
    """
    out = []
    if is_bot(user, judged.bot, judged.bot_name):
        out.append(Refusal("approval.bot", "{who} is a bot; bots never approve"))
    out += [
        Refusal("approval.self", "{who} " + why + "; nobody approves their own change")
        for why in conflicts_of(user, judged)
    ]
    if judged.reviewable is not None and reviewed_sha not in judged.reviewable:
        out.append(
            Refusal(
                "approval.stale",
                f"{{who}}'s approval is stale: given on {reviewed_sha[:7]}, head is {judged.head_sha[:7]}",
            )
        )
    not_owner = judged.owners.refusal(user, claimed_team)
    if not_owner is not None:
        out.append(not_owner)
    elif judged.member_since is not None and given_at is not None:
        why = membership.before_membership(user.id, given_at, judged.member_since)
        if why is not None:
            out.append(
                Refusal(
                    "approval.before-membership",
                    f"{{who}}'s review of {given_at.isoformat()} does not count: {{who}} {why}; "
                    "a review counts only from a member, so it needs to be given again",
                )
            )
    return out


@dataclass(frozen=True)
class ApprovalInput:
    tier: str
    pr: PullRequest
    commits: Sequence[Commit]
    reviews: Sequence[Review]
    comments: Sequence[Comment]
    owners: Owners
    reviewable_shas: frozenset[str]  # head, plus earlier commits that differ only by the bot's record
    bot: User | None  # the bot's own account, when the forge knows it
    bot_name: str | None = None  # the bot's login by its identity: never an approver either
    requester: str | None = None  # login named in the document as requester: may not approve it
    exception_ids: tuple[str, ...] = ()  # active exceptions covering the change (high tier)
    exception_gaps: tuple[str, ...] = ()  # what no active exception covers
    # account id -> first recorded membership of an owning team (`bot.domain.rules.membership`)
    member_since: Mapping[int, dt.datetime] | None = None


@dataclass(frozen=True)
class CountedApproval:
    review: Review
    team: Team | None


@dataclass(frozen=True)
class Dismissal:
    review: Review
    reason: str


@dataclass(frozen=True)
class ApprovalResult:
    status: Status
    summary: str
    approvals: tuple[CountedApproval, ...] = ()
    dismissed: tuple[Dismissal, ...] = ()
    missing: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    rejection: str | None = None
    decided_by_comment: Comment | None = None
    ignored_commands: tuple[str, ...] = ()  # owners' command-looking lines that are not commands, and why
    # The accounts that wrote the change (account id, why), whose approval would be their own
    # (`rules.authorship`): the record keeps them, so the audit judges approvals against them too.
    authors: tuple[tuple[int, str], ...] = ()

    @property
    def decided(self) -> bool:
        return self.status != "pending"


@dataclass
class _Tally:
    approvals: list[CountedApproval] = field(default_factory=list)
    dismissed: list[Dismissal] = field(default_factory=list)


def _authorship(data: ApprovalInput) -> authorship.Authorship:
    return authorship.of_change(data.pr, data.commits, lambda user: is_bot(user, data.bot, data.bot_name))


def _judged(data: ApprovalInput, wrote: authorship.Authorship) -> Judged:
    requester = {data.requester.lower(): "is the requester"} if data.requester else {}
    return Judged(
        owners=data.owners,
        head_sha=data.pr.head_sha,
        reviewable=data.reviewable_shas,
        conflicted_ids=wrote.conflicted,
        conflicted_logins=requester,
        bot=data.bot,
        bot_name=data.bot_name,
        member_since=data.member_since,
    )


def unknown_authors(wrote: authorship.Authorship) -> list[str]:
    """What the change waits for because the bot cannot tell who wrote it (fail closed)."""
    return [
        f"an account for every identity that wrote the change: {who} maps to no account"
        for who in wrote.unknown
    ]


def _latest_decisive(reviews: Sequence[Review]) -> dict[int, Review]:
    latest: dict[int, Review] = {}
    for review in reviews:  # submission order: later reviews win
        if review.state in _DECISIVE:
            latest[review.user.id] = review
    return latest


def _tally(data: ApprovalInput, judged: Judged) -> _Tally:
    tally = _Tally()
    for review in _latest_decisive(data.reviews).values():
        who = f"@{review.user.login}"
        if review.state != "APPROVED":
            if review.state == "CHANGES_REQUESTED":
                tally.dismissed.append(Dismissal(review, f"{who} requested changes"))
            continue
        refused = refusals(review.user, review.commit_id, judged, given_at=review.submitted_at)
        if refused:
            tally.dismissed.append(Dismissal(review, refused[0].say(who)))
        else:
            tally.approvals.append(CountedApproval(review, data.owners.team_of(review.user)))
    return tally


@dataclass(frozen=True)
class _Commands:
    latest: tuple[str, str, Comment] | None  # (verb, text, comment) of the latest counting command
    ignored: tuple[str, ...]


def _command(data: ApprovalInput, judged: Judged) -> _Commands:
    """The latest `/cab reject|conditions` from a counting owner, and the owners' lines that only look
    like commands (quoted or in code)."""
    found = None
    ignored = []
    for comment in data.comments:
        if is_bot(comment.user, data.bot, data.bot_name) or conflicts_of(comment.user, judged):
            continue
        if not data.owners.owns(comment.user):
            continue
        edited = edited_by_others(comment)
        if edited is not None:
            ignored += [
                f"@{comment.user.login}'s `/cab {c.verb}` on line {c.line} {edited}: not a command"
                for c in commands.read(comment.body).commands
            ]
            continue
        read = commands.read(comment.body)
        for command in read.commands:
            if command.verb != "retro-approve":  # said of a merged emergency change, not of this one
                found = (command.verb, command.text, comment)
        ignored += [f"@{comment.user.login}'s {i.describe()}: not a command" for i in read.ignored]
    return _Commands(found, tuple(ignored))


def edited_by_others(comment: Comment) -> str | None:
    """Why a comment's commands are not its author's own words any more, or None when they are:
    a comment edited by anyone but its author (GitHub lets maintainers edit any comment) says what
    the editor wrote, under the author's name."""
    others = sorted({f"@{u.login}" for u in comment.editors if u.id != comment.user.id})
    if others:
        return f"is in a comment edited by {', '.join(others)}"
    if not comment.edits_known:
        return "is in a comment edited by someone the forge does not name"
    return None


POLICY_TEAMS = 2  # CAB and security: a policy change owned by fewer teams is never approved


def unmet(
    tier: str,
    counted_approvals: int,
    owners: Owners,
    exception_ids: Sequence[str] = (),
    exception_gaps: Sequence[str] = (),
    team_approvers: Mapping[str, Collection[str]] | None = None,
) -> list[tuple[str, str]]:
    """(rule, what is still needed) before a change of this tier may be approved; empty when none.

    `team_approvers` (policy tier): team slug -> logins whose approval counted as its member.
    The bot waits on each item; the audit reports each as a finding of an approving record.
    """
    if tier == "low":
        return []
    if tier == "policy":
        return _policy_unmet(owners, team_approvers or {})
    needs = []
    if not counted_approvals:
        needs.append(("approval.missing", f"1 approval from {owners.describe()} on the current head"))
    if tier == "high" and not exception_ids:
        gaps = "; ".join(exception_gaps) or "the change"
        needs.append(("exception.missing", f"an active exception covering {gaps}"))
    return needs


def _policy_unmet(owners: Owners, team_approvers: Mapping[str, Collection[str]]) -> list[tuple[str, str]]:
    slugs = [t.slug for t in owners.teams]
    if len(slugs) < POLICY_TEAMS:
        return [
            (
                "policy.teams-missing",
                f"CODEOWNERS to name CAB and security for decisions/policy/ (it names {owners.describe()})",
            )
        ]
    if _distinct_approvers(slugs, team_approvers):
        return []
    missing = [f"@{slug}" for slug in slugs if not team_approvers.get(slug)]
    wanted = ", ".join(missing) if missing else "each team, by different people"
    return [
        ("approval.missing", f"1 approval from each of {owners.describe()} ({wanted}) on the current head")
    ]


def _distinct_approvers(slugs: Sequence[str], team_approvers: Mapping[str, Collection[str]]) -> bool:
    """Whether every team has its own approver: one person approves for one team only."""

    def assign(i: int, used: frozenset[str]) -> bool:
        if i == len(slugs):
            return True
        return any(assign(i + 1, used | {who}) for who in team_approvers.get(slugs[i], ()) if who not in used)

    return assign(0, frozenset())


def team_approvers_of(approvals: Sequence[CountedApproval], owners: Owners) -> dict[str, frozenset[str]]:
    """team slug -> lower-case logins of counted approvers who are its members."""
    return {
        team.slug: frozenset(
            a.review.user.login.lower()
            for a in approvals
            if any(m.id == a.review.user.id for m in team.members)
        )
        for team in owners.teams
    }


def evaluate(data: ApprovalInput) -> ApprovalResult:
    if data.tier == "low":
        return ApprovalResult("auto_approved", "low risk: auto-approved")
    if data.tier not in ("medium", "high", "exception", "policy"):
        return ApprovalResult(
            "pending", f"unknown tier {data.tier!r}: not approved", missing=("a known tier",)
        )
    if not data.owners.teams and not data.owners.users:
        missing = f"an owner for decisions/{data.tier}/ in CODEOWNERS"
        unresolved = f" ({', '.join(data.owners.unresolved)} not found)" if data.owners.unresolved else ""
        return ApprovalResult(
            "pending", f"no owner can approve{unresolved}: not approved", missing=(missing,)
        )

    wrote = _authorship(data)
    authors = tuple(sorted(wrote.conflicted.items()))
    return replace(_judged_result(data, wrote), authors=authors)


def _judged_result(data: ApprovalInput, wrote: authorship.Authorship) -> ApprovalResult:
    judged = _judged(data, wrote)
    tally = _tally(data, judged)
    read = _command(data, judged)
    command, ignored = read.latest, read.ignored
    if command and command[0] == "reject":
        reason = command[1] or "no reason given"
        return ApprovalResult(
            "rejected",
            f"rejected by @{command[2].user.login}: {reason}",
            approvals=tuple(tally.approvals),
            dismissed=tuple(tally.dismissed),
            ignored_commands=ignored,
            rejection=reason,
            decided_by_comment=command[2],
        )

    needs = unknown_authors(wrote) + [
        text
        for _rule, text in unmet(
            data.tier,
            len(tally.approvals),
            data.owners,
            data.exception_ids,
            data.exception_gaps,
            team_approvers_of(tally.approvals, data.owners),
        )
    ]
    if needs:
        return ApprovalResult(
            "pending",
            "needs " + " and ".join(needs),
            dismissed=tuple(tally.dismissed),
            ignored_commands=ignored,
            approvals=tuple(tally.approvals),
            missing=tuple(needs),
        )
    approvers = ", ".join(f"@{a.review.user.login}" for a in tally.approvals)
    if command and command[0] == "conditions":
        text = command[1] or "see comment"
        return ApprovalResult(
            "conditional",
            f"approved by {approvers} with conditions: {text}",
            approvals=tuple(tally.approvals),
            dismissed=tuple(tally.dismissed),
            ignored_commands=ignored,
            conditions=(text,),
            decided_by_comment=command[2],
        )
    return ApprovalResult(
        "approved",
        f"approved by {approvers}",
        approvals=tuple(tally.approvals),
        dismissed=tuple(tally.dismissed),
        ignored_commands=ignored,
    )
