"""Verify one decision merge from its commit, trees and blobs. Pure: reads only an ObjectStore.

Policy (CODEOWNERS, risk model, exceptions) is read at the merge's first parent, the base the
decision was taken against; evidence and the record are read at the merge itself.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from bot import codeowners, documents
from bot.audit.objects import REGULAR_FILE, TREE, Change, CommitHeader, LogEntry, ObjectStore, lookup
from bot.audit.objects import diff_trees as tree_diff
from bot.audit.rules import Finding
from bot.errors import InputError
from bot.identity import BotIdentity
from bot.layout import classify
from bot.models import Decision, EvidencePack, ExceptionRecord, RiskModel
from bot.models.decision import APPROVING_OUTCOMES, Approval
from bot.scoring import score
from bot.trailers import DecisionTrailers, from_message, parse
from bot.validation import placement_problems

T = TypeVar("T")


@dataclass(frozen=True)
class ExceptionUse:
    id: str
    requested_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class DecisionSummary:
    """What the reports chart about a verified decision."""

    commit: str
    change_id: str
    tier: str
    outcome: str
    score: str
    decided_at: dt.datetime | None
    submitted_at: dt.datetime | None
    exceptions: tuple[ExceptionUse, ...] = ()


@dataclass(frozen=True)
class ChainLink:
    record_sha256: str
    previous: str | None


@dataclass
class CommitResult:
    findings: list[Finding] = field(default_factory=list)
    decision: DecisionSummary | None = None
    link: ChainLink | None = None
    accounted: set[str] = field(default_factory=set)  # governed paths this decision explains


class Memo:
    """Parsed policy documents by blob id: a model or CODEOWNERS file is parsed once per version."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._size = size

    def get(self, kind: str, oid: str, make: Callable[[], T]) -> T:
        key = (kind, oid)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]  # type: ignore[no-any-return]
        value = make()
        self._items[key] = value
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return value


def is_decision_candidate(entry: LogEntry, header: CommitHeader) -> bool:
    """A first-parent merge that claims to be a decision (trailers) or adds a decision record."""
    claims = "Cab-Decision" in parse(header.message)
    adds = any(
        c.status == "A" and (g := classify(c.path)) is not None and g.kind == "Decision"
        for c in entry.changes
    )
    return claims or adds


def _same(ident_a: Any, bot: BotIdentity) -> bool:
    return bool(ident_a.name == bot.name and ident_a.email.lower() == bot.email.lower())


def _load(raw: bytes, source: str, model: type[Any]) -> documents.Loaded[Any]:
    return documents.parse(raw, source, model)


def _problems(exc: InputError) -> str:
    return "; ".join(str(p) for p in exc.problems[:5])


