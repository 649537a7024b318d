"""Verify one exception-decision merge: security approved (or rejected) an accepted-risk exception.

The engine merges an exception PR with an `ExceptionDecision` record at
`decisions/exceptions/<yyyy-mm>/<id>.yaml` and `bot.domain.rules.trailers.ExceptionTrailers` on the
merge. Such
a merge adds exactly the exception file and its record; approvals come from a team owning the
exception's path in the base commit's CODEOWNERS; an approved exception expires after its decision
and at most MAX_EXCEPTION_DAYS after it. Only an exception with an approved decision at a change's
base commit may be relied on (`approved_exception`). Pure: reads only an ObjectStore.
"""

from __future__ import annotations

from functools import partial

from bot.domain.errors import InputError
from bot.domain.git_objects import REGULAR_FILE, TREE, ObjectStore, lookup
from bot.domain.layout import classify
from bot.domain.models import ExceptionDecision, ExceptionRecord
from bot.domain.placement import placement_problems
from bot.domain.rules import records
from bot.domain.rules.approval import unmet
from bot.domain.rules.exception_window import MAX_EXCEPTION_DAYS, window_problem
from bot.domain.rules.trailers import (
    ExceptionTrailers,
    differences,
    exception_from_message,
    of_exception_decision,
)
from bot.services.audit.merge_check import (
    ApprovalContext,
    ChainLink,
    CommitResult,
    ExceptionUse,
    Memo,
    MergeCheck,
    decision_row,
    load,
    none_if_none,
    owning_teams,
    problems_text,
)


def locate(store: ObjectStore, tree: str, directory: str, item_id: str) -> tuple[str, str] | None:
    """(path, blob id) of `<directory>/<yyyy-mm>/<item_id>.yaml` in a tree, whatever the month."""
    top = lookup(store, tree, directory)
    if top is None or top.mode != TREE:
        return None
    for month in store.tree(top.oid):
        if month.mode == TREE:
            for item in store.tree(month.oid):
                if item.name == f"{item_id}.yaml" and item.mode == REGULAR_FILE:
                    return f"{directory}/{month.name}/{item.name}", item.oid
    return None


def approved_exception(
    store: ObjectStore, memo: Memo, base_tree: str, exception_id: str, exception_sha256: str
) -> str | None:
    """None when the base commit holds an approved decision on exactly this exception; else why not."""
    located = locate(store, base_tree, "decisions/exceptions", exception_id)
    if located is None:
        return f"{exception_id} has no exception decision at the base; it was never approved"
    path, oid = located
    try:
        loaded = memo.get(
            "exception-decision",
            oid,
            partial(lambda o, p: load(store.blob(o), p, ExceptionDecision), oid, path),
        )
    except InputError as exc:
        return f"its decision {path} cannot be parsed: {problems_text(exc)}"
    decision: ExceptionDecision = loaded.model
    if decision.outcome != "approved":
        return f"its decision {path} is {decision.outcome}"
    if decision.exception.sha256 != exception_sha256:
        return f"{path} approved another version of it (sha256 {decision.exception.sha256})"
    return None


