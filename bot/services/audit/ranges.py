"""`cab audit --jobs N`: the first-parent history cut into N ranges, audited by N processes at once.

Each range is audited exactly as the whole history would be. The chain check crosses a boundary
because each worker first finds the newest decision below its range (reading commits until one
carries a record, usually the first few) and starts its chain from that record: the link between
the two ranges is checked by the newer one, where a single pass checks it. Results are merged
newest range last, so findings come out in the same order as from one pass.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from bot.adapters.git.object_store import GitRepository
from bot.domain.identity import BotIdentity
from bot.domain.rules.history import STRICT, HistoryPolicy
from bot.services.audit.auditor import AuditResult, audit, check_commit
from bot.services.audit.decision_check import Memo
from bot.services.audit.stats import Stats

MIN_RANGE = 500  # first-parent commits; below this a second process costs more than it saves
# Linux forks, so the workers inherit the loaded modules instead of importing them again; macOS
# spawns, since a process that has touched its system frameworks (a proxy lookup of `--online`)
# may crash in a forked child.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"


@dataclass(frozen=True)
class Range:
    """Commits from `head` (included) down to `stop` (excluded; None: the root)."""

    head: str
    stop: str | None


def split(first_parents: list[str], jobs: int) -> list[Range]:
    """`jobs` ranges of about equal length, newest first, over first-parent ids given newest first."""
    jobs = max(1, min(jobs, len(first_parents) // MIN_RANGE or 1))
    size = -(-len(first_parents) // jobs)
    starts = list(range(0, len(first_parents), size))
    return [
        Range(first_parents[i], first_parents[i + size] if i + size < len(first_parents) else None)
        for i in starts
    ]


def _chain_start(repo: GitRepository, below: str | None, bot: BotIdentity) -> str | None:
    """The record sha256 of the newest decision at or below `below` (None: there is none)."""
    if below is None:
        return None
    memo = Memo()
    for entry in repo.first_parent_log(below):
        link = check_commit(entry, repo, bot, memo).link
        if link is not None:
            return link.record_sha256
    return None


def _audit_range(root: Path, part: Range, bot: BotIdentity, history: HistoryPolicy) -> AuditResult:
    with GitRepository(root) as repo:
        start = _chain_start(repo, part.stop, bot)
        log = repo.first_parent_log(part.head, part.stop)
        return audit(log, repo, bot, chain_start=start, history=history)


def _policies(parts: list[Range], first_parents: list[str], history: HistoryPolicy) -> list[HistoryPolicy]:
    """Each range's history policy: a range wholly older than the policy's start begins at its own
    head, as a single pass that has met the start on the way down would treat it."""
    if history.start is None or history.start not in first_parents:
        return [history] * len(parts)
    at = first_parents.index(history.start)
    older = [first_parents.index(part.head) > at for part in parts]
    return [history._replace(start=p.head) if o else history for p, o in zip(parts, older, strict=True)]


def merge(results: list[AuditResult]) -> AuditResult:
    """Range results, given newest first, as one result over the whole history."""
    out = AuditResult(head=results[0].head)
    out.stats = Stats()
    for result in reversed(results):  # oldest first, as the incremental cache merges
        out.commits += result.commits
        out.stats.merge(result.stats)
        out.has_decisions = out.has_decisions or result.has_decisions
        out.start_found = out.start_found or result.start_found
    out.stats.exceptions = {}
    for result in results:  # newest first, as one pass adds them: an older exception span wins
        out.stats.exceptions.update(result.stats.exceptions)
    out.findings = [finding for result in reversed(results) for finding in result.findings]  # oldest first
    newest = next((r for r in results if r.has_decisions), None)
    out.newest_record = newest.newest_record if newest else None
    out.oldest_commit = results[-1].oldest_commit
    out.oldest_first_parent = results[-1].oldest_first_parent
    return out


def audit_in_parallel(
    repo: GitRepository, head: str, bot: BotIdentity, jobs: int, *, history: HistoryPolicy = STRICT
) -> AuditResult:
    """The whole first-parent history of `head`, audited by `jobs` processes."""
    first_parents = repo.first_parents(head)
    parts = split(first_parents, jobs)
    if len(parts) == 1:
        return audit(repo.first_parent_log(head), repo, bot, chain_start=None, history=history)
    policies = _policies(parts, first_parents, history)
    with ProcessPoolExecutor(len(parts), mp_context=get_context(START_METHOD)) as pool:
        work = zip(parts, policies, strict=True)
        futures = [pool.submit(_audit_range, repo.root, part, bot, policy) for part, policy in work]
        merged = merge([future.result() for future in futures])
    merged.start_found = history.start is not None and history.start in first_parents and merged.start_found
    return merged
