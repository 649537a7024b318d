"""Walk the first-parent chain (newest first, as git streams it) and collect findings. Pure.

Order comes only from the commit graph: the chain check links each decision to the next older
one seen in the stream, never to dates. Every per-commit check depends only on that commit and
the objects it names, which is what makes caching by commit sha sound. Commits are checked one
by one, but the objects a batch of them will read are asked for together first (`warm`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from bot.domain.findings import Finding
from bot.domain.git_objects import TREE, LogEntry, ObjectStore
from bot.domain.identity import BotIdentity
from bot.domain.layout import RECORD_KINDS, SIGNERS_PATH, classify
from bot.domain.rules import chain
from bot.domain.rules.history import STRICT, HistoryPolicy, signers_unaccounted, unaccounted
from bot.services.audit.decision_check import (
    ChainLink,
    CommitResult,
    Memo,
    check_decision,
    is_decision_candidate,
)
from bot.services.audit.governed_changes import change_findings, touches_governed
from bot.services.audit.merge_check import WALK
from bot.services.audit.policy_decision_check import undecided_policy_changes
from bot.services.audit.stats import Stats

UNKNOWN: object = object()
BATCH = 64  # first-parent commits whose objects are asked for together
_POLICY_DIRECTORIES = ("risk-model", ".github", "policy")


@dataclass
class AuditResult:
    """Findings oldest first, the newest decision's record sha, and chart aggregates."""

    head: str | None = None
    commits: int = 0
    findings: list[Finding] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    newest_record: str | None = None  # record sha256 of the newest decision, for chaining on
    oldest_commit: str | None = None
    oldest_first_parent: str | None = None  # where the walk stopped (None: reached the root)
    has_decisions: bool = False
    start_found: bool = False  # the history policy's start was met on the walk


def check_commit(entry: LogEntry, store: ObjectStore, bot: BotIdentity, memo: Memo) -> CommitResult:
    """All findings of one first-parent commit."""
    governed = [c for c in entry.changes if touches_governed(c)]
    result = CommitResult()
    if len(entry.parents) >= 2:
        header = store.commit(entry.sha)
        if is_decision_candidate(entry, header):
            result = check_decision(entry, header, store, bot, memo)
            # any other commit is `history.unaccounted` already, whatever it changes
            result.findings += undecided_policy_changes(entry, result.policy_accounted)
    for change in governed:
        if change.status == "A" and change.path in result.accounted:
            continue
        finding = change_findings(entry, change)
        if finding is not None:
            result.findings.append(finding)
    result.findings += _signers_changed(entry, store, bot)
    return result


def _signers_changed(entry: LogEntry, store: ObjectStore, bot: BotIdentity) -> list[Finding]:
    """A change of who signs for the bot after the file's first version (anything but its
    addition) that is no approved policy decision: on every first-parent commit, accepted or
    before the start alike (`history.signers_unaccounted` says why)."""
    touched = any(
        SIGNERS_PATH in (c.path, c.old_path) and not (c.status == "A" and c.path == SIGNERS_PATH)
        for c in entry.changes
    )
    why = signers_unaccounted(entry, store.commit(entry.sha), bot) if touched and entry.parents else None
    return [] if why is None else [Finding("policy.signers-undecided", entry.sha, SIGNERS_PATH, why)]


