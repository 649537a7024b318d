"""What every bot decision merge must look like, whatever it decides. Pure: reads an ObjectStore.

Shared by change decisions (`checks`) and exception decisions (`exception_checks`): who made the
merge, what the merge introduces relative to its base, which PR commits an approval may have been
given on, and whether one recorded approval counts.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from bot.adapters.git.signatures import TrustedKeys, trusted_keys
from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.findings import Finding
from bot.domain.git_objects import REGULAR_FILE, Change, CommitHeader, LogEntry, ObjectStore, lookup
from bot.domain.identity import BotIdentity
from bot.domain.layout import SIGNERS_PATH, GovernedPath, classify
from bot.domain.models import Decision, ExceptionDecision
from bot.domain.models.decision import Approval, ChangeAuthor, TeamMembership
from bot.domain.placement import placement_problems
from bot.domain.pull_request import Team, User
from bot.domain.rules import codeowners, membership, records
from bot.domain.rules.approval import Judged, Owners, refusals
from bot.domain.rules.bot_commits import made_by_bot, merge_identity_problem
from bot.domain.rules.commit_signatures import signature_problem

T = TypeVar("T")

WALK = 16  # PR commits followed before asking the store for a merge base


def _merge_base(store: ObjectStore, first: str, second: str) -> str | None:
    """The merge base; cheap in the common case where the PR started from the merge's first parent."""
    sha = second
    for _ in range(WALK):
        commit = store.commit(sha)
        if first in commit.parents:
            return first
        if len(commit.parents) != 1:
            break
        sha = commit.parents[0]
    return store.merge_base(first, second)


def _as_map(changes: list[Change]) -> dict[str, tuple[str, str]]:
    return {c.path: (c.new_mode, c.new_oid) for c in changes}


def unexplained_merge_paths(store: ObjectStore, header: CommitHeader) -> list[str] | None:
    """Paths where the merge introduces something other than its PR's own changes.

    The merge must bring, relative to its first parent, exactly what the PR head changes relative
    to their merge base: diff(first parent, merge) == diff(merge base, head) as path → blob. When
    the base did not move this is "the merge tree is the head's tree". None: no merge base.
    """
    first, second = header.parents
    head = store.commit(second)
    base = _merge_base(store, first, second)
    if base is None:
        return None
    if base == first:
        return [c.path for c in store.diff(head.tree, header.tree)]
    introduced = _as_map(store.diff(store.commit(first).tree, header.tree))
    proposed = _as_map(store.diff(store.commit(base).tree, head.tree))
    return sorted(p for p in introduced.keys() | proposed.keys() if introduced.get(p) != proposed.get(p))


class Reviewable(Collection[str]):
    """The head and the PR commits before it that differ from it only by this decision's record.

    The engine counts an approval given on any of these: writing the record invalidates nothing.
    The head and the reviewed commit (its parent) are known; older commits are walked only when an
    approval names one, since most approvals are given on the reviewed commit and low tier has none.
    """

    def __init__(
        self, store: ObjectStore, head: CommitHeader, reviewed: str, own: tuple[str, records.RecordKind]
    ):
        self._store, self._head, self._own = store, head, own
        self._known = {head.sha, reviewed}
        self._walked = False

    def _walk(self) -> None:
        self._walked = True
        current = self._store.commit(self._head.parents[0])
        while len(current.parents) == 1 and len(self._known) < WALK:
            parent = self._store.commit(current.parents[0])
            changes = self._store.diff(parent.tree, self._head.tree)
            if not records.differs_only_by_own_record((c.path for c in changes), *self._own):
                break
            self._known.add(parent.sha)
            current = parent

    def __contains__(self, sha: object) -> bool:
        if sha not in self._known and not self._walked:
            self._walk()
        return sha in self._known

    def __iter__(self) -> Iterator[str]:
        if not self._walked:
            self._walk()
        return iter(sorted(self._known))

    def __len__(self) -> int:
        return len(list(iter(self)))


