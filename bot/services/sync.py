"""`sync`: the one idempotent step that moves a pull request through the CAB lifecycle.

Each run reads a fresh snapshot (PR, files, commits, reviews, comments, base-branch policy), asks
the pure decision (`bot.domain.decision_plan`) for a plan, and applies it: one `risk:*` label, one
bot comment, one record under `decisions/`, and, when the rule is met, the final record committed
and exactly that head merged. Running it again with nothing changed changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.adapters.forge.interface import BaseMovedError, Forge, NotARegularFile
from bot.domain import base_branch, documents
from bot.domain.comments import MARKER
from bot.domain.decision_plan import (
    Plan,
    Reading,
    Snapshot,
    Target,
    approved_shas_to_diff,
    held,
    irregular_files,
    reading,
    triage,
    unidentified,
)
from bot.domain.errors import InputError, Problem
from bot.domain.identity import BotIdentity
from bot.domain.layout import is_governed
from bot.domain.models import EvidencePack, Signers
from bot.domain.policy_plan import decide
from bot.domain.pull_request import ChangedFile, PullRequest
from bot.domain.rules.history import HISTORY_PATH
from bot.domain.rules.trailers import with_base
from bot.domain.signature_proof import EvidenceProof
from bot.services import base_tip, evidence_proof, model_what_if, owner_access
from bot.services.rollouts import open_rollouts
from bot.services.signature import SIGNERS_PATH

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


RACES = 3  # syncs in a row that may lose the base to another decision before one gives up


def sync(forge: Forge, number: int, *, now: dt.datetime, identity: BotIdentity) -> SyncResult:
    """Take PR `number` as far as it can go now. When another decision lands on the base between
    reading the previous record and merging, start again: the record must chain onto the newest."""
    for _ in range(RACES - 1):
        try:
            return _sync(forge, number, now=now, identity=identity)
        except BaseMovedError:
            continue
    return _sync(forge, number, now=now, identity=identity)


def _sync(forge: Forge, number: int, *, now: dt.datetime, identity: BotIdentity) -> SyncResult:
    pr = forge.pull_request(number)
    if pr.state != "open":
        from bot.services.retro_review import retro_sync  # a merged emergency change's retro-review

        retro = retro_sync(forge, pr, now=now, identity=identity) if pr.state == "merged" else None
        if retro is not None:
            outcome = "retro-approved" if retro.status == "merged" else None
            return SyncResult(
                number,
                retro.status,
                retro.summary,
                outcome=outcome,
                record_path=retro.record_path,
                head_sha=retro.head_sha,
                merge_sha=retro.merge_sha,
            )
        return SyncResult(number, "closed", f"pull request #{number} is {pr.state}; nothing to do")
    files = tuple(forge.changed_files(number))
    target = triage(files)
    if isinstance(target, Plan):
        return apply(forge, pr, target)
    governed, irregular = read_governed(forge, pr, files, every=target.kind == "policy")
    if irregular:
        return apply(forge, pr, irregular_files(irregular))
    kept = [f.path for f in files if f.status != "removed"]  # whose records say if it is decided
    base = base_branch.load(forge, forge.branch_head(pr.base_ref), kept)
    document = governed.get(target.path)  # the target is one of the governed files just read
    base = with_change_types(forge, base, target, document)
    proof = _proof(forge, pr, base, target, document)
    needs = reading(target, document, base, proof)
    if needs.reviews and identity.unset:
        return apply(forge, pr, unidentified(identity.unset))
    snapshot = replace(gather(forge, pr, files, document, needs), proof=proof)
    if needs.rollouts:  # the pack plans a rollout window: do others overlap it?
        snapshot = replace(snapshot, rollouts=open_rollouts(forge, pr.number))
    if target.kind == "policy":  # a policy decision records every file it brings, and a rejection
        restore, irregular = read_base(forge, base.sha, files)  # puts the base's files back
        if irregular:
            return apply(forge, pr, irregular_files(irregular))
        access = owner_access.for_change(forge, files, governed)  # the CODEOWNERS it brings: usable?
        snapshot = replace(snapshot, blobs=governed, base_blobs=restore, owner_access=access)
    decided = decide(target, snapshot, base, now, identity)
    if decided.merge is not None:  # lay a decision merge only on a tip that is accounted for
        accepting = snapshot.blobs if target.kind == "policy" else None
        decided = on_accounted_tip(forge, pr.base_ref, base.sha, decided, identity, accepting)
    if decided.merge is not None:  # a final record links to the newest one on the base: read it now
        snapshot = replace(snapshot, previous=forge.latest_decision_sha256(base.sha))
        decided = decide(target, snapshot, base, now, identity)
    if target.kind == "policy":  # a proposed risk model: its effect on past decisions, for reviewers
        decided = model_what_if.annotate(forge, pr, base.sha, files, governed, decided)
    # the owners are asked once, as the change starts waiting for them: when the PR does not carry
    # its record yet (asked before the record is committed, so a crash in between asks again)
    asking = needs.team_slugs if decided.status == "pending" and snapshot.existing_record is None else ()
    return apply(forge, pr, decided, review_teams=asking, base=base.sha)


def on_accounted_tip(
    forge: Forge,
    branch: str,
    tip: str,
    decided: Plan,
    identity: BotIdentity,
    policy_files: Mapping[str, bytes | None] | None = None,
) -> Plan:
    """`decided`, or held when `tip` is not accounted for (`base_tip.untrusted_tip`). The one way
    through is an approved policy change (`policy_files`: its files at the head) whose
    `policy/history.yaml` accounts for that tip and every commit below it to the bot's last merge."""
    why = base_tip.untrusted_tip(forge, tip, identity)
    if why is None:
        return decided
    if policy_files is None or HISTORY_PATH not in policy_files:
        return held(decided, branch, why)
    still = base_tip.under_proposed(forge, policy_files, tip, identity)
    if still is None:
        return decided if decided.outcome == "approved" else held(decided, branch, why)
    return held(decided, branch, f"{why}; under the {HISTORY_PATH} this pull request brings, {still}")


