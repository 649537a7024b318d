"""The bot's decision as a pure function: (pull-request snapshot, base policy, now) -> a plan.

A plan says everything one sync will do to a pull request (its `risk:*` label, its one comment,
the `cab/decision` status, the record committed to its branch, the merge) or why it refuses, with
the reasons. `bot.services.sync` gathers the snapshot, asks for the plan and applies it through
the forge; nothing here reads a forge, git, the environment or the clock.

Reading happens in two steps so that a sync reads no more than its plan needs: `triage` looks at
the PR's file list alone, `reading` says what else the plan will look at (the document, reviews,
teams, an existing record), and `plan` decides from the snapshot gathered accordingly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.domain import documents, render
from bot.domain.base_branch import BaseBranch
from bot.domain.comments import MARKER, decision_comment, exception_comment, held_comment, problems_comment
from bot.domain.documents import Loaded
from bot.domain.errors import InputError, Problem
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.models import (
    Decision,
    EvidencePack,
    ExceptionDecision,
    ExceptionRecord,
    PolicyDecision,
    RiskModel,
)
from bot.domain.models.decision import Approval, EmergencyRef, PullRequestRef, RiskAssessment, TeamMembership
from bot.domain.placement import placement_problems
from bot.domain.pull_request import ChangedFile, Comment, Commit, PullRequest, Review, Team
from bot.domain.rules import emergency, membership, records
from bot.domain.rules.approval import ApprovalInput, ApprovalResult, Owners, evaluate
from bot.domain.rules.codeowners import owners_for, team_slugs, user_logins
from bot.domain.rules.codeowners_access import OwnerAccess
from bot.domain.rules.coverage import Coverage, coverage
from bot.domain.rules.exception_window import MAX_EXCEPTION_DAYS, window_problem
from bot.domain.rules.freeze import components, exempt, hold
from bot.domain.rules.rollout_conflicts import Planned, conflicts, planned
from bot.domain.rules.scope import Scope, classify_changes, outside_allow_list
from bot.domain.rules.standard_changes import StandardVerdict
from bot.domain.rules.standard_changes import judge as judge_standard
from bot.domain.rules.trailers import (
    AnyTrailers,
    merge_message,
    of_decision,
    of_exception_decision,
)
from bot.domain.scoring import score
from bot.domain.signature_proof import UNPROVEN, EvidenceProof, SignatureCheck

PlanStatus = Literal["refused", "invalid", "pending", "merged"]
CheckState = Literal["pending", "success", "failure"]


# -- what a sync reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The one document a CAB pull request carries, found from its file list alone."""

    kind: Literal["change", "exception", "policy"]
    path: str  # the evidence pack or exception; for a policy change, its first path
    scope: Scope


@dataclass(frozen=True)
class Reading:
    """What the plan for a target will look at, beyond the document itself."""

    reviews: bool = False  # reviews, commits and comments (not for the low tier: nothing changes it)
    team_slugs: tuple[str, ...] = ()  # the teams CODEOWNERS names as owners of the decision path
    record_path: str | None = None  # a record of ours the head may already carry (a crashed run)
    rollouts: bool = False  # the other open changes' rollouts (the pack plans a rollout window)


@dataclass(frozen=True)
class Snapshot:
    """Everything the plan decides from, read once by the sync service."""

    pr: PullRequest
    files: tuple[ChangedFile, ...]
    document: bytes | None  # the target's blob at the head
    existing_record: bytes | None = None  # the record at `Reading.record_path` on the head, if any
    record_writer: Commit | None = None  # the commit that last changed that record on the head
    bot_login: str | None = None  # the account the forge links the bot's commits to, if it knows
    proof: EvidenceProof = UNPROVEN  # what checking the pack's attachments (bundle, tool output) found
    commits: tuple[Commit, ...] = ()
    reviews: tuple[Review, ...] = ()
    comments: tuple[Comment, ...] = ()
    teams: Mapping[str, Team | None] = field(default_factory=dict)  # slug -> team (None: no such team)
    reviewed_diffs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # sha -> paths vs head
    previous: str | None = None  # the newest record sha256 on the base (the hash chain)
    blobs: Mapping[str, bytes | None] = field(default_factory=dict)  # a policy change's files at the head
    base_blobs: Mapping[str, bytes | None] = field(default_factory=dict)  # ... and on the base branch
    # what the forge said of each owner of the CODEOWNERS a policy change brings (None: not asked)
    owner_access: Mapping[str, OwnerAccess] | None = None
    rollouts: tuple[Planned, ...] = ()  # other open changes' planned rollouts, when `Reading.rollouts`