class ExceptionDecisionCheck(MergeCheck):
    """The checks of one exception-decision merge; `run()` fills `result`."""

    record_kind: records.RecordKind = "ExceptionDecision"

    def run(self) -> CommitResult:
        if not self.check_shape():
            return self.result
        trailers = exception_from_message(self.header.message)
        record_path = self.record_path(trailers.record if trailers else None, "exception")
        if record_path is None:
            return self.result
        loaded = self._record(record_path, trailers)
        if loaded is None:
            return self.result
        record, record_sha = loaded
        exception = self._exception(record, record_path)
        if trailers is not None:
            self._trailers_agree(trailers, record, record_sha, record_path)
        self._unexpected_changes(record, record_path)
        self._expiry(record, record_path)
        reviewed = self.review_structure(record.exception_id, record_path)
        base_tree = self.store.commit(self.header.parents[0]).tree
        ctx = ApprovalContext(
            bot=self.bot,
            pr_author=record.pull_request.author if record.pull_request else None,
            requester=exception.requested_by if exception else None,
            owners=self.owners(base_tree, record.exception.path) if record.approvals else [],
            reviewable=reviewed,
            document_sha256=record.exception.sha256,
            document="exception",
            membership=record.membership,
            authors=record.authors,
        )
        counted = self.count_approvals(record.approvals, ctx, record_path)
        if record.outcome == "approved":
            owning = owning_teams(ctx.owners)
            for rule, needed in unmet("exception", counted, owning):
                self.find(rule, record_path, f"exception approved without {needed}")
        if record.outcome == "approved" and record.decided_at is not None:
            self.result.approved_exception = ExceptionUse(
                record.exception_id, record.decided_at, record.expires_at
            )
        self.result.row = decision_row(record, self.entry.sha)
        return self.result

    def _record(self, path: str, trailers: ExceptionTrailers | None) -> tuple[ExceptionDecision, str] | None:
        said = ChainLink(trailers.record_sha256, none_if_none(trailers.previous)) if trailers else None
        loaded = self.added_record(path, said, ExceptionDecision, "decisions/exceptions/<yyyy-mm>/<id>.yaml")
        return None if loaded is None else (loaded.model, loaded.sha256)

    def _exception(self, record: ExceptionDecision, record_path: str) -> ExceptionRecord | None:
        path = record.exception.path
        change = self.added.get(path)
        if change is None or change.new_mode != REGULAR_FILE:
            self.find(
                "exception-decision.exception-not-added",
                path,
                "the exception decision's merge does not add this exception as a regular file",
            )
            return None
        self.result.accounted.add(path)
        try:
            loaded = load(self.store.blob(change.new_oid), f"{self.entry.sha[:12]}:{path}", ExceptionRecord)
        except InputError as exc:
            self.find("exception.unparseable", path, problems_text(exc))
            return None
        exception: ExceptionRecord = loaded.model
        if loaded.sha256 != record.exception.sha256:
            self.find(
                "exception-decision.hash-mismatch",
                path,
                f"hashes to {loaded.sha256}, record says {record.exception.sha256}",
            )
        if exception.expires_at != record.expires_at:
            self.find(
                "exception-decision.hash-mismatch",
                path,
                f"expires {exception.expires_at.isoformat()}, record says {record.expires_at.isoformat()}",
            )
        governed = classify(path)
        if governed is not None:
            for problem in placement_problems(governed, exception):
                self.find("exception-decision.misplaced", path, problem)
        if exception.id != record.exception_id:
            self.find(
                "exception-decision.misplaced",
                path,
                f"holds {exception.id}, record is for {record.exception_id}",
            )
        record_month = classify(record_path)
        if record_month is not None and governed is not None and record_month.month != governed.month:
            self.find(
                "record.misplaced",
                record_path,
                f"month {record_month.month} but the exception is under {governed.month}",
            )
        return exception

    def _trailers_agree(
        self, said: ExceptionTrailers, r: ExceptionDecision, record_sha: str, path: str
    ) -> None:
        for key, have, want in differences(said, of_exception_decision(r, record_sha, path)):
            self.find("trailers.mismatch", path, f"{key} says {have!r} but the record has {want!r}")

    def _unexpected_changes(self, record: ExceptionDecision, record_path: str) -> None:
        allowed = {record.exception.path, record_path}
        for change in self.entry.changes:
            if change.status != "A" or change.path not in allowed:
                self.find(
                    "exception-decision.unexpected-change",
                    change.path,
                    f"an exception decision may add only the exception and its record ({change.status})",
                )

    def _expiry(self, record: ExceptionDecision, record_path: str) -> None:
        decided = record.decided_at
        if record.outcome != "approved" or decided is None:
            return
        window = window_problem(record.expires_at, decided)
        if window == "not-after-approval":
            self.find(
                "exception-decision.expiry",
                record_path,
                f"expires {record.expires_at.isoformat()}, not after its decision {decided.isoformat()}",
            )
        elif window == "too-long":
            self.find(
                "exception-decision.expiry",
                record_path,
                f"expires {record.expires_at.isoformat()}, more than {MAX_EXCEPTION_DAYS} days after "
                f"its decision {decided.isoformat()}",
            )
