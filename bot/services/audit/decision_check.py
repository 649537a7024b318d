"""Verify one decision merge from its commit, trees and blobs. Pure: reads only an ObjectStore.

Policy (CODEOWNERS, risk model, exceptions) is read at the merge's first parent, the base the
decision was taken against; evidence and the record are read at the merge itself.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from bot.domain import documents
from bot.domain.decision_plan import assess_risk
from bot.domain.errors import InputError
from bot.domain.git_objects import REGULAR_FILE, Change, CommitHeader, LogEntry, ObjectStore, lookup
from bot.domain.identity import BotIdentity
from bot.domain.layout import GovernedPath, attachment_of, classify
from bot.domain.models import Decision, EvidencePack, ExceptionRecord, RiskModel, Signers
from bot.domain.models.decision import APPROVING_OUTCOMES
from bot.domain.placement import placement_problems
from bot.domain.rules.approval import outcome_allowed, unmet
from bot.domain.rules.coverage import coverage, is_active
from bot.domain.rules.history import is_decision_candidate
from bot.domain.rules.trailers import DecisionTrailers, differences, from_message, of_decision, parse
from bot.domain.signature_proof import UNPROVEN, EvidenceProof, SignatureCheck
from bot.services import evidence_proof
from bot.services.attachments import attachment_paths
from bot.services.audit.change_types_check import (
    StoreBlobs,
    approving_owners,
    emergency_problems,
    standard_problems,
)
from bot.services.audit.exception_decision_check import ExceptionDecisionCheck, approved_exception, locate
from bot.services.audit.freeze_check import freeze_findings
from bot.services.audit.merge_check import (
    ApprovalContext,
    ChainLink,
    CommitResult,
    DecisionSummary,
    ExceptionUse,
    Memo,
    MergeCheck,
    Reviewable,
    decision_row,
    none_if_none,
    owning_teams,
    problems_text,
)
from bot.services.audit.merge_check import load as _load
from bot.services.audit.policy_decision_check import PolicyDecisionCheck, decides_a_policy
from bot.services.audit.retro_approval_check import RetroApprovalCheck, decides_a_retro
from bot.services.signature import SIGNERS_PATH

# Outcomes whose own rule replaces the tier's approval rule (bot.services.audit.change_types_check).
UNREVIEWED_OUTCOMES = frozenset({"standard"})

__all__ = ["ChainLink", "CommitResult", "DecisionSummary", "Memo", "check_decision", "is_decision_candidate"]


class DecisionCheck(MergeCheck):
    """The checks of one change-decision merge; `run()` fills `result`."""

    def run(self) -> CommitResult:
        header = self.header
        if not self.check_shape():
            return self.result
        trailers = from_message(header.message)
        record_path = self.record_path(trailers.record if trailers else None, "Cab-*")
        if record_path is None:
            return self.result
        record = self._record(record_path, trailers)
        if record is None:
            return self.result
        evidence = self._evidence(record)
        base = header.parents[0]
        base_tree = self.store.commit(base).tree
        proof = self._proof(record, evidence, base_tree) if evidence is not None else UNPROVEN
        if evidence is not None:
            self._rescore(record, evidence, base_tree, proof.signature)
        self._policy_tier(record, record_path)
        reviewed = self.review_structure(record.change_id, record_path)
        self._approvals(record, record_path, evidence, base_tree, reviewed)
        uses = self._exceptions(record, evidence, base_tree, proof.signature)
        if evidence is not None:
            blobs = StoreBlobs(self.store)
            for problem in standard_problems(blobs, base, record, evidence, proof.signature):
                self.find("standard.not-met", record_path, problem)
            for problem in emergency_problems(blobs, base, record, evidence):
                self.find("emergency.not-allowed", record_path, problem)
        for rule, path, message in freeze_findings(self.store, self.memo, base_tree, record, evidence):
            self.find(rule, path, message)
        self.result.decision = DecisionSummary(
            commit=self.entry.sha,
            change_id=record.change_id,
            tier=record.risk.tier,
            outcome=record.outcome,
            score=record.risk.score,
            decided_at=record.decided_at,
            submitted_at=evidence.submitted_at if evidence else None,
            exceptions=tuple(uses),
        )
        self.result.row = decision_row(record, self.entry.sha, evidence.submitted_at if evidence else None)
        return self.result

    def _parse(self, oid: str, path: str, model: type[Any]) -> documents.Loaded[Any]:
        return _load(self.store.blob(oid), f"{self.header.parents[0][:12]}:{path}", model)

    # -- the record and its trailers ---------------------------------------------------------

    def _record(self, path: str, trailers: DecisionTrailers | None) -> Decision | None:
        said = ChainLink(trailers.record_sha256, none_if_none(trailers.previous)) if trailers else None
        loaded = self.added_record(
            path, said, Decision, "decisions/<tier>/<yyyy-mm>/<id>.yaml", _evidence_month
        )
        if loaded is None:
            return None
        record: Decision = loaded.model
        if trailers is not None:
            self._trailers_agree(trailers, record, loaded.sha256, path)
        return record

    def _trailers_agree(self, said: DecisionTrailers, r: Decision, record_sha: str, path: str) -> None:
        for key, have, want in differences(said, of_decision(r, record_sha, path)):
            self.find("trailers.mismatch", path, f"{key} says {have!r} but the record has {want!r}")

    # -- evidence and score --------------------------------------------------------------------

    def _evidence(self, record: Decision) -> EvidencePack | None:
        path = record.evidence.path
        change = self.added.get(path)
        if change is not None:
            self.result.accounted.add(path)
            oid = change.new_oid
            if change.new_mode != REGULAR_FILE:
                self.find("evidence.missing", path, f"mode {change.new_mode} is not a regular file")
                return None
        else:
            found = lookup(self.store, self.header.tree, path)
            if found is None or found.mode != REGULAR_FILE:
                self.find("evidence.missing", path, "no evidence file at the deciding commit")
                return None
            self.find("evidence.not-in-decision", path, "the evidence was not added by its decision merge")
            oid = found.oid
        try:
            loaded = _load(self.store.blob(oid), f"{self.entry.sha[:12]}:{path}", EvidencePack)
        except InputError as exc:
            self.find("evidence.unparseable", path, problems_text(exc))
            return None
        if loaded.sha256 != record.evidence.sha256:
            self.find(
                "evidence.hash-mismatch",
                path,
                f"hashes to {loaded.sha256}, record says {record.evidence.sha256}",
            )
        pack: EvidencePack = loaded.model
        governed = classify(path)
        if governed is not None:
            for problem in placement_problems(governed, pack):
                self.find("evidence.misplaced", path, problem)
        if pack.change_id != record.change_id:
            self.find(
                "evidence.misplaced", path, f"evidence is for {pack.change_id}, record for {record.change_id}"
            )
        elif governed is not None:  # its attachments folder travels with it (the PR's allow-list)
            folder = (governed.month, record.change_id)
            self.result.accounted |= {p for p, c in self.added.items() if attachment_of(p) == folder}
        return pack

    def _proof(self, record: Decision, pack: EvidencePack, base_tree: str) -> EvidenceProof:
        """The pack's attachments at the decision merge, checked like the bot checked them at the PR."""

        def read(path: str) -> bytes | None:
            found = lookup(self.store, self.header.tree, path)
            if found is None or found.mode != REGULAR_FILE:
                return None
            if path in self.added:
                self.result.accounted.add(path)
            return self.store.blob(found.oid)

        def signers() -> Signers | None:
            found = lookup(self.store, base_tree, SIGNERS_PATH)
            return None if found is None else evidence_proof.signers_from(self.store.blob(found.oid))

        for path in attachment_paths(pack):
            read(path)  # every named attachment is part of the decision, checked or not
        proof = evidence_proof.prove(pack, read, signers)
        for mismatch in proof.mismatches:
            self.find("evidence.attachment-mismatch", record.evidence.path, mismatch)
        return proof

    def _rescore(
        self, record: Decision, pack: EvidencePack, base_tree: str, signature: SignatureCheck
    ) -> None:
        path = f"risk-model/v{record.risk.model_version}.yaml"
        found = lookup(self.store, base_tree, path)
        if found is None or found.mode != REGULAR_FILE:
            self.find("model.missing", path, f"model v{record.risk.model_version} is not at the base commit")
            return
        try:
            loaded = self.memo.get(
                "model", found.oid, lambda: _load(self.store.blob(found.oid), path, RiskModel)
            )
        except InputError as exc:
            self.find("model.unparseable", path, problems_text(exc))
            return
        model: RiskModel = loaded.model
        if model.version != record.risk.model_version:
            self.find("model.hash-mismatch", path, f"file holds version {model.version}")
            return
        if loaded.sha256 != record.risk.model_sha256:
            self.find(
                "model.hash-mismatch",
                path,
                f"hashes to {loaded.sha256}, record says {record.risk.model_sha256}",
            )
        again = assess_risk(pack, loaded, signature)
        if (again.score, again.tier) != (record.risk.score, record.risk.tier):
            self.find(
                "score.mismatch",
                record.evidence.path,
                f"re-scored {again.score} ({again.tier}), "
                f"record says {record.risk.score} ({record.risk.tier})",
            )
        elif again.tier_override != record.risk.tier_override:  # a model floor is re-derived, never claimed
            self.find(
                "score.mismatch",
                record.evidence.path,
                f"re-scored tier_override {again.tier_override}, record says {record.risk.tier_override}",
            )
        elif again.breakdown != record.risk.breakdown:
            self.find(
                "score.mismatch", record.evidence.path, "the recorded breakdown differs from a re-score"
            )

    # -- policy changes -------------------------------------------------------------------------

    def _policy_tier(self, record: Decision, record_path: str) -> None:
        """A change decision never overrides its tier: a PR that changes policy is a policy change,
        decided by a PolicyDecision (the paths it lands without one are `policy.undecided-change`).
        A `model_floor` override is the model's own rule, re-derived by the re-score."""
        if record.risk.tier_override == "policy_change":
            self.find(
                "score.override-unjustified",
                record_path,
                f"tier_override {record.risk.tier_override}: a policy change is decided by a PolicyDecision",
            )

    # -- approvals -----------------------------------------------------------------------------

    def _approvals(
        self,
        record: Decision,
        record_path: str,
        pack: EvidencePack | None,
        base_tree: str,
        reviewed: Reviewable | None,
    ) -> None:
        tier, outcome = record.risk.tier, record.outcome
        if not outcome_allowed(tier, outcome):
            self.find("outcome.invalid", record_path, f"{outcome} at tier {tier}")
        ctx = ApprovalContext(
            bot=self.bot,
            pr_author=record.pull_request.author if record.pull_request else None,
            requester=pack.requester if pack else None,
            owners=approving_owners(record, self.owners(base_tree, record_path)) if record.approvals else [],
            reviewable=reviewed,
            document_sha256=record.evidence.sha256,
            document="change",
            membership=record.membership,
            authors=record.authors,
        )
        counted = self.count_approvals(record.approvals, ctx, record_path)
        rule_tier = "medium" if outcome == "emergency" else tier  # one on-call approval, whatever the tier
        if outcome in APPROVING_OUTCOMES and outcome not in UNREVIEWED_OUTCOMES:
            owning = owning_teams(ctx.owners)
            exception_ids = [e.id for e in record.exceptions]
            for rule, needed in unmet(rule_tier, counted, owning, exception_ids):
                where = record.evidence.path if rule == "exception.missing" else record_path
                self.find(rule, where, f"{outcome} at tier {tier} without {needed}")

    # -- exceptions ----------------------------------------------------------------------------

    def _exceptions(
        self, record: Decision, pack: EvidencePack | None, base_tree: str, signature: SignatureCheck
    ) -> list[ExceptionUse]:
        uses = []
        relied_on: list[tuple[str, documents.Loaded[ExceptionRecord]]] = []
        clean = True
        for ref in record.exceptions:
            located = locate(self.store, base_tree, "exceptions", ref.id)
            if located is None:
                self.find(
                    "exception.not-at-base", None, f"exception {ref.id} is not in exceptions/ at the base"
                )
                clean = False
                continue
            path, oid = located
            try:
                loaded = self.memo.get("exception", oid, partial(self._parse, oid, path, ExceptionRecord))
            except InputError as exc:
                self.find("exception.unparseable", path, problems_text(exc))
                clean = False
                continue
            exc_record: ExceptionRecord = loaded.model
            uses.append(ExceptionUse(ref.id, exc_record.requested_at, exc_record.expires_at))
            if loaded.sha256 != ref.sha256 or exc_record.expires_at != ref.expires_at:
                self.find(
                    "exception.hash-mismatch", path, "the exception at the base differs from the record's"
                )
                clean = False
            problem = approved_exception(self.store, self.memo, base_tree, ref.id, loaded.sha256)
            if problem is not None:
                self.find("exception.not-approved", path, problem)
                clean = False
            if record.decided_at is not None and not is_active(exc_record, record.decided_at):
                self.find(
                    "exception.expired",
                    path,
                    f"expired {exc_record.expires_at.isoformat()}, decided {record.decided_at.isoformat()}",
                )
                clean = False
            relied_on.append((path, loaded))
        if pack is not None and record.decided_at is not None and relied_on:
            self._coverage(record, pack, relied_on, signature, report_gaps=clean)
        return uses

    def _coverage(
        self,
        record: Decision,
        pack: EvidencePack,
        relied_on: list[tuple[str, documents.Loaded[ExceptionRecord]]],
        signature: SignatureCheck,
        *,
        report_gaps: bool,
    ) -> None:
        """The engine's coverage rule over the exceptions the record relies on: same set, no gap."""
        assert record.decided_at is not None
        cover = coverage(pack, [loaded for _path, loaded in relied_on], record.decided_at, signature)
        covering = {loaded.model.id for loaded in cover.covering}
        for path, loaded in relied_on:
            if loaded.model.id not in covering and is_active(loaded.model, record.decided_at):
                self.find(
                    "exception.not-covering",
                    path,
                    f"{loaded.model.id} does not cover {pack.change_id}, alone or with the others recorded",
                )
        if not cover.covering and report_gaps:
            self.find(
                "exception.not-covering",
                record.evidence.path,
                f"the recorded exceptions leave uncovered: {'; '.join(cover.gaps)}",
            )