# -- what a sync does -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordCommit:
    files: Mapping[str, bytes | None]  # our record, and stale records of ours to delete (None)
    message: str


@dataclass(frozen=True)
class Merge:
    subject: str
    message: str


@dataclass(frozen=True)
class Issue:
    """One bot issue to open or edit after the merge (an emergency change's retro-review)."""

    marker: str
    title: str
    body: str


@dataclass(frozen=True)
class Plan:
    status: PlanStatus
    summary: str
    comment: str
    check: CheckState
    check_description: str
    label: str | None = None
    record: RecordCommit | None = None  # committed before the check is set on the new head
    merge: Merge | None = None
    tier: str | None = None
    score: str | None = None
    outcome: str | None = None
    record_path: str | None = None
    problems: tuple[Problem, ...] = ()
    not_counted: tuple[str, ...] = ()  # reviews that did not count, with the reason
    issue: Issue | None = None  # opened or edited once the merge is made


def refusal(title: str, reasons: Sequence[Problem | str], status: PlanStatus = "refused") -> Plan:
    return Plan(
        status=status,
        summary=f"{title}: " + "; ".join(str(r) for r in reasons),
        comment=problems_comment(title, reasons),
        check="failure",
        check_description=title[:140],
        problems=tuple(r for r in reasons if isinstance(r, Problem)),
    )


def unidentified(unset: Sequence[str]) -> Plan:
    """A change that needs reviewers, on a run that was not told the bot's identity: it waits, failing
    closed, since the bot could not tell its own comments, records and merges from anyone else's."""
    title = "CAB Bot waits: it does not know its own identity"
    reasons = [
        f"{', '.join(unset)} not set: give the action its bot-login, bot-name and bot-email inputs "
        "(cab init writes them; see docs/github-setup.md)",
        "until then medium and high changes and exceptions are not decided; low changes still are",
    ]
    return Plan(
        status="pending",
        summary=f"{title}: " + "; ".join(reasons),
        comment=problems_comment(title, reasons),
        check="pending",
        check_description=title,
    )


def held(plan: Plan, branch: str, why: str) -> Plan:
    """A plan that would merge, held because `branch`'s tip is not accounted for
    (`rules.history.tip_unaccounted`): nothing is committed or merged, the check waits, and the
    comment says why, so the decision is taken as soon as the branch is accounted for again."""
    title = f"held: {branch} has a commit nobody accounts for"
    return replace(
        plan,
        status="pending",
        summary=f"{title}: {why}",
        comment=held_comment(plan.comment, branch, why),
        check="pending",
        check_description=title[:140],
        record=None,
        record_path=None,
        merge=None,
        issue=None,
        outcome="pending",
    )


def irregular_files(reasons: Sequence[str]) -> Plan:
    """The refusal for governed paths in the PR that are not plain files (symlink, submodule,
    executable, unreadable blob): never followed, never merged, and the PR is told why."""
    return refusal("Governed files must be regular files", reasons)


def triage(files: Sequence[ChangedFile]) -> Target | Plan:
    """The document the PR carries, or the refusal its file list alone already implies."""
    scope = classify_changes(files)
    if scope.refusals:
        return refusal("This pull request cannot be decided", scope.refusals)
    if scope.evidence_paths and scope.exception_paths:
        return refusal(
            "One decision per pull request",
            ["submit the exception in its own pull request; security approves it separately"],
        )
    mixed = outside_allow_list(scope)
    if mixed:
        return refusal("A change mixed with a policy change", mixed)
    if scope.policy_paths:
        return Target("policy", scope.policy_paths[0], scope)
    if not scope.evidence_paths and not scope.exception_paths:
        return refusal(
            "No evidence pack",
            ["a CAB pull request adds or changes exactly one evidence/<yyyy-mm>/<change-id>.yaml"],
        )
    if scope.evidence_paths:
        return Target("change", scope.evidence_paths[0], scope)
    if len(scope.exception_paths) > 1:
        return refusal("One exception per pull request", list(scope.exception_paths))
    return Target("exception", scope.exception_paths[0], scope)