class DecisionCheck:
    """The checks of one decision merge; `run()` fills `result`."""

    def __init__(
        self, entry: LogEntry, header: CommitHeader, store: ObjectStore, bot: BotIdentity, memo: Memo
    ) -> None:
        self.entry, self.header, self.store, self.bot, self.memo = entry, header, store, bot, memo
        self.result = CommitResult()
        self.added = {c.path: c for c in entry.changes if c.status == "A"}

    def find(self, rule: str, path: str | None, message: str) -> None:
        self.result.findings.append(Finding(rule, self.entry.sha, path, message))

    def run(self) -> CommitResult:
        header = self.header
        if len(header.parents) != 2:
            self.find("merge.not-two-parents", None, f"decision merge has {len(header.parents)} parents")
            return self.result
        if not (_same(header.author, self.bot) and _same(header.committer, self.bot)):
            self.find(
                "identity.merge-not-bot",
                None,
                f"author {header.author.name} <{header.author.email}>, committer {header.committer.name} "
                f"<{header.committer.email}>; expected {self.bot.name} <{self.bot.email}>",
            )
        trailers = from_message(header.message)
        record_path = trailers.record if trailers else self._record_path_from_changes()
        if trailers is None:
            self.find(
                "trailers.incomplete", record_path, "the merge lacks one of the required Cab-* trailers"
            )
        if record_path is None:
            return self.result
        record = self._record(record_path, trailers)
        if record is None:
            return self.result
        evidence = self._evidence(record)
        base = header.parents[0]
        base_tree = self.store.commit(base).tree
        if evidence is not None:
            self._rescore(record, evidence, base_tree)
        reviewed = self._review_structure(record, record_path)
        self._approvals(record, record_path, evidence, base_tree, reviewed)
        uses = self._exceptions(record, evidence, base_tree)
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
        return self.result

    def _parse(self, oid: str, path: str, model: type[Any]) -> documents.Loaded[Any]:
        return _load(self.store.blob(oid), f"{self.header.parents[0][:12]}:{path}", model)

    # -- the record and its trailers ---------------------------------------------------------

    def _record_path_from_changes(self) -> str | None:
        paths = [p for p in self.added if (g := classify(p)) is not None and g.kind == "Decision"]
        return paths[0] if len(paths) == 1 else None

    def _record(self, path: str, trailers: DecisionTrailers | None) -> Decision | None:
        change = self.added.get(path)
        if change is None or change.new_mode != REGULAR_FILE:
            self.find("record.not-added", path, "the merge does not add this record as a regular file")
            if trailers:
                self.result.link = ChainLink(trailers.record_sha256, _none(trailers.previous))
            return None
        self.result.accounted.add(path)
        try:
            loaded = _load(self.store.blob(change.new_oid), f"{self.entry.sha[:12]}:{path}", Decision)
        except InputError as exc:
            self.find("record.unparseable", path, _problems(exc))
            if trailers:
                self.result.link = ChainLink(trailers.record_sha256, _none(trailers.previous))
            return None
        record: Decision = loaded.model
        self.result.link = ChainLink(loaded.sha256, record.previous)
        governed = classify(path)
        if governed is None or governed.kind != "Decision":
            self.find("record.misplaced", path, "not a decisions/<tier>/<yyyy-mm>/<id>.yaml path")
        else:
            for problem in placement_problems(governed, record):
                self.find("record.misplaced", path, problem)
            evidence_month = record.evidence.path.split("/")[1]
            if governed.month != evidence_month:
                self.find(
                    "record.misplaced", path, f"month {governed.month} but evidence is under {evidence_month}"
                )
        if record.outcome == "pending" or record.decided_at is None:
            self.find("record.not-final", path, f"outcome {record.outcome}, decided_at {record.decided_at}")
        if trailers is not None:
            self._trailers_agree(trailers, record, loaded.sha256, path)
        return record

    def _trailers_agree(self, t: DecisionTrailers, r: Decision, record_sha: str, path: str) -> None:
        expected = {
            "Cab-Decision": (t.decision, r.outcome),
            "Cab-Change": (t.change, r.change_id),
            "Cab-Tier": (t.tier, r.risk.tier),
            "Cab-Risk-Score": (t.risk_score, r.risk.score),
            "Cab-Evidence-Sha256": (t.evidence_sha256, r.evidence.sha256),
            "Cab-Model": (t.model, f"v{r.risk.model_version} sha256:{r.risk.model_sha256}"),
            "Cab-Approved-By": (list(t.approved_by), [f"{a.login} ({a.user_id})" for a in r.approvals]),
            "Cab-Exception": (list(t.exceptions), [e.id for e in r.exceptions]),
            "Cab-Correlation-Id": (t.correlation_id, r.correlation_id),
            "Cab-Record": (t.record, path),
            "Cab-Record-Sha256": (t.record_sha256, record_sha),
            "Cab-Previous": (t.previous, r.previous or "none"),
        }
        for key, (said, actual) in expected.items():
            if said != actual:
                self.find("trailers.mismatch", path, f"{key} says {said!r} but the record has {actual!r}")

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
            self.find("evidence.unparseable", path, _problems(exc))
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
        return pack

    def _rescore(self, record: Decision, pack: EvidencePack, base_tree: str) -> None:
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
            self.find("model.unparseable", path, _problems(exc))
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
        again = score(pack, model, loaded.sha256)
        if (again.score, again.tier) != (record.risk.score, record.risk.tier):
            self.find(
                "score.mismatch",
                record.evidence.path,
                f"re-scored {again.score} ({again.tier}), "
                f"record says {record.risk.score} ({record.risk.tier})",
            )
        elif again.breakdown != record.risk.breakdown:
            self.find(
                "score.mismatch", record.evidence.path, "the recorded breakdown differs from a re-score"
            )

    # -- what was reviewed and merged ----------------------------------------------------------

    def _review_structure(self, record: Decision, record_path: str) -> str | None:
        """Check head vs reviewed commit vs merge; return the reviewed commit's sha."""
        head = self.store.commit(self.header.parents[1])
        if not (_same(head.author, self.bot) and _same(head.committer, self.bot)):
            self.find(
                "identity.record-commit-not-bot",
                record_path,
                f"final-record commit {head.sha[:12]} by {head.author.name} <{head.author.email}>",
            )
        if head.tree != self.header.tree:
            changed = tree_diff(self.store, head.tree, self.header.tree)
            listed = ", ".join(c.path for c in changed[:5])
            self.find("merge.tree-mismatch", None, f"the merge tree differs from the PR head in: {listed}")
        if len(head.parents) != 1:
            self.find(
                "merge.unreviewed-change",
                record_path,
                "the final-record commit is not a single-parent commit",
            )
            return None
        reviewed = self.store.commit(head.parents[0])
        for change in tree_diff(self.store, reviewed.tree, head.tree):
            governed = classify(change.path)
            if governed is None or governed.kind != "Decision" or governed.id != record.change_id:
                self.find(
                    "merge.unreviewed-change",
                    change.path,
                    f"changed after the reviewed commit {reviewed.sha[:12]} (only the record may change)",
                )
        return reviewed.sha

    # -- approvals -----------------------------------------------------------------------------

    def _text(self, oid: str) -> str:
        return self.store.blob(oid).decode("utf-8", "replace")

    def _owners(self, base_tree: str, record_path: str) -> list[str] | None:
        for location in codeowners.LOCATIONS:
            found = lookup(self.store, base_tree, location)
            if found is not None and found.mode == REGULAR_FILE:
                text: str = self.memo.get("codeowners", found.oid, partial(self._text, found.oid))
                return codeowners.owners_for(text, record_path)
        return None

    def _approvals(
        self,
        record: Decision,
        record_path: str,
        pack: EvidencePack | None,
        base_tree: str,
        reviewed: str | None,
    ) -> None:
        tier, outcome = record.risk.tier, record.outcome
        if outcome == "auto_approved" and tier != "low":
            self.find("outcome.invalid", record_path, f"auto_approved at tier {tier}")
        owners = self._owners(base_tree, record_path) if record.approvals else []
        counted = 0
        for approval in record.approvals:
            problems = self._approval_problems(approval, record, pack, owners, reviewed)
            for rule, message in problems:
                self.find(rule, record_path, f"{approval.login}: {message}")
            counted += not problems
        if outcome in APPROVING_OUTCOMES and tier != "low" and counted == 0:
            self.find(
                "approval.missing", record_path, f"{outcome} at tier {tier} without a counting approval"
            )

    def _approval_problems(
        self,
        approval: Approval,
        record: Decision,
        pack: EvidencePack | None,
        owners: list[str] | None,
        reviewed: str | None,
    ) -> list[tuple[str, str]]:
        login = approval.login.lower()
        problems: list[tuple[str, str]] = []
        if login.endswith("[bot]") or login == self.bot.name.lower():
            problems.append(("approval.bot", "bots never count as approvers"))
        if record.pull_request is None:
            problems.append(("approval.no-pull-request", "no pull request recorded to check the author"))
        elif login == record.pull_request.author.lower():
            problems.append(("approval.self", "approved their own pull request"))
        if pack is not None and login == pack.requester.lower():
            problems.append(("approval.self", "approved their own change request"))
        team = approval.team.lstrip("@").lower()
        owned = {o.lstrip("@").lower() for o in owners or []}
        if team not in owned and login not in owned:
            why = "no CODEOWNERS at the base commit" if owners is None else f"owners are {sorted(owned)}"
            problems.append(("approval.not-owner", f"team {approval.team} does not own the record ({why})"))
        if login not in {m.lower() for m in approval.team_members}:
            problems.append(("approval.not-member", f"not in the recorded members of {approval.team}"))
        if reviewed is not None and approval.reviewed_sha != reviewed:
            problems.append(("approval.stale", f"reviewed {approval.reviewed_sha[:12]}, not {reviewed[:12]}"))
        if approval.evidence_sha256 != record.evidence.sha256:
            problems.append(("approval.stale", "reviewed different evidence"))
        return problems

    # -- exceptions ----------------------------------------------------------------------------

    def _exception_path(self, base_tree: str, exception_id: str) -> tuple[str, str] | None:
        top = lookup(self.store, base_tree, "exceptions")
        if top is None or top.mode != TREE:
            return None
        for month in self.store.tree(top.oid):
            if month.mode == TREE:
                for item in self.store.tree(month.oid):
                    if item.name == f"{exception_id}.yaml" and item.mode == REGULAR_FILE:
                        return f"exceptions/{month.name}/{item.name}", item.oid
        return None

    def _exceptions(self, record: Decision, pack: EvidencePack | None, base_tree: str) -> list[ExceptionUse]:
        if record.outcome in APPROVING_OUTCOMES and record.risk.tier == "high" and not record.exceptions:
            self.find("exception.missing", record.evidence.path, "high tier approved without an exception")
        uses = []
        for ref in record.exceptions:
            located = self._exception_path(base_tree, ref.id)
            if located is None:
                self.find(
                    "exception.not-at-base", None, f"exception {ref.id} is not in exceptions/ at the base"
                )
                continue
            path, oid = located
            try:
                loaded = self.memo.get("exception", oid, partial(self._parse, oid, path, ExceptionRecord))
            except InputError as exc:
                self.find("exception.unparseable", path, _problems(exc))
                continue
            exc_record: ExceptionRecord = loaded.model
            uses.append(ExceptionUse(ref.id, exc_record.requested_at, exc_record.expires_at))
            if loaded.sha256 != ref.sha256 or exc_record.expires_at != ref.expires_at:
                self.find(
                    "exception.hash-mismatch", path, "the exception at the base differs from the record's"
                )
            if record.decided_at is not None and exc_record.expires_at <= record.decided_at:
                self.find(
                    "exception.expired",
                    path,
                    f"expired {exc_record.expires_at.isoformat()}, decided {record.decided_at.isoformat()}",
                )
            if pack is not None and not _covers(exc_record, pack):
                self.find("exception.not-covering", path, f"scope does not name {pack.change_id}")
        return uses


def _covers(exception: ExceptionRecord, pack: EvidencePack) -> bool:
    scope = exception.scope
    if pack.change_id in scope.change_ids or pack.artifact.sha256 in scope.artifact_sha256s:
        return True
    found = {f.id for f in pack.vulnerability_scan.findings} if pack.vulnerability_scan else set()
    return bool(found) and found <= set(scope.vulnerability_ids)


def _none(previous: str) -> str | None:
    return None if previous == "none" else previous


def check_decision(
    entry: LogEntry, header: CommitHeader, store: ObjectStore, bot: BotIdentity, memo: Memo
) -> CommitResult:
    return DecisionCheck(entry, header, store, bot, memo).run()


def unaccounted(entry: LogEntry, accounted: set[str]) -> list[Change]:
    return [c for c in entry.changes if c.path not in accounted or c.status != "A"]