def with_change_types(
    forge: Forge, base: base_branch.BaseBranch, target: Target, document: bytes | None
) -> base_branch.BaseBranch:
    """The base with the standard-change template the pack names and the emergency policy, when
    it names one or declares an emergency (read only then: most packs cost no extra request)."""
    if target.kind != "change" or document is None:
        return base
    try:
        pack = documents.parse(document, target.path, EvidencePack).model
    except InputError:
        return base  # the plan refuses it, with the problems
    if pack.standard_change is None and pack.emergency is None:
        return base
    template, emergency = base_branch.change_type_files(
        forge, base.sha, pack.standard_change, pack.emergency is not None
    )
    return replace(base, standard_template=template, emergency_policy=emergency)


def _proof(
    forge: Forge, pr: PullRequest, base: base_branch.BaseBranch, target: Target, document: bytes | None
) -> EvidenceProof:
    """Check the pack's attachments at the head, against the signers on the base."""
    if target.kind != "change":
        return EvidenceProof()

    def read(path: str) -> bytes | None:
        try:
            return forge.read_file(pr.head_sha, path)
        except NotARegularFile:
            return None

    def signers() -> Signers | None:
        return evidence_proof.signers_from(forge.read_file(base.sha, SIGNERS_PATH))

    return evidence_proof.prove_document(document, target.path, read, signers)


def read_governed(
    forge: Forge, pr: PullRequest, files: tuple[ChangedFile, ...], *, every: bool = False
) -> tuple[dict[str, bytes | None], list[str]]:
    """Every governed file the PR adds or changes (with `every`, every file: a policy change), as
    blobs at its head, and each one that is not a plain file, with why.

    The forges refuse to follow anything but a blob; on GitHub the head's governed files arrive
    in one query, so this costs no request of its own."""
    blobs: dict[str, bytes | None] = {}
    irregular = []
    for change in files:
        if change.status == "removed" or not (every or is_governed(change.path)):
            continue
        try:
            blobs[change.path] = forge.read_file(pr.head_sha, change.path)
        except NotARegularFile as exc:
            irregular.append(f"{exc.path} {exc.why}")
    return blobs, irregular


def read_base(
    forge: Forge, base_sha: str, files: tuple[ChangedFile, ...]
) -> tuple[dict[str, bytes | None], list[str]]:
    """Each path a policy change touches, as the base branch has it (None: absent there)."""
    blobs: dict[str, bytes | None] = {}
    irregular = []
    for path in {p for c in files for p in (c.path, c.previous_path) if p}:
        try:
            blobs[path] = forge.read_file(base_sha, path)
        except NotARegularFile as exc:
            irregular.append(f"{exc.path} {exc.why} on the base branch")
    return blobs, irregular


def gather(
    forge: Forge, pr: PullRequest, files: tuple[ChangedFile, ...], document: bytes | None, needs: Reading
) -> Snapshot:
    """Read what the plan will look at, and nothing more."""
    existing = forge.read_file(pr.head_sha, needs.record_path) if needs.record_path else None
    writer = None
    if needs.record_path and existing is not None:  # only the bot writes records: who wrote this one?
        writer = forge.last_commit(pr.head_sha, needs.record_path)
    if not needs.reviews:
        return Snapshot(pr, files, document, existing, writer, forge.bot_login)
    reviews = tuple(forge.reviews(pr.number))
    commits = tuple(forge.commits(pr.number))
    return Snapshot(
        pr,
        files,
        document,
        existing,
        writer,
        forge.bot_login,
        commits=commits,
        reviews=reviews,
        comments=tuple(forge.comments(pr.number)),
        teams={slug: forge.team(slug) for slug in needs.team_slugs},
        reviewed_diffs={
            sha: tuple(forge.diff_paths(sha, pr.head_sha))
            for sha in approved_shas_to_diff(pr, commits, reviews)
        },
    )


def apply(
    forge: Forge,
    pr: PullRequest,
    decided: Plan,
    review_teams: Sequence[str] = (),
    *,
    base: str | None = None,
) -> SyncResult:
    """Carry out a plan through the forge: every write is idempotent, so a re-run converges.
    `review_teams` (`org/team` slugs) are asked to review the PR. `base`: the base commit the
    plan's record chains onto; the merge is made conditional on it."""
    if decided.label is not None:
        forge.set_risk_label(pr.number, decided.label)
    forge.upsert_comment(pr.number, MARKER, decided.comment)
    if review_teams:
        forge.request_team_reviews(pr.number, review_teams)
    head = pr.head_sha
    if decided.record is not None:
        head = forge.commit_files(pr.number, pr.head_sha, decided.record.files, decided.record.message)
    forge.set_status(head, decided.check, decided.check_description)
    merged = None
    if decided.merge is not None:
        message = decided.merge.message if base is None else with_base(decided.merge.message, base)
        merged = forge.merge(pr.number, head, decided.merge.subject, message, base=base)
        if decided.issue is not None:  # an emergency change: the CAB's retro-review
            forge.upsert_issue(decided.issue.marker, decided.issue.title, decided.issue.body)
    return SyncResult(
        pr.number,
        decided.status,
        decided.summary,
        tier=decided.tier,
        score=decided.score,
        outcome=decided.outcome,
        record_path=decided.record_path,
        head_sha=head,
        merge_sha=merged,
        problems=decided.problems,
        not_counted=decided.not_counted,
    )