def reading(
    target: Target, document: bytes | None, base: BaseBranch, proof: EvidenceProof = UNPROVEN
) -> Reading:
    """What `plan` will look at for this target; nothing when the document alone refuses it."""
    if target.kind == "policy":
        own = [p for p in target.scope.record_paths if (g := classify(p)) and g.kind == "PolicyDecision"]
        named = owners_for(base.codeowners, POLICY_RECORD_SAMPLE)
        return Reading(reviews=True, team_slugs=tuple(team_slugs(named)), record_path=own[0] if own else None)
    assessed = _assess(target, document, base, proof)
    if isinstance(assessed, Plan):
        return Reading()
    path = assessed.record_path
    existing = path if path in target.scope.record_paths else None
    model = assessed.loaded.model
    rollouts = isinstance(model, EvidencePack) and planned(model, "") is not None
    if assessed.tier == "low":
        return Reading(record_path=existing, rollouts=rollouts)
    named = owners_for(base.codeowners, assessed.owned_path)
    slugs = tuple(team_slugs(named))
    pack = assessed.loaded.model
    if isinstance(pack, EvidencePack) and emergency.is_emergency(pack):
        found = emergency.policy_at_base(base.emergency_policy)
        if not isinstance(found, str):
            slugs += tuple(s for s in emergency.on_call_slugs(found) if s not in slugs)
    return Reading(reviews=True, team_slugs=slugs, record_path=existing, rollouts=rollouts)


# CODEOWNERS owners of decisions/policy/ (the record's month and id are known only when planning).
POLICY_RECORD_SAMPLE = "decisions/policy/2000-01/pr-1.yaml"

# -- the decision -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Assessed:
    """A valid document with its tier and where its record goes."""

    loaded: Loaded[EvidencePack] | Loaded[ExceptionRecord]
    tier: str  # low | medium | high for a change; "exception" for an exception
    record_path: str
    owned_path: str  # the path whose CODEOWNERS owners approve
    risk: RiskAssessment | None = None


def _load(target: Target, raw: bytes | None) -> Loaded[EvidencePack] | Loaded[ExceptionRecord] | Plan:
    kind: type[EvidencePack] | type[ExceptionRecord] = (
        EvidencePack if target.kind == "change" else ExceptionRecord
    )
    if raw is None:
        return refusal("Document missing", [f"{target.path} is not in the head"])
    try:
        loaded = documents.parse(raw, target.path, kind)
    except InputError as exc:
        return refusal(f"The {kind.__name__} is invalid", exc.problems, "invalid")
    governed = classify(target.path)
    assert governed is not None  # triage found the target by its path shape
    misplaced = placement_problems(governed, loaded.model)
    if misplaced:
        return refusal(
            f"The {kind.__name__} is misplaced", [Problem(target.path, 1, 1, m) for m in misplaced], "invalid"
        )
    return loaded


def _assess(target: Target, raw: bytes | None, base: BaseBranch, proof: EvidenceProof) -> _Assessed | Plan:
    loaded = _load(target, raw)
    if isinstance(loaded, Plan):
        return loaded
    model = loaded.model
    if isinstance(model, EvidencePack):
        risk = assess_risk(model, base.model, proof.signature)
        path = records.record_path(model, risk.tier)
        return _Assessed(loaded, risk.tier, path, path, risk)
    return _Assessed(loaded, "exception", records.exception_record_path(model), target.path)


def assess_risk(
    pack: EvidencePack, model: Loaded[RiskModel], signature: SignatureCheck = UNPROVEN.signature
) -> RiskAssessment:
    """Score with the base branch's newest approved model (a change PR never touches policy: the
    allow-list sends such a PR down the policy route). The audit re-assesses with this function."""
    return score(pack, model.model, model.sha256, signature)


def owners(codeowners: str, path: str, teams: Mapping[str, Team | None]) -> Owners:
    """The owners of a path, resolved through the teams read: only team members approve."""
    named = owners_for(codeowners, path)
    found, unresolved = [], []
    for slug in team_slugs(named):
        team = teams.get(slug)
        if team is None:
            unresolved.append(f"@{slug}")
        else:
            found.append(team)
    # Individual users in CODEOWNERS are not approvers here: membership is snapshotted per team.
    unresolved += [f"@{login} (users must approve through a team)" for login in user_logins(named)]
    return Owners(teams=tuple(found), unresolved=tuple(unresolved))