@dataclass(frozen=True)
class ApprovalContext:
    """What one approval is judged against."""

    bot: BotIdentity
    pr_author: str | None  # None: the record names no pull request
    requester: str | None
    owners: list[str] | None  # None: no CODEOWNERS at the base commit
    reviewable: Collection[str] | None  # None: the reviewed commits could not be determined
    document_sha256: str
    document: str = "evidence"
    membership: Sequence[TeamMembership] = ()  # the record's membership snapshot (none in old records)
    authors: Sequence[ChangeAuthor] = ()  # the accounts the bot found wrote the change (none in old records)


def approval_problems(approval: Approval, ctx: ApprovalContext) -> list[tuple[str, str]]:
    """(rule, message) for every reason this approval does not count; empty when it counts.

    The approval rule itself is the bot's (`bot.domain.rules.approval.refusals`), applied to what
    the record says; the audit adds what only a record can get wrong (no PR, other evidence).
    """
    who = f"@{approval.login}"
    user = User(approval.login, approval.user_id)
    judged = _judged(approval, ctx)
    problems = [
        (r.rule, r.say(who))
        for r in refusals(user, approval.reviewed_sha, judged, approval.team, approval.approved_at)
    ]
    if ctx.pr_author is None:
        problems.append(("approval.no-pull-request", f"{who}: no pull request recorded to check the author"))
    if approval.evidence_sha256 != ctx.document_sha256:
        problems.append(("approval.stale", f"{who} reviewed different {ctx.document}"))
    return problems


def owning_teams(owners: list[str] | None) -> Owners:
    """The teams CODEOWNERS names for a path, as the rules see them (only teams approve)."""
    return Owners(teams=tuple(Team(slug, -1) for slug in codeowners.team_slugs(owners or [])))


def _judged(approval: Approval, ctx: ApprovalContext) -> Judged:
    """The facts the bot judged this approval against, as the record and the base commit give them."""
    claimed = approval.team.lstrip("@").lower()
    members = tuple(
        User(login, approval.user_id if login.lower() == approval.login.lower() else -1)
        for login in approval.team_members
    )
    # Only teams approve (CODEOWNERS users never count, as in the bot); members are as recorded.
    teams = tuple(
        Team(slug, approval.team_id or -1, members) if slug == claimed else Team(slug, -1)
        for slug in codeowners.team_slugs(ctx.owners or [])
    )
    conflicted = {}
    if ctx.pr_author is not None:
        conflicted[ctx.pr_author.lower()] = "is the PR author"
    if ctx.requester is not None:
        conflicted.setdefault(ctx.requester.lower(), "is the requester")
    return Judged(
        owners=Owners(teams=teams),
        head_sha=approval.reviewed_sha,
        reviewable=ctx.reviewable,
        conflicted_ids={author.user_id: author.why for author in ctx.authors},
        conflicted_logins=conflicted,
        bot_name=ctx.bot.name,
        member_since=membership.member_since(ctx.membership, approval.team) if ctx.membership else None,
    )


# -- values shared by the per-merge checks and the auditor ------------------------------------


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
class DecisionRow:
    """One line of the report's table of decisions: a change's or an exception's record, as merged."""

    kind: str  # "change" or "exception"
    id: str
    outcome: str
    tier: str  # "exception" for an exception decision
    score: str | None
    approvers: tuple[str, ...]  # "login (team)"
    exceptions: tuple[str, ...]  # ids a change relies on
    commit: str  # the decision merge
    pull_request: int | None
    decided_at: str | None  # ISO 8601, UTC
    lead_hours: float | None = None  # evidence submission to decision
    retro_due: str | None = None  # an emergency change: when its CAB retro-review falls due (ISO, UTC)


