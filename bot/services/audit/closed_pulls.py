"""`cab audit --online`, part two: GitHub's list of merged pull requests against the decisions in git.

Every outcome is merged, rejections too, and nothing but the bot's decision merges may land on the
default branch. So each pull request GitHub lists as merged into that branch must have its decision
merge on the first-parent line, as the very commit GitHub merged it as, and each decision merge
must be the merge of a pull request GitHub lists. A rewrite that erases a rejection, or replaces an
old decision, leaves GitHub's record behind: `online.decision-missing`. A decision nobody opened a
pull request for: `online.decision-without-pull-request`. Pure: reads an ObjectStore and values.

The whole first-parent line is compared, even with `--since`: an erased decision can be anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.findings import Finding
from bot.domain.git_objects import LogEntry, ObjectStore
from bot.domain.layout import classify
from bot.domain.models import Decision
from bot.domain.models.exception_decision import ExceptionDecision
from bot.domain.models.policy_decision import PolicyDecision

Record = Decision | ExceptionDecision | PolicyDecision
# Every record kind a decision merge adds: changes, exceptions and policy changes alike each have
# their pull request, whose merge GitHub keeps a record of.
_MODELS: dict[str, type[Record]] = {
    "Decision": Decision,
    "ExceptionDecision": ExceptionDecision,
    "PolicyDecision": PolicyDecision,
}


@dataclass(frozen=True)
class MergedPull:
    """One closed pull request as GitHub lists it (`GET /repos/{owner}/{repo}/pulls?state=closed`)."""

    number: int
    title: str
    base: str
    merged: bool  # `merged_at` is set: a pull request closed without merging made no decision
    merge_commit_sha: str | None


@dataclass(frozen=True)
class DecisionMerge:
    commit: str
    path: str
    pull_request: int | None  # None: the record names none, or cannot be read


def merged_records(
    entries: Iterable[LogEntry], store: ObjectStore
) -> Iterator[tuple[str, str, Record | None]]:
    """(merge commit, record path, record) for every decision record a first-parent merge adds,
    newest first; the record is None when it cannot be read (the offline audit reports it:
    `record.unparseable`)."""
    for entry in entries:
        if len(entry.parents) < 2:
            continue
        for change in entry.changes:
            governed = classify(change.path) if change.status == "A" else None
            if governed is None or governed.kind not in _MODELS:
                continue
            model = _MODELS[governed.kind]
            try:
                raw = store.blob(change.new_oid)
                record = documents.parse(raw, f"{entry.sha[:12]}:{change.path}", model).model
            except (KeyError, InputError):
                record = None
            yield entry.sha, change.path, record


def decision_merges(entries: Iterable[LogEntry], store: ObjectStore) -> Iterator[DecisionMerge]:
    """Every decision record a first-parent merge adds, newest first, with the PR number it names."""
    for commit, path, record in merged_records(entries, store):
        number = record.pull_request.number if record and record.pull_request else None
        yield DecisionMerge(commit, path, number)


def compare(
    head: str, branch: str | None, merges: list[DecisionMerge], pulls: Iterable[MergedPull]
) -> list[Finding]:
    """Findings oldest decision first, then GitHub's pull requests without a decision, by number.

    `branch` is the audited branch's name on GitHub; None (a detached HEAD) compares every merged
    pull request, whatever its base: the strictest reading.
    """
    merged = {p.number: p for p in pulls if p.merged and branch in (None, p.base)}
    into = branch or "any branch"
    by_number: dict[int, list[DecisionMerge]] = {}
    for merge in merges:
        if merge.pull_request is not None:
            by_number.setdefault(merge.pull_request, []).append(merge)
    found: list[Finding] = []
    for merge in reversed(merges):
        pull = merged.get(merge.pull_request) if merge.pull_request is not None else None
        if pull is not None and pull.merge_commit_sha == merge.commit:
            continue
        if merge.pull_request is None:
            named = "names no pull request"
        elif pull is None:
            named = f"names PR #{merge.pull_request}, which GitHub does not list as merged into {into}"
        else:
            named = (
                f"names PR #{merge.pull_request}, which GitHub merged as {pull.merge_commit_sha}, "
                "not as this commit"
            )
        found.append(
            Finding("online.decision-without-pull-request", merge.commit, merge.path, f"the record {named}")
        )
    for number in sorted(merged):
        pull = merged[number]
        here = by_number.get(number, [])
        if any(m.commit == pull.merge_commit_sha for m in here):
            continue
        merged_as = pull.merge_commit_sha or "an unknown commit"
        if here:
            message = (
                f"PR #{number} ({pull.title}) was merged as {merged_as}, but its decision is in "
                f"{here[0].commit}, another commit: the history was rewritten after it was decided"
            )
        else:
            message = (
                f"PR #{number} ({pull.title}) was merged into {pull.base} as {merged_as}, but no decision "
                "for it is on the first-parent line: erased by a rewrite, or merged around the bot"
            )
        found.append(Finding("online.decision-missing", head, None, message))
    return found