def plan(
    target: Target, snapshot: Snapshot, base: BaseBranch, now: dt.datetime, identity: BotIdentity
) -> Plan:
    """What one sync does to this pull request, given what it read."""
    if target.kind == "policy":  # `bot.domain.policy_plan.decide` plans these
        return refusal("Policy change", ["planned by bot.domain.policy_plan"])
    assessed = _assess(target, snapshot.document, base, snapshot.proof)
    if isinstance(assessed, Plan):
        return assessed
    loaded = assessed.loaded
    if isinstance(loaded.model, EvidencePack):
        return _plan_change(_Facts(target, snapshot, base, now, identity), assessed, loaded)
    return _plan_exception(_Facts(target, snapshot, base, now, identity), assessed, loaded)


@dataclass(frozen=True)
class _Facts:
    target: Target
    snapshot: Snapshot
    base: BaseBranch
    now: dt.datetime
    identity: BotIdentity

    @property
    def pr(self) -> PullRequest:
        return self.snapshot.pr

    def pull_request_ref(self) -> PullRequestRef:
        """What a final record says about the PR it decided."""
        return PullRequestRef(
            number=self.pr.number,
            head_sha=self.pr.head_sha,
            base_sha=self.base.sha,
            author=self.pr.author.login,
        )

    def foreign_records(self, own_id: str, kind: records.RecordKind) -> Plan | None:
        """Only the bot writes under decisions/: another record in the diff, or our record (final or
        pending, readable or not) last written by a commit that is not the bot's, refuses the PR;
        its bytes are never reused."""
        foreign = [p for p in self.target.scope.record_paths if not records.is_own_record(p, own_id, kind)]
        reasons = [
            f"{p}: only the bot writes under decisions/, and only this pull request's record" for p in foreign
        ]
        snap = self.snapshot
        if snap.existing_record is not None and not records.written_by_bot(
            snap.record_writer, self.identity, snap.bot_login
        ):
            writer = snap.record_writer
            who = f"commit {writer.sha[:7]} by <{writer.author_email}>" if writer else "an unknown commit"
            own = [p for p in self.target.scope.record_paths if p not in foreign] or ["this record"]
            reasons.append(f"{own[0]}: written by {who}, not by the bot; only the bot writes records")
        return refusal("Decision records touched", reasons) if reasons else None

    def stale(self, path: str) -> dict[str, bytes | None]:
        return {p: None for p in self.target.scope.record_paths if p != path}


def reviewable_shas(
    pr: PullRequest,
    commits: Sequence[Commit],
    reviews: Sequence[Review],
    diffs: Mapping[str, Sequence[str]],
    record_id: str,
    kind: records.RecordKind,
) -> frozenset[str]:
    """The head, and each reviewed PR commit whose only difference from the head is our record."""
    in_pr = {c.sha for c in commits}
    reviewable = {pr.head_sha}
    for sha in {r.commit_id for r in reviews if r.state == "APPROVED"} - reviewable:
        if sha in in_pr and sha in diffs and records.differs_only_by_own_record(diffs[sha], record_id, kind):
            reviewable.add(sha)
    return frozenset(reviewable)


def approved_shas_to_diff(pr: PullRequest, commits: Sequence[Commit], reviews: Sequence[Review]) -> list[str]:
    """The PR commits an approval was given on, other than the head: each needs its diff to the head."""
    in_pr = {c.sha for c in commits}
    return sorted({r.commit_id for r in reviews if r.state == "APPROVED"} & in_pr - {pr.head_sha})


def recorded_membership(raw: bytes | None, path: str) -> list[TeamMembership]:
    """The membership snapshot of the record already on the head (the bot's pending record)."""
    if raw is None:
        return []
    try:
        record = documents.parse(raw, path).model
    except InputError:
        return []
    return (
        list(record.membership) if isinstance(record, Decision | ExceptionDecision | PolicyDecision) else []
    )


