"""`sync`: the one idempotent step that moves a pull request through the CAB lifecycle.

Each run reads a fresh snapshot (PR, files, commits, reviews, comments, base-branch policy),
validates the document the PR carries (an evidence pack, or an exception), evaluates the approval
policy, and converges the PR to the state that snapshot implies: one `risk:*` label, one bot
comment, one record under `decisions/`, and, when the rule is met, the final record committed and
exactly that head merged. Running it again with nothing changed changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.adapters.forge.interface import Forge
from bot.domain import base_branch as base_policy
from bot.domain import documents, render
from bot.domain.base_branch import BasePolicy
from bot.domain.comments import MARKER, decision_comment, exception_comment, problems_comment
from bot.domain.documents import Loaded
from bot.domain.errors import InputError, Problem
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.models import Decision, EvidencePack, ExceptionDecision, ExceptionRecord
from bot.domain.models.decision import Approval, PullRequestRef, RiskAssessment
from bot.domain.placement import placement_problems
from bot.domain.pull_request import ChangedFile, PullRequest, Review
from bot.domain.rules import records
from bot.domain.rules.approval import Owners, PolicyInput, PolicyResult, evaluate
from bot.domain.rules.codeowners import owners_for, team_slugs, user_logins
from bot.domain.rules.coverage import coverage
from bot.domain.rules.exception_window import MAX_EXCEPTION_DAYS, window_problem
from bot.domain.rules.scope import POLICY_CHANGE, Scope, classify_changes, with_policy_override
from bot.domain.rules.trailers import DecisionTrailers, ExceptionTrailers, merge_message
from bot.domain.scoring import score

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
    not_counted: tuple[str, ...] = ()  # reviews that did not count, with the reason


@dataclass(frozen=True)
class _Run:
    """What one sync run knows; passed between the steps instead of a dozen parameters."""

    forge: Forge
    pr: PullRequest
    scope: Scope
    base: BasePolicy
    now: dt.datetime
    identity: BotIdentity

    def pull_request_ref(self) -> PullRequestRef:
        """What a final record says about the PR it decided."""
        return PullRequestRef(
            number=self.pr.number,
            head_sha=self.pr.head_sha,
            base_sha=self.base.sha,
            author=self.pr.author.login,
        )


def _refuse(
    forge: Forge,
    pr: PullRequest,
    title: str,
    reasons: Sequence[Problem | str],
    status: SyncStatus = "refused",
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
    run: _Run, commits: set[str], reviews: Sequence[Review], record_id: str, kind: records.RecordKind
) -> frozenset[str]:
    """The head, and each reviewed PR commit whose only difference from the head is our record."""
    reviewable = {run.pr.head_sha}
    for sha in {r.commit_id for r in reviews if r.state == "APPROVED"} - reviewable:
        if sha in commits and records.differs_only_by_own_record(
            run.forge.diff_paths(sha, run.pr.head_sha), record_id, kind
        ):
            reviewable.add(sha)
    return frozenset(reviewable)


def _evaluate(
    run: _Run,
    tier: str,
    owned_path: str,
    record_id: str,
    requester: str,
    exception_ids: tuple[str, ...] = (),
    gaps: tuple[str, ...] = (),
) -> PolicyResult:
    if tier == "low":  # auto-approved: no review, commit or owner can change that, so read none
        return evaluate(
            PolicyInput(
                tier=tier,
                pr=run.pr,
                commits=(),
                reviews=(),
                comments=(),
                owners=Owners(),
                reviewable_shas=frozenset({run.pr.head_sha}),
                bot=None,
                requester=requester,
            )
        )
    reviews = list(run.forge.reviews(run.pr.number))
    commits = list(run.forge.commits(run.pr.number))
    return evaluate(
        PolicyInput(
            tier=tier,
            pr=run.pr,
            commits=commits,
            reviews=reviews,
            comments=list(run.forge.comments(run.pr.number)),
            owners=_owners(run.forge, run.base.codeowners, owned_path),
            reviewable_shas=_reviewable_shas(
                run,
                {c.sha for c in commits},
                reviews,
                record_id,
                "ExceptionDecision" if tier == "exception" else "Decision",
            ),
            bot=None,
            requester=requester,
            exception_ids=exception_ids,
            exception_gaps=gaps,
        )
    )


def _approvals(policy: PolicyResult, document_sha: str) -> list[Approval]:
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
                evidence_sha256=document_sha,
                approved_at=counted.review.submitted_at,
            )
        )
    return out


def _reusable_final(
    run: _Run, path: str, outcome: str, previous: str | None, approvals: list[Approval]
) -> bytes | None:
    """The final record already on the head from a run that crashed before merging, if still right."""
    if path not in run.scope.record_paths:
        return None  # the PR carries no record at this path yet: nothing to reuse, no read needed
    raw = run.forge.read_file(run.pr.head_sha, path)
    if raw is None:
        return None
    try:
        record = documents.parse(raw, path).model
    except InputError:
        return None
    if not isinstance(record, Decision | ExceptionDecision) or record.outcome != outcome:
        return None
    same_reviews = [a.review_id for a in record.approvals] == [a.review_id for a in approvals]
    return raw if record.previous == previous and same_reviews else None


def _merge(
    run: _Run,
    path: str,
    raw: bytes,
    stale: dict[str, bytes | None],
    subject: str,
    rationale: str,
    trailers: DecisionTrailers | ExceptionTrailers,
) -> tuple[str, str]:
    head = run.forge.commit_files(run.pr.number, run.pr.head_sha, {path: raw, **stale}, subject)
    run.forge.set_status(head, "success", f"decision recorded: {trailers.decision}")
    merged = run.forge.merge(run.pr.number, head, subject, merge_message(subject, rationale, trailers))
    return head, merged


def _pending(
    run: _Run, path: str, raw: bytes, stale: dict[str, bytes | None], message: str, summary: str
) -> str:
    head = run.forge.commit_files(run.pr.number, run.pr.head_sha, {path: raw, **stale}, message)
    run.forge.set_status(head, "pending", summary[:140])
    return head


def sync(forge: Forge, number: int, *, now: dt.datetime, identity: BotIdentity) -> SyncResult:
    pr = forge.pull_request(number)
    if pr.state != "open":
        return SyncResult(number, "closed", f"pull request #{number} is {pr.state}; nothing to do")
    scope = classify_changes(forge.changed_files(number))
    if scope.refusals:
        return _refuse(forge, pr, "This pull request cannot be decided", scope.refusals)
    if scope.evidence_paths and scope.exception_paths:
        return _refuse(
            forge,
            pr,
            "One decision per pull request",
            ["submit the exception in its own pull request; security approves it separately"],
        )
    if not scope.evidence_paths and not scope.exception_paths:
        return _refuse(
            forge,
            pr,
            "No evidence pack",
            ["a CAB pull request adds or changes exactly one evidence/<yyyy-mm>/<change-id>.yaml"],
        )
    run = _Run(forge, pr, scope, base_policy.load(forge, forge.branch_head(pr.base_ref)), now, identity)
    if scope.evidence_paths:
        return _sync_change(run, scope.evidence_paths[0])
    if len(scope.exception_paths) > 1:
        return _refuse(forge, pr, "One exception per pull request", list(scope.exception_paths))
    return _sync_exception(run, scope.exception_paths[0])


def _load_document(
    run: _Run, path: str, kind: type[EvidencePack] | type[ExceptionRecord]
) -> Loaded[EvidencePack] | Loaded[ExceptionRecord] | SyncResult:
    raw = run.forge.read_file(run.pr.head_sha, path)
    if raw is None:
        return _refuse(run.forge, run.pr, "Document missing", [f"{path} is not in the head"])
    try:
        loaded = documents.parse(raw, path, kind)
    except InputError as exc:
        return _refuse(run.forge, run.pr, f"The {kind.__name__} is invalid", exc.problems, "invalid")
    governed = classify(path)
    assert governed is not None
    misplaced = placement_problems(governed, loaded.model)
    if misplaced:
        return _refuse(
            run.forge,
            run.pr,
            f"The {kind.__name__} is misplaced",
            [Problem(path, 1, 1, m) for m in misplaced],
            "invalid",
        )
    return loaded


def _foreign_records(run: _Run, own_id: str, kind: records.RecordKind) -> SyncResult | None:
    foreign = [p for p in run.scope.record_paths if not records.is_own_record(p, own_id, kind)]
    if not foreign:
        return None
    return _refuse(
        run.forge,
        run.pr,
        "Decision records touched",
        [f"{p}: only the bot writes under decisions/, and only this pull request's record" for p in foreign],
    )


def _sync_change(run: _Run, evidence_path: str) -> SyncResult:
    loaded = _load_document(run, evidence_path, EvidencePack)
    if isinstance(loaded, SyncResult):
        return loaded
    assert isinstance(loaded.model, EvidencePack)
    evidence: Loaded[EvidencePack] = loaded
    pack = evidence.model
    if pack.change_id in run.base.decided_change_ids:
        return _refuse(
            run.forge,
            run.pr,
            "Already decided",
            [
                f"{pack.change_id} has a decision on {run.pr.base_ref}; decided evidence cannot be edited. "
                "Submit the change again under a new change id."
            ],
        )
    refused = _foreign_records(run, pack.change_id, "Decision")
    if refused:
        return refused

    risk: RiskAssessment = with_policy_override(
        score(pack, run.base.model.model, run.base.model.sha256), run.scope.policy_paths
    )
    tier_note = None
    if risk.tier_override == POLICY_CHANGE:
        tier_note = "High tier because this PR changes policy: " + ", ".join(run.scope.policy_paths[:5])
    path = records.record_path(pack, risk.tier)
    cover = coverage(pack, run.base.exceptions, run.now)
    policy = _evaluate(
        run,
        risk.tier,
        path,
        pack.change_id,
        pack.requester,
        tuple(e.model.id for e in cover.covering),
        cover.gaps,
    )
    stale: dict[str, bytes | None] = {p: None for p in run.scope.record_paths if p != path}
    scored = render.ScoredPack(
        evidence_path, pack.change_id, pack.title, evidence.sha256, risk, pack.missing_sections
    )
    run.forge.set_risk_label(run.pr.number, f"risk:{risk.tier}")
    run.forge.upsert_comment(
        run.pr.number,
        MARKER,
        decision_comment(scored, policy, list(cover.reasons) if risk.tier == "high" else [], tier_note),
    )

    if not policy.decided:
        pending = records.build(
            evidence=evidence,
            evidence_path=evidence_path,
            risk=risk,
            outcome="pending",
            rationale=policy.summary,
        )
        head = _pending(
            run,
            path,
            records.render(pending),
            stale,
            f"cab: pending decision for {pack.change_id} ({risk.tier}, {risk.score})",
            policy.summary,
        )
        return SyncResult(
            run.pr.number,
            "pending",
            policy.summary,
            outcome="pending",
            head_sha=head,
            not_counted=tuple(d.reason for d in policy.dismissed),
            tier=risk.tier,
            score=risk.score,
            record_path=path,
        )

    approvals = _approvals(policy, evidence.sha256)
    previous = run.forge.latest_decision_sha256(run.base.sha)
    raw = _reusable_final(run, path, policy.status, previous, approvals)
    if raw is None:
        raw = records.render(
            records.build(
                evidence=evidence,
                evidence_path=evidence_path,
                risk=risk,
                outcome=policy.status,
                rationale=policy.summary,
                approvals=approvals,
                exceptions=cover.covering if risk.tier == "high" else (),
                conditions=policy.conditions,
                decided_at=run.now,
                decided_by=run.identity.name,
                previous=previous,
                pull_request=run.pull_request_ref(),
            )
        )
    final: Decision = records.parse(raw, path).model
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
    head, merged = _merge(run, path, raw, stale, subject, final.rationale, trailers)
    return SyncResult(
        run.pr.number,
        "merged",
        policy.summary,
        outcome=final.outcome,
        head_sha=head,
        merge_sha=merged,
        tier=risk.tier,
        score=risk.score,
        record_path=path,
    )


def _exception_refusals(run: _Run, record: ExceptionRecord, change: ChangedFile | None) -> list[str]:
    reasons = []
    if record.id in run.base.decided_exception_ids or (change is not None and change.status != "added"):
        reasons.append(
            f"{record.id} exists already; exceptions are never edited. Renew with a new exception id."
        )
    window = window_problem(record.expires_at, run.now)
    if window == "not-after-approval":
        reasons.append(f"expires_at {record.expires_at.isoformat()} is in the past")
    elif window == "too-long":
        reasons.append(
            f"expires_at is more than {MAX_EXCEPTION_DAYS} days after approval; request a shorter expiry"
        )
    return reasons


def _sync_exception(run: _Run, exception_path: str) -> SyncResult:
    loaded = _load_document(run, exception_path, ExceptionRecord)
    if isinstance(loaded, SyncResult):
        return loaded
    assert isinstance(loaded.model, ExceptionRecord)
    exception: Loaded[ExceptionRecord] = loaded
    record = exception.model
    refused = _foreign_records(run, record.id, "ExceptionDecision")
    if refused:
        return refused
    change = next((f for f in run.forge.changed_files(run.pr.number) if f.path == exception_path), None)
    reasons = _exception_refusals(run, record, change)
    if reasons:
        return _refuse(run.forge, run.pr, "This exception cannot be approved", reasons)

    path = records.exception_record_path(record)
    policy = _evaluate(run, "exception", exception_path, record.id, record.requested_by)
    stale: dict[str, bytes | None] = {p: None for p in run.scope.record_paths if p != path}
    run.forge.upsert_comment(run.pr.number, MARKER, exception_comment(record, exception.sha256, policy))
    if not policy.decided:
        pending = records.build_exception(
            exception=exception, exception_path=exception_path, outcome="pending", rationale=policy.summary
        )
        head = _pending(
            run, path, records.render(pending), stale, f"cab: pending exception {record.id}", policy.summary
        )
        return SyncResult(
            run.pr.number, "pending", policy.summary, outcome="pending", head_sha=head, record_path=path
        )
    outcome: Literal["approved", "rejected"] = "rejected" if policy.status == "rejected" else "approved"
    approvals = _approvals(policy, exception.sha256)
    previous = run.forge.latest_decision_sha256(run.base.sha)
    raw = _reusable_final(run, path, outcome, previous, approvals) or records.render(
        records.build_exception(
            exception=exception,
            exception_path=exception_path,
            outcome=outcome,
            rationale=policy.summary,
            approvals=approvals,
            decided_at=run.now,
            decided_by=run.identity.name,
            previous=previous,
            pull_request=run.pull_request_ref(),
        )
    )
    trailers = ExceptionTrailers(
        decision=outcome,
        exception=record.id,
        exception_sha256=exception.sha256,
        expires_at=record.expires_at.isoformat(),
        record=path,
        record_sha256=records.record_sha256(raw, path),
        previous=previous or "none",
        approved_by=tuple(f"{a.login} ({a.user_id})" for a in approvals),
    )
    subject = f"cab: exception {record.id} {outcome}"
    head, merged = _merge(run, path, raw, stale, subject, policy.summary, trailers)
    return SyncResult(
        run.pr.number,
        "merged",
        policy.summary,
        outcome=outcome,
        head_sha=head,
        merge_sha=merged,
        record_path=path,
    )