def decision_row(
    record: Decision | ExceptionDecision, commit: str, submitted_at: dt.datetime | None = None
) -> DecisionRow:
    """The table row of a record; the audit's findings say separately what is wrong with it."""
    decided = record.decided_at.astimezone(dt.UTC) if record.decided_at else None
    approvers = tuple(f"{a.login} ({a.team})" for a in record.approvals)
    number = record.pull_request.number if record.pull_request else None
    when = decided.isoformat().replace("+00:00", "Z") if decided else None
    if isinstance(record, ExceptionDecision):
        return DecisionRow(
            "exception",
            record.exception_id,
            record.outcome,
            "exception",
            None,
            approvers,
            (),
            commit,
            number,
            when,
        )
    lead = (decided - submitted_at).total_seconds() / 3600 if decided and submitted_at else None
    uses = tuple(e.id for e in record.exceptions)
    due = record.emergency.retro_due.astimezone(dt.UTC) if record.emergency else None
    return DecisionRow(
        "change",
        record.change_id,
        record.outcome,
        record.risk.tier,
        record.risk.score,
        approvers,
        uses,
        commit,
        number,
        when,
        lead,
        due.isoformat().replace("+00:00", "Z") if due else None,
    )


@dataclass(frozen=True)
class ChainLink:
    record_sha256: str
    previous: str | None


@dataclass
class CommitResult:
    findings: list[Finding] = field(default_factory=list)
    decision: DecisionSummary | None = None
    approved_exception: ExceptionUse | None = None  # an exception this commit approved, for the charts
    row: DecisionRow | None = None  # the decision this merge records, for the report's table
    link: ChainLink | None = None
    accounted: set[str] = field(default_factory=set)  # governed paths this decision explains
    policy_accounted: set[str] = field(default_factory=set)  # paths an approved policy decision brought
    retro_approval: tuple[str, str] | None = None  # (emergency change id, retro-approved at ISO)


class Memo:
    """Parsed documents by blob id: a model, CODEOWNERS or exception is parsed once per version."""

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


def load(raw: bytes, source: str, model: type[Any]) -> documents.Loaded[Any]:
    return documents.parse(raw, source, model)


def problems_text(exc: InputError) -> str:
    return "; ".join(str(p) for p in exc.problems[:5])


def none_if_none(previous: str) -> str | None:
    return None if previous == "none" else previous


