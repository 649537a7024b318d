"""`sync`: the one idempotent step that moves a pull request through the CAB lifecycle.

Each run reads a fresh snapshot (PR, files, commits, reviews, comments, base-branch policy),
validates and scores the evidence, evaluates the approval policy, and converges the PR to the
state that snapshot implies: one `risk:*` label, one bot comment, one decision record under the
right tier, and, when the rule is met, the final record committed and exactly that head merged.
Running it again with nothing changed changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot import documents, render
from bot.codeowners import owners_for, team_slugs, user_logins
from bot.decisions import records
from bot.documents import Loaded
from bot.errors import InputError, Problem
from bot.forge.interface import Forge, PullRequest, Review
from bot.identity import BotIdentity
from bot.layout import classify
from bot.lifecycle import base_policy
from bot.lifecycle.comment import MARKER, decision_comment, problems_comment
from bot.models import Decision, EvidencePack
from bot.models.decision import Approval, PullRequestRef, RiskAssessment
from bot.policy.approval import Owners, PolicyInput, PolicyResult, evaluate
from bot.policy.exceptions import coverage
from bot.policy.scope import Scope, classify_changes
from bot.scoring import score
from bot.trailers import DecisionTrailers, merge_message
from bot.validation import placement_problems

SyncStatus = Literal["closed", "refused", "invalid", "pending", "merged"]


@dataclass(frozen=True)
class SyncResult:
    number: int
    status: SyncStatus
    summary: str
    tier: str | None = None
    score: str | None = None
    outcome: str | None = None
    record_path: str | None = None
    head_sha: str | None = None
    merge_sha: str | None = None
    problems: tuple[Problem, ...] = ()


def _refuse(
    forge: Forge, pr: PullRequest, title: str, reasons: list[Problem | str], status: SyncStatus
) -> SyncResult:
    forge.upsert_comment(pr.number, MARKER, problems_comment(title, reasons))
    forge.set_status(pr.head_sha, "failure", title[:140])
    problems = tuple(r for r in reasons if isinstance(r, Problem))
    summary = f"{title}: " + "; ".join(str(r) for r in reasons)
    return SyncResult(pr.number, status, summary, head_sha=pr.head_sha, problems=problems)


def _owners(forge: Forge, codeowners: str, path: str) -> Owners:
    named = owners_for(codeowners, path)
    teams, unresolved = [], []
    for slug in team_slugs(named):
        team = forge.team(slug)
        if team is None:
            unresolved.append(f"@{slug}")
        else:
            teams.append(team)
    # Individual users in CODEOWNERS are not approvers here: membership is snapshotted per team.
    unresolved += [f"@{login} (users must approve through a team)" for login in user_logins(named)]
    return Owners(teams=tuple(teams), unresolved=tuple(unresolved))


def _reviewable_shas(
    forge: Forge, pr: PullRequest, pr_commits: set[str], reviews: list[Review], change_id: str
) -> frozenset[str]:
    """The head, and each reviewed PR commit whose only difference from the head is our record."""
    reviewable = {pr.head_sha}
    for sha in {r.commit_id for r in reviews if r.state == "APPROVED"} - reviewable:
        if sha not in pr_commits:
            continue
        changed = forge.diff_paths(sha, pr.head_sha)
        if all(_is_own_record(path, change_id) for path in changed):
            reviewable.add(sha)
    return frozenset(reviewable)


def _is_own_record(path: str, change_id: str) -> bool:
    governed = classify(path)
    return governed is not None and governed.kind == "Decision" and governed.id == change_id


def _approvals(policy: PolicyResult, evidence_sha: str) -> list[Approval]:
    out = []
    for counted in policy.approvals:
        team = counted.team
        assert team is not None  # only team members count (see _owners)
        out.append(
            Approval(
                login=counted.review.user.login,
                user_id=counted.review.user.id,
                team=team.slug,
                team_id=team.id,
                team_members=sorted(m.login for m in team.members),
                review_id=counted.review.id,
                reviewed_sha=counted.review.commit_id,
                evidence_sha256=evidence_sha,
                approved_at=counted.review.submitted_at,
            )
        )
    return out


def _existing_final(forge: Forge, pr: PullRequest, path: str) -> tuple[bytes, Decision] | None:
    raw = forge.read_file(pr.head_sha, path)
    if raw is None:
        return None
    try:
        record: Decision = records.parse(raw, path).model
    except InputError:
        return None
    return (raw, record) if record.outcome != "pending" else None


def sync(forge: Forge, number: int, *, now: dt.datetime, identity: BotIdentity) -> SyncResult:
    pr = forge.pull_request(number)
    if pr.state != "open":
        return SyncResult(number, "closed", f"pull request #{number} is {pr.state}; nothing to do")
    files = forge.changed_files(number)
    scope = classify_changes(files)
    if scope.refusals:
        return _refuse(forge, pr, "This pull request cannot be decided", list(scope.refusals), "refused")
    if not scope.evidence_paths:
        return _refuse(
            forge,
            pr,
            "No evidence pack",
            ["a CAB pull request adds or changes exactly one evidence/<yyyy-mm>/<change-id>.yaml"],
            "refused",
        )
    evidence_path = scope.evidence_paths[0]
    raw = forge.read_file(pr.head_sha, evidence_path)
    if raw is None:
        return _refuse(forge, pr, "Evidence pack missing", [f"{evidence_path} is not in the head"], "refused")
    try:
        evidence: Loaded[EvidencePack] = documents.parse(raw, evidence_path, EvidencePack)
    except InputError as exc:
        return _refuse(forge, pr, "The evidence pack is invalid", list(exc.problems), "invalid")
    governed = classify(evidence_path)
    assert governed is not None
    misplaced = placement_problems(governed, evidence.model)
    if misplaced:
        return _refuse(
            forge,
            pr,
            "The evidence pack is misplaced",
            [Problem(evidence_path, 1, 1, m) for m in misplaced],
            "invalid",
        )

    base_sha = forge.branch_head(pr.base_ref)
    base = base_policy.load(forge, base_sha)
    pack = evidence.model
    if pack.change_id in base.decided_change_ids:
        return _refuse(
            forge,
            pr,
            "Already decided",
            [
                f"{pack.change_id} has a decision on {pr.base_ref}; decided evidence cannot be edited. "
                "Submit the change again under a new change id."
            ],
            "refused",
        )
    foreign = [p for p in scope.record_paths if not _is_own_record(p, pack.change_id)]
    if foreign:
        return _refuse(
            forge,
            pr,
            "Decision records touched",
            [f"{p}: only the bot writes under decisions/, and only this change's record" for p in foreign],
            "refused",
        )
    return _decide(forge, pr, scope, evidence, evidence_path, base, now=now, identity=identity)


def _decide(
    forge: Forge,
    pr: PullRequest,
    scope: Scope,
    evidence: Loaded[EvidencePack],
    evidence_path: str,
    base: base_policy.BasePolicy,
    *,
    now: dt.datetime,
    identity: BotIdentity,
) -> SyncResult:
    pack = evidence.model
    risk: RiskAssessment = score(pack, base.model.model, base.model.sha256)
    tier_note = None
    if scope.touches_policy and risk.tier != "high":
        risk = risk.model_copy(update={"tier": "high", "tier_override": "policy_change"})
        tier_note = "High tier because this PR changes policy: " + ", ".join(scope.policy_paths[:5])
    path = records.record_path(pack, risk.tier)

    reviews = list(forge.reviews(pr.number))
    commits = list(forge.commits(pr.number))
    owners = _owners(forge, base.codeowners, path)
    cover = coverage(pack, base.exceptions, now)
    policy = evaluate(
        PolicyInput(
            tier=risk.tier,
            pr=pr,
            commits=commits,
            reviews=reviews,
            comments=list(forge.comments(pr.number)),
            owners=owners,
            reviewable_shas=_reviewable_shas(forge, pr, {c.sha for c in commits}, reviews, pack.change_id),
            bot=None,
            exception_ids=tuple(e.model.id for e in cover.covering),
            exception_gaps=cover.gaps,
        )
    )
    stale = {p: None for p in scope.record_paths if p != path}  # a record left under another tier
    scored = render.ScoredPack(
        evidence_path, pack.change_id, pack.title, evidence.sha256, risk, pack.missing_sections
    )
    coverage_notes = list(cover.reasons) if risk.tier == "high" else []
    forge.set_risk_label(pr.number, f"risk:{risk.tier}")
    forge.upsert_comment(pr.number, MARKER, decision_comment(scored, policy, coverage_notes, tier_note))

    if not policy.decided:
        pending = records.build(
            evidence=evidence,
            evidence_path=evidence_path,
            risk=risk,
            outcome="pending",
            rationale=policy.summary,
        )
        head = forge.commit_files(
            pr.number,
            pr.head_sha,
            {path: records.render(pending), **stale},
            f"cab: pending decision for {pack.change_id} ({risk.tier}, {risk.score})",
        )
        forge.set_status(head, "pending", policy.summary[:140])
        return SyncResult(
            pr.number,
            "pending",
            policy.summary,
            outcome="pending",
            head_sha=head,
            tier=risk.tier,
            score=risk.score,
            record_path=path,
        )

    covering = cover.covering if risk.tier == "high" else ()
    approvals = _approvals(policy, evidence.sha256)
    previous = forge.latest_decision_sha256(base.sha)
    existing = _existing_final(forge, pr, path)
    if (
        existing
        and existing[1].outcome == policy.status
        and existing[1].previous == previous
        and [a.review_id for a in existing[1].approvals] == [a.review_id for a in approvals]
    ):
        raw, final = existing  # a re-run after a crash between commit and merge: keep what was written
        reviewed_head = existing[1].pull_request.head_sha if existing[1].pull_request else pr.head_sha
    else:
        reviewed_head = pr.head_sha
        final = records.build(
            evidence=evidence,
            evidence_path=evidence_path,
            risk=risk,
            outcome=policy.status,
            rationale=policy.summary,
            approvals=approvals,
            exceptions=covering,
            conditions=policy.conditions,
            decided_at=now,
            decided_by=identity.name,
            previous=previous,
            pull_request=PullRequestRef(
                number=pr.number, head_sha=reviewed_head, base_sha=base.sha, author=pr.author.login
            ),
        )
        raw = records.render(final)
    head = forge.commit_files(
        pr.number,
        pr.head_sha,
        {path: raw, **stale},
        f"cab: {policy.status} {pack.change_id} ({risk.tier}, {risk.score})",
    )
    trailers = DecisionTrailers(
        decision=final.outcome,
        change=pack.change_id,
        tier=risk.tier,
        risk_score=risk.score,
        evidence_sha256=evidence.sha256,
        model=f"v{risk.model_version} sha256:{risk.model_sha256}",
        record=path,
        record_sha256=records.record_sha256(raw, path),
        previous=previous or "none",
        approved_by=tuple(f"{a.login} ({a.user_id})" for a in final.approvals),
        exceptions=tuple(e.id for e in final.exceptions),
        correlation_id=pack.correlation_id,
    )
    subject = f"cab: {final.outcome} {pack.change_id} ({risk.tier}, {risk.score})"
    forge.set_status(head, "success", f"decision recorded: {final.outcome}")
    merge_sha = forge.merge(pr.number, head, subject, merge_message(subject, final.rationale, trailers))
    return SyncResult(
        pr.number,
        "merged",
        policy.summary,
        outcome=final.outcome,
        head_sha=head,
        merge_sha=merge_sha,
        tier=risk.tier,
        score=risk.score,
        record_path=path,
    )
