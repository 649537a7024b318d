"""The plan for a policy change: a pull request that changes anything outside the change and
exception allow-lists (the risk model, CODEOWNERS, `policy/`, workflows, the bot's code, ...).

It is decided like any change, by a `PolicyDecision` record at
`decisions/policy/<yyyy-mm>/pr-<n>.yaml` in the hash chain, merged with trailers: CAB and security
must both approve (each team by a member who wrote none of it, two different people), or an owner
rejects it. A rejection is merged too, so the history keeps it, but with the base branch's files
put back first: only the record lands. Pure, like `bot.domain.decision_plan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

from bot.domain.base_branch import BaseBranch, read_calendar
from bot.domain.comments import codeowners_lint_section, policy_change_comment
from bot.domain.decision_plan import (
    Plan,
    RecordCommit,
    Snapshot,
    Target,
    _deciding,
    _Facts,
    _reusable,
    _waiting,
    approvals_of,
    owners,
    plan,
    recorded_membership,
    refusal,
    reviewable_shas,
)
from bot.domain.identity import BotIdentity
from bot.domain.layout import FREEZE_PATH, policy_decision_path
from bot.domain.models.decision import Approval, TeamMembership
from bot.domain.models.policy_decision import PolicyPath
from bot.domain.rules import codeowners_access, membership, policy_changes, records
from bot.domain.rules.approval import ApprovalInput, ApprovalResult, evaluate
from bot.domain.rules.trailers import of_policy_decision

POLICY_TIER = "policy"


def decide(
    target: Target, snapshot: Snapshot, base: BaseBranch, now: dt.datetime, identity: BotIdentity
) -> Plan:
    """What one sync does to this pull request: a policy change is planned here, any other by
    `bot.domain.decision_plan.plan`."""
    if target.kind != "policy":
        return plan(target, snapshot, base, now, identity)
    return plan_policy(_Facts(target, snapshot, base, now, identity), snapshot.blobs)


def brought_paths(facts: _Facts, blobs: Mapping[str, bytes | None]) -> dict[str, str | None] | list[str]:
    """path -> blob id each changed path gets at the head (None: deleted), or what could not be read."""
    brought: dict[str, str | None] = {}
    unreadable = []
    records_in_diff = set(facts.target.scope.record_paths)
    for change in facts.snapshot.files:
        if change.path in records_in_diff:
            continue
        if change.previous_path:
            brought[change.previous_path] = None
        if change.status == "removed":
            brought[change.path] = None
            continue
        content = blobs.get(change.path)
        if content is None:
            unreadable.append(f"{change.path}: not readable at the head")
        else:
            brought[change.path] = policy_changes.git_blob_id(content)
    return unreadable or brought


def plan_policy(facts: _Facts, blobs: Mapping[str, bytes | None]) -> Plan:
    snap, pr = facts.snapshot, facts.pr
    decision_id = policy_changes.decision_id(pr.number)
    if decision_id in facts.base.decided_policy_ids:
        return refusal(
            "Already decided",
            [f"policy change {decision_id} has a decision on {pr.base_ref}; open a new pull request"],
        )
    refused = facts.foreign_records(decision_id, "PolicyDecision")
    if refused:
        return refused
    brought = brought_paths(facts, blobs)
    if isinstance(brought, list):
        return refusal("This policy change cannot be decided", brought)
    calendar = blobs.get(FREEZE_PATH) if FREEZE_PATH in brought else None
    _, unreadable = read_calendar(calendar)
    if calendar is not None and unreadable is not None:  # merged, it would hold every change
        return refusal("The freeze calendar is invalid", [unreadable], "invalid")
    paths = policy_changes.policy_paths(brought)
    paths_sha = policy_changes.paths_sha256(paths)
    path = policy_decision_path(decision_id, facts.now.astimezone(dt.UTC).strftime("%Y-%m"))
    owning = owners(facts.base.codeowners, path, snap.teams)
    # as for a change (`decision_plan._verdict`): only the bot's own pending record is built on
    bots = records.written_by_bot(snap.record_writer, facts.identity, snap.bot_login)
    previous = recorded_membership(snap.existing_record, path) if bots else []
    observed = membership.observe(previous, owning.teams, facts.now)
    verdict = evaluate(
        ApprovalInput(
            tier=POLICY_TIER,
            pr=pr,
            commits=snap.commits,
            reviews=snap.reviews,
            comments=snap.comments,
            owners=owning,
            reviewable_shas=reviewable_shas(
                pr, snap.commits, snap.reviews, snap.reviewed_diffs, decision_id, "PolicyDecision"
            ),
            bot=None,
            bot_name=facts.identity.name,
            requester=None,  # no document names a requester; the PR author is conflicted anyway
            member_since=membership.member_since(observed),
        )
    )
    comment = policy_change_comment(decision_id, [(p.path, p.blob) for p in paths], verdict)
    # a CODEOWNERS that GitHub cannot fully use holds the approval (a rejection still lands)
    lint = codeowners_access.change_problems(snap.files, blobs, snap.owner_access)
    held = bool(lint) and verdict.status != "rejected"
    if lint:
        comment += codeowners_lint_section(lint)
    if not verdict.decided or held:
        why = f"CODEOWNERS lint: {len(lint)} problem(s); fix them before this policy change can merge"
        pending = records.build_policy(
            decision_id=decision_id,
            paths=paths,
            outcome="pending",
            rationale=why if held else verdict.summary,
            membership=observed,
        )
        message = f"cab: pending policy decision {decision_id}"
        files = {path: records.render(pending), **facts.stale(path)}
        waiting = _waiting(verdict, comment, RecordCommit(files, message), path)
        if not held:
            return waiting
        return replace(waiting, summary=why, check="failure", check_description=why[:140])
    outcome: Literal["approved", "rejected"] = "rejected" if verdict.status == "rejected" else "approved"
    raw = _final(facts, verdict, outcome, paths, approvals_of(verdict, paths_sha), path, observed)
    final = records.parse_policy_decision(raw, path).model
    trailers = of_policy_decision(final, records.record_sha256(raw, path), path)
    subject = f"cab: policy change {decision_id} {outcome}"
    files = {path: raw, **facts.stale(path)}
    if outcome == "rejected":  # the history keeps the decision, never the rejected files
        files |= {p: snap.base_blobs.get(p) for p in brought}
    record = RecordCommit(files, subject)
    return _deciding(verdict, comment, record, trailers, verdict.summary, path)


def _final(
    facts: _Facts,
    verdict: ApprovalResult,
    outcome: Literal["approved", "rejected"],
    paths: list[PolicyPath],
    approvals: list[Approval],
    path: str,
    observed: list[TeamMembership],
) -> bytes:
    reused = _reusable(facts, outcome, facts.snapshot.previous, approvals, path)
    if reused is not None and records.parse_policy_decision(reused, path).model.paths == paths:
        return reused
    return records.render(
        records.build_policy(
            decision_id=policy_changes.decision_id(facts.pr.number),
            paths=paths,
            outcome=outcome,
            rationale=verdict.summary,
            approvals=approvals,
            decided_at=facts.now,
            decided_by=facts.identity.name,
            previous=facts.snapshot.previous,
            pull_request=facts.pull_request_ref(),
            membership=observed,
            authors=verdict.authors,
        )
    )


__all__ = ["POLICY_TIER", "brought_paths", "decide", "plan_policy"]