def _verdict(
    facts: _Facts,
    assessed: _Assessed,
    record_id: str,
    kind: records.RecordKind,
    requester: str,
    cover: Coverage | None = None,
) -> tuple[ApprovalResult, list[TeamMembership]]:
    """The approval verdict, and the owning teams' membership it relied on (recorded with it)."""
    snap = facts.snapshot
    if assessed.tier == "low":  # auto-approved: no review, commit or owner can change that
        return _auto(facts, requester), []
    owning = owners(facts.base.codeowners, assessed.owned_path, snap.teams)
    # only the bot's own record is a snapshot to build on: anyone can push a record with a `since`
    bots = records.written_by_bot(snap.record_writer, facts.identity, snap.bot_login)
    previous = recorded_membership(snap.existing_record, assessed.record_path) if bots else []
    observed = membership.observe(previous, owning.teams, facts.now)
    verdict = evaluate(
        ApprovalInput(
            tier=assessed.tier,
            pr=facts.pr,
            commits=snap.commits,
            reviews=snap.reviews,
            comments=snap.comments,
            owners=owning,
            reviewable_shas=reviewable_shas(
                facts.pr, snap.commits, snap.reviews, snap.reviewed_diffs, record_id, kind
            ),
            bot=None,
            bot_name=facts.identity.name,
            requester=requester,
            exception_ids=tuple(e.model.id for e in cover.covering) if cover else (),
            exception_gaps=cover.gaps if cover else (),
            member_since=membership.member_since(observed),
        )
    )
    return verdict, observed


def _auto(facts: _Facts, requester: str) -> ApprovalResult:
    return evaluate(
        ApprovalInput(
            tier="low",
            pr=facts.pr,
            commits=(),
            reviews=(),
            comments=(),
            owners=Owners(),
            reviewable_shas=frozenset({facts.pr.head_sha}),
            bot=None,
            bot_name=facts.identity.name,
            requester=requester,
        )
    )


def approvals_of(verdict: ApprovalResult, document_sha: str) -> list[Approval]:
    """The counted approvals as a record keeps them: who, for which team, on which commit."""
    out = []
    for counted in verdict.approvals:
        team = counted.team
        assert team is not None  # only team members count (see `owners`)
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


def _reusable(
    facts: _Facts, outcome: str, previous: str | None, approvals: list[Approval], path: str
) -> bytes | None:
    """The final record already on the head from a run that crashed before merging, if still right
    and written by the bot itself."""
    raw = facts.snapshot.existing_record
    if raw is None:
        return None
    if not records.written_by_bot(facts.snapshot.record_writer, facts.identity, facts.snapshot.bot_login):
        return None
    try:
        record = documents.parse(raw, path).model
    except InputError:
        return None
    if not isinstance(record, Decision | ExceptionDecision | PolicyDecision) or record.outcome != outcome:
        return None
    same_reviews = [a.review_id for a in record.approvals] == [a.review_id for a in approvals]
    return raw if record.previous == previous and same_reviews else None


def _waiting(verdict: ApprovalResult, comment: str, record: RecordCommit, path: str) -> Plan:
    """Commit the pending record (so CODEOWNERS routes the PR) and wait, saying what is missing."""
    return Plan(
        status="pending",
        summary=verdict.summary,
        comment=comment,
        check="pending",
        check_description=verdict.summary[:140],
        record=record,
        outcome="pending",
        not_counted=tuple(d.reason for d in verdict.dismissed),
        record_path=path,
    )


def _deciding(
    verdict: ApprovalResult,
    comment: str,
    record: RecordCommit,
    trailers: AnyTrailers,
    rationale: str,
    path: str,
) -> Plan:
    """Commit the final record, then merge exactly that head with the decision as trailers."""
    return Plan(
        status="merged",
        summary=verdict.summary,
        comment=comment,
        check="success",
        check_description=f"decision recorded: {trailers.decision}",
        record=record,
        merge=Merge(record.message, merge_message(record.message, rationale, trailers)),
        outcome=trailers.decision,
        record_path=path,
    )