class MergeCheck:
    """What every decision merge shares; subclasses check their record kind in `run()`."""

    record_kind: records.RecordKind = "Decision"

    def __init__(
        self, entry: LogEntry, header: CommitHeader, store: ObjectStore, bot: BotIdentity, memo: Memo
    ) -> None:
        self.entry, self.header, self.store, self.bot, self.memo = entry, header, store, bot, memo
        self.result = CommitResult()
        self.added = {c.path: c for c in entry.changes if c.status == "A"}

    def find(self, rule: str, path: str | None, message: str) -> None:
        self.result.findings.append(Finding(rule, self.entry.sha, path, message))

    def check_shape(self) -> bool:
        """Two parents, made by the bot. False when the merge cannot be checked further."""
        if len(self.header.parents) != 2:
            self.find("merge.not-two-parents", None, f"decision merge has {len(self.header.parents)} parents")
            return False
        problem = merge_identity_problem(self.header, self.bot)
        if problem is not None:
            self.find("identity.merge-not-bot", None, problem)
        self.check_signature(self.header, "decision merge", None)
        return True

    def check_signature(self, commit: CommitHeader, role: str, path: str | None) -> None:
        """The bot's commit `commit` must be signed by a key trusted at the decision's base."""
        problem = signature_problem(commit, role, self._trusted_keys().verify(commit))
        if problem is not None:
            self.find(problem[0], path, problem[1])

    def _trusted_keys(self) -> TrustedKeys:
        """`policy/signers.yaml` at the merge's first parent, never from the PR; parsed once a version."""
        base_tree = self.store.commit(self.header.parents[0]).tree
        found = lookup(self.store, base_tree, SIGNERS_PATH)
        if found is None or found.mode != REGULAR_FILE:
            return trusted_keys(None, "the base commit")
        keys: TrustedKeys = self.memo.get(
            "signers", found.oid, lambda: trusted_keys(self.store.blob(found.oid), "the base commit")
        )
        return keys

    def record_path(self, named: str | None, trailers: str) -> str | None:
        """The record the trailers name (`named`), else the one record the merge adds; a merge
        without its `trailers` is a finding either way."""
        added = self.added_records()
        path = named if named is not None else (added[0] if len(added) == 1 else None)
        if named is None:
            self.find("trailers.incomplete", path, f"the merge lacks one of the required {trailers} trailers")
        return path

    def added_record(
        self,
        path: str,
        said: ChainLink | None,
        model: type[Any],
        shape: str,
        placement: Callable[[GovernedPath, Any], list[str]] = lambda _governed, _record: [],
    ) -> documents.Loaded[Any] | None:
        """The record this merge adds at `path`: parsed, linked into the chain, held to its place.

        `said` is the link the trailers claim, kept for the chain when the record cannot be read;
        `shape` names the path the kind belongs at; `placement` adds kind-specific place rules."""
        change = self.added.get(path)
        if change is None or change.new_mode != REGULAR_FILE:
            self.find("record.not-added", path, "the merge does not add this record as a regular file")
            self.result.link = said
            return None
        self.result.accounted.add(path)
        try:
            loaded = load(self.store.blob(change.new_oid), f"{self.entry.sha[:12]}:{path}", model)
        except InputError as exc:
            self.find("record.unparseable", path, problems_text(exc))
            self.result.link = said
            return None
        record = loaded.model
        self.result.link = ChainLink(loaded.sha256, record.previous)
        governed = classify(path)
        if governed is None or governed.kind != self.record_kind:
            self.find("record.misplaced", path, f"not a {shape} path")
        else:
            for problem in [*placement_problems(governed, record), *placement(governed, record)]:
                self.find("record.misplaced", path, problem)
        if record.outcome == "pending" or record.decided_at is None:
            self.find("record.not-final", path, f"outcome {record.outcome}, decided_at {record.decided_at}")
        return loaded

    def added_records(self) -> list[str]:
        return [p for p in self.added if (g := classify(p)) is not None and g.kind == self.record_kind]

    def review_structure(
        self, record_id: str, record_path: str, restored: Collection[str] = ()
    ) -> Reviewable | None:
        """Check head vs reviewed commits vs merge; return the commits an approval may name.
        `restored`: paths the final-record commit may also change (a rejected policy change puts
        the base's files back; its own check verifies that only the record landed)."""
        head = self.store.commit(self.header.parents[1])
        if not made_by_bot(head, self.bot):
            self.find(
                "identity.record-commit-not-bot",
                record_path,
                f"final-record commit {head.sha[:12]} authored by {head.author.name} <{head.author.email}>, "
                f"committed by {head.committer.name} <{head.committer.email}>",
            )
        self.check_signature(head, "final-record commit", record_path)
        differing = unexplained_merge_paths(self.store, self.header)
        if differing is None:
            self.find("merge.tree-mismatch", None, "the merged head shares no history with the base")
        elif differing:
            listed = ", ".join(differing[:5])
            self.find(
                "merge.tree-mismatch",
                None,
                f"the merge brings more than its pull request's changes: {listed}",
            )
        if len(head.parents) != 1:
            self.find(
                "merge.unreviewed-change",
                record_path,
                "the final-record commit is not a single-parent commit",
            )
            return None
        reviewed = head.parents[0]
        for change in self.store.commit_changes(head.sha):
            if change.path in restored:
                continue
            if not records.is_own_record(change.path, record_id, self.record_kind):
                self.find(
                    "merge.unreviewed-change",
                    change.path,
                    f"changed after the reviewed commit {reviewed[:12]} (only the record may change)",
                )
        return Reviewable(self.store, head, reviewed, (record_id, self.record_kind))

    def owners(self, base_tree: str, path: str) -> list[str] | None:
        """The owners of `path` by the base commit's CODEOWNERS; None when it has none."""
        text = codeowners.first_found(partial(self._regular_file, base_tree))
        return None if text is None else codeowners.owners_for(text, path)

    def _regular_file(self, tree: str, path: str) -> bytes | None:
        found = lookup(self.store, tree, path)
        if found is None or found.mode != REGULAR_FILE:
            return None
        blob: bytes = self.memo.get("blob", found.oid, partial(self.store.blob, found.oid))
        return blob

    def count_approvals(self, approvals: list[Approval], ctx: ApprovalContext, record_path: str) -> int:
        counted = 0
        for approval in approvals:
            problems = approval_problems(approval, ctx)
            for rule, message in problems:
                self.find(rule, record_path, message)
            counted += not problems
        return counted