def audit(
    entries: Iterable[LogEntry],
    store: ObjectStore,
    bot: BotIdentity,
    *,
    chain_start: str | object | None = None,
    history: HistoryPolicy = STRICT,
) -> AuditResult:
    """Audit first-parent entries given newest first.

    `chain_start` is the record sha256 the oldest decision seen must point back to: None when the
    walk reaches the root (the first decision ever has no previous), a cached newest record when
    continuing an earlier audit, or UNKNOWN when the walk starts mid-history (`--since`).
    `history` says which first-parent commits need no decision merge: its start and what is older.
    """
    out = AuditResult()
    memo = Memo()
    found: list[tuple[int, Finding]] = []  # (position from the newest commit, finding)
    newer: tuple[int, str, ChainLink] | None = None  # the newer decision the next one must link to
    for position, entry in enumerate(_warmed(entries, store)):
        if out.head is None:
            out.head = entry.sha
        out.commits += 1
        out.oldest_commit = entry.sha
        out.oldest_first_parent = entry.parents[0] if entry.parents else None
        if entry.sha == history.start:
            out.start_found = True
        result = check_commit(entry, store, bot, memo)
        found += [(position, finding) for finding in result.findings]
        if not out.start_found and (why := unaccounted(entry, store.commit(entry.sha), bot, history)):
            found.append((position, Finding("history.unaccounted", entry.sha, None, why)))
        if result.decision is not None:
            out.stats.add(result.decision)
        if result.approved_exception is not None:
            out.stats.add_exception(result.approved_exception)
        if result.row is not None:
            out.stats.add_row(result.row)
        if result.retro_approval is not None:
            change_id, when = result.retro_approval
            out.stats.retro_approvals[change_id] = when
        if result.link is not None:
            out.has_decisions = True
            if newer is None:
                out.newest_record = result.link.record_sha256
            else:
                found += _link(newer, result.link.record_sha256)
            newer = (position, entry.sha, result.link)
    if newer is not None and chain_start is not UNKNOWN:
        found += _link(newer, chain_start)  # type: ignore[arg-type]
    found.sort(key=lambda item: -item[0])  # stable: a commit's findings keep their order
    out.findings = [finding for _position, finding in found]
    return out


def _link(newer: tuple[int, str, ChainLink], older_record: str | None) -> list[tuple[int, Finding]]:
    position, commit, link = newer
    message = chain.broken_link(link.previous, older_record)
    return [] if message is None else [(position, Finding("chain.broken", commit, None, message))]


# -- asking for objects ahead of the checks -------------------------------------------------------


def _warmed(entries: Iterable[LogEntry], store: ObjectStore) -> Iterator[LogEntry]:
    """The entries, each batch of them warmed before it is checked."""
    stream = iter(entries)
    while batch := list(islice(stream, BATCH)):
        warm(batch, store)
        yield from batch


def _adds_record(entry: LogEntry) -> bool:
    return len(entry.parents) == 2 and any(
        c.status == "A" and (g := classify(c.path)) is not None and g.kind in RECORD_KINDS
        for c in entry.changes
    )


def warm(batch: list[LogEntry], store: ObjectStore) -> None:
    """Ask for what the checks of a batch will read, in one round trip per stage for the whole batch.

    Only an optimisation: every read works without it, and nothing here decides anything. The first
    stage asks for what the log names (merge commits, their parents, the governed blobs they add,
    what each PR head changes); each later stage for what the answers name (the base commit's
    policy trees, the next commit of each PR's walk back to its base), so commits never wait on
    each other.
    """
    decisions = [e for e in batch if _adds_record(e)]
    added = [c.new_oid for e in decisions for c in e.changes if c.status == "A" and touches_governed(c)]
    parents = [p for e in decisions for p in e.parents]
    store.prefetch(
        [*(e.sha for e in batch if len(e.parents) >= 2), *parents, *added],
        changes_of=[e.parents[1] for e in decisions],
    )
    stages = [stage for e in decisions for stage in (_base_trees(e, store), _walk(e, store))]
    while stages:
        wanted: list[str] = []
        going = []
        for stage in stages:
            try:
                step = next(stage, None)
            except KeyError:  # a missing object: the checks themselves will meet it
                step = None
            if step is not None:
                wanted += step
                going.append(stage)
        store.prefetch(wanted)
        stages = going


def _base_trees(entry: LogEntry, store: ObjectStore) -> Iterator[list[str]]:
    """The base commit's tree, then the directories the checks look up there (model, CODEOWNERS)."""
    base = store.commit(entry.parents[0])
    yield [base.tree]
    yield [e.oid for e in store.tree(base.tree) if e.mode == TREE and e.name in _POLICY_DIRECTORIES]


def _walk(entry: LogEntry, store: ObjectStore) -> Iterator[list[str]]:
    """Each commit `merges.unexplained_merge_paths` reads walking from the PR head to the base."""
    first, sha = entry.parents[0], entry.parents[1]
    for _ in range(WALK):
        commit = store.commit(sha)
        if first in commit.parents or len(commit.parents) != 1:
            return
        sha = commit.parents[0]
        yield [sha]