def _plan_change(facts: _Facts, assessed: _Assessed, evidence: Loaded[EvidencePack]) -> Plan:
    pack = evidence.model
    if pack.change_id in facts.base.decided_change_ids:
        return refusal(
            "Already decided",
            [
                f"{pack.change_id} has a decision on {facts.pr.base_ref}; decided evidence cannot be edited. "
                "Submit the change again under a new change id."
            ],
        )
    refused = facts.foreign_records(pack.change_id, "Decision")
    if refused:
        return refused
    if facts.snapshot.proof.mismatches:
        return refusal(
            "Evidence does not match its attachments",
            [
                *facts.snapshot.proof.mismatches,
                "Run `cab collect` again: it writes the pack and its attachments together.",
            ],
        )
    risk = assessed.risk
    assert risk is not None
    tier_note = None
    path = assessed.record_path
    scored = render.ScoredPack(
        facts.target.path, pack.change_id, pack.title, evidence.sha256, risk, pack.missing_sections
    )
    frozen = freeze_hold(facts.base, pack, facts.now)
    standard = judge_standard(pack, risk, facts.base.standard_template, facts.snapshot.proof.signature)
    if standard is not None and standard.met and frozen is None:
        return _plan_standard(facts, assessed, evidence, scored, standard)
    types_notes = [] if standard is None or standard.met else not_standard(standard)
    cover = coverage(pack, facts.base.exceptions, facts.now, facts.snapshot.proof.signature)
    verdict, observed = _verdict(facts, assessed, pack.change_id, "Decision", pack.requester, cover)
    notes = list(cover.reasons) if risk.tier == "high" else []
    urgent = _Emergency.of(facts, assessed, pack) if emergency.is_emergency(pack) else None
    if urgent is not None and not verdict.decided:
        observed = urgent.with_membership(observed)
        if urgent.verdict is not None and urgent.verdict.decided:
            verdict = urgent.verdict
        else:
            types_notes = [*types_notes, *urgent.notes]
    mine = planned(pack, f"#{facts.pr.number}")
    clashes = [c.describe() for c in conflicts(mine, facts.snapshot.rollouts)] if mine else []
    comment = decision_comment(scored, verdict, notes, tier_note, frozen, clashes, types_notes)
    if not verdict.decided or frozen is not None:
        rationale = verdict.summary if frozen is None else f"{frozen}; {verdict.summary}"
        pending = records.build(
            evidence=evidence,
            evidence_path=facts.target.path,
            risk=risk,
            outcome="pending",
            rationale=rationale[:4000],
            membership=observed,
        )
        message = f"cab: pending decision for {pack.change_id} ({risk.tier}, {risk.score})"
        waiting = _waiting(
            verdict,
            comment,
            RecordCommit({path: records.render(pending), **facts.stale(path)}, message),
            path,
        )
        if frozen is not None:  # decided or not, it waits for the window to end
            waiting = replace(waiting, summary=rationale, check_description=frozen[:140])
        return replace(waiting, label=f"risk:{risk.tier}", tier=risk.tier, score=risk.score)

    approvals = approvals_of(verdict, evidence.sha256)
    previous = facts.snapshot.previous
    raw = _reusable(facts, verdict.status, previous, approvals, path)
    if raw is None:
        raw = records.render(
            records.build(
                evidence=evidence,
                evidence_path=facts.target.path,
                risk=risk,
                outcome=verdict.status,
                rationale=verdict.summary,
                approvals=approvals,
                exceptions=cover.covering if risk.tier == "high" and verdict.status != "emergency" else (),
                conditions=verdict.conditions,
                decided_at=facts.now,
                decided_by=facts.identity.name,
                previous=previous,
                pull_request=facts.pull_request_ref(),
                membership=observed,
                authors=verdict.authors,
                emergency=urgent.reference(facts.now) if urgent and verdict.status == "emergency" else None,
            )
        )
    final: Decision = records.parse(raw, path).model
    trailers = of_decision(final, records.record_sha256(raw, path), path)
    subject = f"cab: {final.outcome} {pack.change_id} ({risk.tier}, {risk.score})"
    record = RecordCommit({path: raw, **facts.stale(path)}, subject)
    deciding = _deciding(verdict, comment, record, trailers, final.rationale, path)
    issue = retro_issue(final, path) if final.emergency is not None else None
    return replace(deciding, label=f"risk:{risk.tier}", tier=risk.tier, score=risk.score, issue=issue)


