"""Orchestrate one audit: resolve revisions, check the anchor, use the cache, run the core."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters import audit_cache as cache
from bot.adapters import progress
from bot.adapters.git.object_store import AuditRefused, GitRepository
from bot.domain.findings import Finding
from bot.domain.git_objects import LogEntry
from bot.domain.identity import BotIdentity
from bot.services.audit.auditor import UNKNOWN, AuditResult, audit
from bot.services.audit.history_check import TipPolicy, read_policy, start_not_found
from bot.services.audit.stats import Stats

if TYPE_CHECKING:  # the online module imports the GitHub client: only loaded for --online
    from bot.services.audit.online import Facts, Note


@dataclass(frozen=True)
class AuditOptions:
    root: Path
    bot: BotIdentity
    ref: str = "HEAD"
    since: str | None = None
    anchor: str | None = None
    use_cache: bool = True
    online: Facts | None = None  # cross-check reviews and teams with GitHub (`cab audit --online`)


@dataclass
class AuditReport:
    """Everything a report renders."""

    head: str
    since: str | None
    anchor: str | None
    commits: int  # first-parent commits covered
    checked: int  # of which checked in this run (the rest came from the cache)
    findings: list[Finding] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    notes: list[Note] = field(default_factory=list)  # information only; never affects `ok`
    online: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings


def run(options: AuditOptions) -> AuditReport:
    with GitRepository(options.root) as repo:
        head = repo.resolve(options.ref)
        tip = read_policy(repo, head)
        if options.since is not None:
            stop = repo.resolve(options.since)
            result = audit(
                _shown(repo.first_parent_log(head, stop)),
                repo,
                options.bot,
                chain_start=UNKNOWN,
                history=tip.policy,
            )
            report = _report(head, options, result.commits, result.commits, result.findings, result.stats)
            start = tip.policy.start
            if start is not None and not result.start_found and not _older(repo, start, stop):
                report.findings.append(start_not_found(head, start))
        else:
            report = _cached_run(repo, head, options, tip)
        report.findings[:0] = tip.findings
        report.findings += _anchor_findings(repo, head, options.anchor)
        if options.online is not None:
            _online(repo, head, options, report)
        return report


def _shown(entries: Iterable[LogEntry]) -> Iterator[LogEntry]:
    """The commits, counted on a terminal as the audit goes (quiet in CI)."""
    return progress.counting(entries, "auditing first-parent commits")


def _online(repo: GitRepository, head: str, options: AuditOptions, report: AuditReport) -> None:
    """After the offline audit (and its cache), the same range again for the GitHub cross-check."""
    from bot.services.audit.online import cross_check

    assert options.online is not None
    stop = repo.resolve(options.since) if options.since is not None else None
    result = cross_check(repo.first_parent_log(head, stop), repo, options.online)
    report.findings += result.findings
    report.notes += result.notes
    report.online = True


def _report(
    head: str, options: AuditOptions, commits: int, checked: int, findings: list[Finding], stats: Stats
) -> AuditReport:
    return AuditReport(head, options.since, options.anchor, commits, checked, list(findings), stats)


def _older(repo: GitRepository, start: str, stop: str) -> bool:
    """Whether `start` is a commit at or before `stop`, where a `--since` walk ended."""
    return repo.exists(start) and repo.is_ancestor(start, stop)


def _cached_run(repo: GitRepository, head: str, options: AuditOptions, tip: TipPolicy) -> AuditReport:
    key = tip.cache_key(cache.fingerprint(options.bot))
    git_dir = repo.git_dir()
    state = cache.load(git_dir, key, Stats.from_dict) if options.use_cache else None
    if state is not None and state.head == head:
        return _report(head, options, state.commits, 0, state.findings, state.stats)
    if state is not None and repo.is_ancestor(state.head, head):
        new = audit(
            _shown(repo.first_parent_log(head, state.head)),
            repo,
            options.bot,
            chain_start=state.newest_record,
            history=tip.policy,  # its start is older than the cached tip, whose audit judged it
        )
        if new.oldest_first_parent == state.head:  # the cached tip is on the first-parent chain
            stats = Stats.from_dict(state.stats.as_dict())
            stats.merge(new.stats)
            combined = cache.CachedState(
                head=head,
                commits=state.commits + new.commits,
                newest_record=new.newest_record if new.has_decisions else state.newest_record,
                findings=state.findings + new.findings,
                stats=stats,
            )
            _save(options, git_dir, key, combined)
            return _report(head, options, combined.commits, new.commits, combined.findings, stats)
    full: AuditResult = audit(
        _shown(repo.first_parent_log(head)), repo, options.bot, chain_start=None, history=tip.policy
    )
    if tip.policy.start is not None and not full.start_found:
        full.findings.append(start_not_found(head, tip.policy.start))
    _save(
        options,
        git_dir,
        key,
        cache.CachedState(head, full.commits, full.newest_record, full.findings, full.stats),
    )
    return _report(head, options, full.commits, full.commits, full.findings, full.stats)


def _save(options: AuditOptions, git_dir: Path, key: str, state: cache.CachedState[Stats]) -> None:
    if options.use_cache:
        with contextlib.suppress(OSError):  # a read-only clone can be audited, only not incrementally
            cache.save(git_dir, key, state)


def _anchor_findings(repo: GitRepository, head: str, anchor: str | None) -> list[Finding]:
    if anchor is None:
        return []
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", anchor):
        raise AuditRefused(f"--anchor {anchor!r} is not a commit id")
    try:
        resolved = repo.resolve(anchor)
    except AuditRefused:
        return [
            Finding("anchor.not-ancestor", head, None, f"anchor {anchor} no longer exists in the repository")
        ]
    if not repo.is_ancestor(resolved, head):
        return [Finding("anchor.not-ancestor", head, None, f"anchor {resolved} is not an ancestor of {head}")]
    return []