def _evidence_month(governed: GovernedPath, record: Decision) -> list[str]:
    """A decision lives in the month its evidence was submitted in."""
    evidence_month = record.evidence.path.split("/")[1]
    return (
        []
        if governed.month == evidence_month
        else [f"month {governed.month} but evidence is under {evidence_month}"]
    )


def _decides_an_exception(entry: LogEntry, header: CommitHeader) -> bool:
    trailers = parse(header.message)
    if "Cab-Exception-Decision" in trailers:
        return True
    kinds = {g.kind for c in entry.changes if c.status == "A" and (g := classify(c.path)) is not None}
    return "Cab-Change" not in trailers and "ExceptionDecision" in kinds and "Decision" not in kinds


def check_decision(
    entry: LogEntry, header: CommitHeader, store: ObjectStore, bot: BotIdentity, memo: Memo
) -> CommitResult:
    """The checks of a decision merge: a policy, an exception or a change decision."""
    if decides_a_policy(entry, header):
        return PolicyDecisionCheck(entry, header, store, bot, memo).run()
    if decides_a_retro(entry, header):
        return RetroApprovalCheck(entry, header, store, bot, memo).run()
    if _decides_an_exception(entry, header):
        return ExceptionDecisionCheck(entry, header, store, bot, memo).run()
    return DecisionCheck(entry, header, store, bot, memo).run()


def unaccounted(entry: LogEntry, accounted: set[str]) -> list[Change]:
    return [c for c in entry.changes if c.path not in accounted or c.status != "A"]