@dataclass(frozen=True)
class _Emergency:
    """The emergency route of a pack that declares one: one approval from an on-call team."""

    pack: EvidencePack
    found: emergency.PolicyAtBase | None
    verdict: ApprovalResult | None  # None: no policy allows the route
    observed: list[TeamMembership]
    notes: list[str]

    @classmethod
    def of(cls, facts: _Facts, assessed: _Assessed, pack: EvidencePack) -> _Emergency:
        found = emergency.policy_at_base(facts.base.emergency_policy)
        if isinstance(found, str):
            return cls(pack, None, None, [], [f"emergency route unavailable: {found}"])
        snap = facts.snapshot
        on_call = emergency.on_call_owners(found, snap.teams)
        bots = records.written_by_bot(snap.record_writer, facts.identity, snap.bot_login)
        previous = recorded_membership(snap.existing_record, assessed.record_path) if bots else []
        observed = membership.observe(previous, on_call.teams, facts.now)
        verdict = evaluate(
            ApprovalInput(
                tier="medium",  # one approval from an owner: here, the on-call teams
                pr=facts.pr,
                commits=snap.commits,
                reviews=snap.reviews,
                comments=(),  # `/cab reject` and `/cab conditions` are the owning team's to give
                owners=on_call,
                reviewable_shas=reviewable_shas(
                    facts.pr, snap.commits, snap.reviews, snap.reviewed_diffs, pack.change_id, "Decision"
                ),
                bot=None,
                bot_name=facts.identity.name,
                requester=pack.requester,
                member_since=membership.member_since(observed),
            )
        )
        assert pack.emergency is not None
        if verdict.status != "approved":
            note = f"emergency {pack.emergency.incident}: or {verdict.summary} (on call)"
            return cls(pack, found, None, observed, [note])
        approvers = ", ".join(f"@{a.review.user.login}" for a in verdict.approvals)
        summary = f"emergency change for {pack.emergency.incident}: approved by on-call {approvers}"
        decided = replace(verdict, status="emergency", summary=summary)
        return cls(pack, found, decided, observed, [])

    def with_membership(self, observed: list[TeamMembership]) -> list[TeamMembership]:
        """The owning teams' snapshot and the on-call teams' that it lacks, kept in one record."""
        known = {m.team for m in observed}
        return [*observed, *(m for m in self.observed if m.team not in known)]

    def reference(self, now: dt.datetime) -> EmergencyRef:
        assert self.found is not None
        return emergency.reference(self.pack, self.found, now)


def retro_issue(record: Decision, path: str) -> Issue:
    """The retro-review issue an emergency merge opens: what the CAB must do, and by when."""
    assert record.emergency is not None
    due = record.emergency.retro_due.isoformat()
    number = record.pull_request.number if record.pull_request else None
    where = f"#{number}" if number else "its pull request"
    body = "\n".join(
        [
            emergency.RETRO_MARKER.format(change_id=record.change_id),
            f"Emergency change `{record.change_id}` (incident {record.emergency.incident}) was merged "
            f"with an on-call approval; its decision is `{path}`.",
            "",
            f"A CAB member who neither wrote nor approved it reviews it and comments `/cab retro-approve` "
            f"on {where} by **{due}**; `cab audit` reports it as `emergency.retro-overdue` after that.",
        ]
    )
    return Issue(
        emergency.RETRO_MARKER.format(change_id=record.change_id),
        f"CAB retro-review: emergency change {record.change_id} (due {due[:10]})",
        body,
    )


def not_standard(standard: StandardVerdict) -> list[str]:
    """The comment's lines for a pack whose template did not apply: it takes the normal route."""
    return [f"standard change `{standard.name}` does not apply: {r}" for r in standard.reasons] + [
        "so this change takes the normal route below"
    ]


def _plan_standard(
    facts: _Facts,
    assessed: _Assessed,
    evidence: Loaded[EvidencePack],
    scored: render.ScoredPack,
    standard: StandardVerdict,
) -> Plan:
    """A pack that meets the approved template it names: decided `standard`, merged without review,
    its record naming the template's blob at the base so that the audit can judge it again."""
    pack, risk, path = evidence.model, assessed.risk, assessed.record_path
    assert risk is not None
    assert standard.ref is not None
    verdict = ApprovalResult("standard", f"standard change: meets the approved template {standard.ref.path}")
    previous = facts.snapshot.previous
    raw = _reusable(facts, "standard", previous, [], path) or records.render(
        records.build(
            evidence=evidence,
            evidence_path=facts.target.path,
            risk=risk,
            outcome="standard",
            rationale=verdict.summary,
            decided_at=facts.now,
            decided_by=facts.identity.name,
            previous=previous,
            pull_request=facts.pull_request_ref(),
            standard_change=standard.ref,
        )
    )
    final: Decision = records.parse(raw, path).model
    trailers = of_decision(final, records.record_sha256(raw, path), path)
    subject = f"cab: standard {pack.change_id} ({risk.tier}, {risk.score})"
    record = RecordCommit({path: raw, **facts.stale(path)}, subject)
    comment = decision_comment(scored, verdict, [], None)
    deciding = _deciding(verdict, comment, record, trailers, final.rationale, path)
    return replace(deciding, label=f"risk:{risk.tier}", tier=risk.tier, score=risk.score)


