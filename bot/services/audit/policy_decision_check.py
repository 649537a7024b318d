"""Verify one policy-decision merge, and flag policy paths that landed without one. Pure.

A policy change (risk model, CODEOWNERS, `policy/`, workflows, the bot's code, anything outside the
change and exception allow-lists) is merged by the bot with a `PolicyDecision` record at
`decisions/policy/<yyyy-mm>/<id>.yaml` and `bot.domain.rules.trailers.PolicyTrailers`. An approved
one brings exactly the paths and blobs it lists (`bot.domain.rules.policy_changes`, the function
the bot built the list with), approved by every team owning the record at the base, each by a
different member who is no author; a rejected one brings only its record.
"""

from __future__ import annotations

from bot.domain.findings import Finding
from bot.domain.git_objects import Change, CommitHeader, LogEntry
from bot.domain.layout import classify, is_governed
from bot.domain.models import PolicyDecision
from bot.domain.rules import policy_changes, records
from bot.domain.rules.approval import outcome_allowed, unmet
from bot.domain.rules.scope import is_policy_path
from bot.domain.rules.trailers import (
    PolicyTrailers,
    differences,
    of_policy_decision,
    parse,
    policy_from_message,
)
from bot.services.audit.merge_check import (
    ApprovalContext,
    ChainLink,
    CommitResult,
    MergeCheck,
    approval_problems,
    none_if_none,
    owning_teams,
)


def decides_a_policy(entry: LogEntry, header: CommitHeader) -> bool:
    if "Cab-Policy-Decision" in parse(header.message):
        return True
    return any(
        c.status == "A" and (g := classify(c.path)) is not None and g.kind == "PolicyDecision"
        for c in entry.changes
    )


def brought(changes: list[Change] | tuple[Change, ...], record_path: str) -> dict[str, str | None]:
    """path -> blob id a merge brings relative to its first parent (None: deleted), but the record."""
    out: dict[str, str | None] = {}
    for change in changes:
        if change.path == record_path:
            continue
        if change.old_path:
            out[change.old_path] = None
        out[change.path] = None if change.status == "D" else change.new_oid
    return out


def undecided_policy_changes(entry: LogEntry, accounted: set[str]) -> list[Finding]:
    """Policy paths (CODEOWNERS, workflows, `policy/`, the bot's code) a decision merge changed that
    no approved policy decision in it accounts for: a change or exception decision never carries
    them. Governed paths have their own rules; a commit that is no decision is
    `history.unaccounted`, whatever it changes."""
    return [
        Finding(
            "policy.undecided-change",
            entry.sha,
            path,
            "a policy path changed without an approved policy decision",
        )
        for change in entry.changes
        for path in dict.fromkeys(p for p in (change.path, change.old_path) if p)
        if is_policy_path(path) and not is_governed(path) and path not in accounted
    ]


class PolicyDecisionCheck(MergeCheck):
    """The checks of one policy-decision merge; `run()` fills `result`."""

    record_kind: records.RecordKind = "PolicyDecision"

    def run(self) -> CommitResult:
        if not self.check_shape():
            return self.result
        trailers = policy_from_message(self.header.message)
        record_path = self.record_path(trailers.record if trailers else None, "policy")
        if record_path is None:
            return self.result
        loaded = self._record(record_path, trailers)
        if loaded is None:
            return self.result
        record, record_sha = loaded
        if trailers is not None:
            for key, have, want in differences(trailers, of_policy_decision(record, record_sha, record_path)):
                self.find(
                    "trailers.mismatch", record_path, f"{key} says {have!r} but the record has {want!r}"
                )
        landed = self._paths(record, record_path)
        restored = [p.path for p in record.paths] if record.outcome == "rejected" else []
        reviewed = self.review_structure(record.id, record_path, restored)
        self._approvals(record, record_path, reviewed)
        if record.outcome == "approved" and landed:
            self.result.policy_accounted |= set(landed)
            self.result.accounted |= set(landed)
        return self.result

    def _record(self, path: str, trailers: PolicyTrailers | None) -> tuple[PolicyDecision, str] | None:
        said = ChainLink(trailers.record_sha256, none_if_none(trailers.previous)) if trailers else None
        loaded = self.added_record(path, said, PolicyDecision, "decisions/policy/<yyyy-mm>/<id>.yaml")
        if loaded is None:
            return None
        record: PolicyDecision = loaded.model
        if record.paths_sha256 != policy_changes.paths_sha256(record.paths):
            self.find("policy.paths-mismatch", path, "paths_sha256 is not the hash of the recorded paths")
        return record, loaded.sha256

    def _paths(self, record: PolicyDecision, record_path: str) -> list[str]:
        """What the merge brings must be what the record lists (approved) or nothing (rejected)."""
        landed = brought(self.entry.changes, record_path)
        if record.outcome == "rejected":
            for path in sorted(landed):
                self.find(
                    "policy.rejected-landed", path, "a rejected policy change must bring only its record"
                )
            return []
        for problem in policy_changes.differences(record.paths, landed):
            self.find("policy.paths-mismatch", record_path, problem)
        return sorted(landed)

    def _approvals(self, record: PolicyDecision, record_path: str, reviewed: object) -> None:
        if not outcome_allowed("policy", record.outcome):
            self.find("outcome.invalid", record_path, f"{record.outcome} for a policy change")
        base_tree = self.store.commit(self.header.parents[0]).tree
        author = record.pull_request.author if record.pull_request else None
        ctx = ApprovalContext(
            bot=self.bot,
            pr_author=author,
            requester=None,
            owners=self.owners(base_tree, record_path),
            reviewable=reviewed,  # type: ignore[arg-type]
            document_sha256=record.paths_sha256,
            document="paths",
            membership=record.membership,
            authors=record.authors,
        )
        team_approvers: dict[str, set[str]] = {}
        counted = 0
        for approval in record.approvals:
            problems = approval_problems(approval, ctx)
            for rule, message in problems:
                self.find(rule, record_path, message)
            if not problems:
                counted += 1
                team_approvers.setdefault(approval.team.lstrip("@").lower(), set()).add(
                    approval.login.lower()
                )
        if record.outcome == "approved":
            for rule, needed in unmet(
                "policy", counted, owning_teams(ctx.owners), team_approvers=team_approvers
            ):
                self.find(rule, record_path, f"policy change approved without {needed}")