def freeze_hold(base: BaseBranch, pack: EvidencePack, now: dt.datetime) -> str | None:
    """Why this change may not merge now because of a freeze (`policy/freeze.yaml` on the base),
    or None. One rule (bot.domain.rules.freeze), asked again by the audit at each decision's time.

    The emergency exemption is `bot.domain.rules.freeze.exempt`, asked first: an emergency change
    merges even during a freeze (issue 16). A calendar that cannot be read holds every change."""
    if exempt(pack):
        return None
    return hold(base.freeze, base.freeze_error, components(pack), now)


def exception_refusals(
    record: ExceptionRecord, change: ChangedFile | None, base: BaseBranch, now: dt.datetime
) -> list[str]:
    """Why an exception cannot be approved now, whoever reviews it."""
    reasons = []
    if record.id in base.decided_exception_ids or (change is not None and change.status != "added"):
        reasons.append(
            f"{record.id} exists already; exceptions are never edited. Renew with a new exception id."
        )
    window = window_problem(record.expires_at, now)
    if window == "not-after-approval":
        reasons.append(f"expires_at {record.expires_at.isoformat()} is in the past")
    elif window == "too-long":
        reasons.append(
            f"expires_at is more than {MAX_EXCEPTION_DAYS} days after approval; request a shorter expiry"
        )
    return reasons


def _plan_exception(facts: _Facts, assessed: _Assessed, exception: Loaded[ExceptionRecord]) -> Plan:
    record = exception.model
    refused = facts.foreign_records(record.id, "ExceptionDecision")
    if refused:
        return refused
    change = next((f for f in facts.snapshot.files if f.path == facts.target.path), None)
    reasons = exception_refusals(record, change, facts.base, facts.now)
    if reasons:
        return refusal("This exception cannot be approved", reasons)

    path = assessed.record_path
    verdict, observed = _verdict(facts, assessed, record.id, "ExceptionDecision", record.requested_by)
    comment = exception_comment(record, exception.sha256, verdict)
    if not verdict.decided:
        pending = records.build_exception(
            exception=exception,
            exception_path=facts.target.path,
            outcome="pending",
            rationale=verdict.summary,
            membership=observed,
        )
        message = f"cab: pending exception {record.id}"
        return _waiting(
            verdict,
            comment,
            RecordCommit({path: records.render(pending), **facts.stale(path)}, message),
            path,
        )
    outcome: Literal["approved", "rejected"] = "rejected" if verdict.status == "rejected" else "approved"
    approvals = approvals_of(verdict, exception.sha256)
    previous = facts.snapshot.previous
    raw = _reusable(facts, outcome, previous, approvals, path) or records.render(
        records.build_exception(
            exception=exception,
            exception_path=facts.target.path,
            outcome=outcome,
            rationale=verdict.summary,
            approvals=approvals,
            decided_at=facts.now,
            decided_by=facts.identity.name,
            previous=previous,
            pull_request=facts.pull_request_ref(),
            membership=observed,
            authors=verdict.authors,
        )
    )
    trailers = of_exception_decision(
        records.parse_exception_decision(raw, path).model, records.record_sha256(raw, path), path
    )
    subject = f"cab: exception {record.id} {outcome}"
    final_commit = RecordCommit({path: raw, **facts.stale(path)}, subject)
    return _deciding(verdict, comment, final_commit, trailers, verdict.summary, path)


__all__ = [
    "MARKER",
    "Merge",
    "Plan",
    "Reading",
    "RecordCommit",
    "Snapshot",
    "Target",
    "approvals_of",
    "approved_shas_to_diff",
    "assess_risk",
    "exception_refusals",
    "freeze_hold",
    "held",
    "irregular_files",
    "owners",
    "plan",
    "reading",
    "refusal",
    "reviewable_shas",
    "triage",
]
