"""Orchestrate one audit: resolve revisions, check the anchor, use the cache, run the core."""

from __future__ import annotations

import contextlib
import datetime as dt
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
from bot.services.audit import known_tips
from bot.services.audit.auditor import UNKNOWN, AuditResult, audit
from bot.services.audit.history_check import TipPolicy, read_policy, start_not_found
from bot.services.audit.ranges import audit_in_parallel
from bot.services.audit.retro_overdue import overdue_findings
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
    remember: bool = True  # check and keep the branch's known tip outside the repository
    now: dt.datetime | None = None  # when the audit ran, for the remembered tip (default: the clock)
    jobs: int = 1  # processes for a full audit (`cab audit --jobs`; see ranges.py)


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
    chain_head: str | None = None  # the newest decision's record sha256 (None: none, or --since)
    root: str | None = None  # the root commit of the audited first-parent line
    audited_at: str | None = None

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
        report.findings += overdue_findings(report.stats, options.now or dt.datetime.now(dt.UTC))
        report.findings += _anchor_findings(repo, head, options.anchor)
        _known_tip(repo, head, options, report)
        if options.online is not None:
            _online(repo, head, options, report)
        return report


def _shown(entries: Iterable[LogEntry]) -> Iterator[LogEntry]:
    """The commits, counted on a terminal as the audit goes (quiet in CI)."""
    return progress.counting(entries, "auditing first-parent commits")


def _known_tip(repo: GitRepository, head: str, options: AuditOptions, report: AuditReport) -> None:
    """Refuse to go back on a tip an earlier audit verified; then remember this one."""
    report.audited_at = (options.now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    branch = known_tips.branch_of(repo, options.ref, head) if options.remember else None
    report.root = branch.root if branch else repo.first_parent_root(head)
    if branch is None:
        return
    rewritten = known_tips.check(repo, head, branch)
    report.findings += rewritten
    if not rewritten:
        known_tips.remember(head, branch, report.audited_at)


def _online(repo: GitRepository, head: str, options: AuditOptions, report: AuditReport) -> None:
    """After the offline audit (and its cache), the same range again for the GitHub cross-check."""
    from bot.services.audit.online import cross_check, last_push_notes

    assert options.online is not None
    stop = repo.resolve(options.since) if options.since is not None else None
    report.notes += last_push_notes(options.online, repo.branch_of(options.ref), head)
    result = cross_check(repo.first_parent_log(head, stop), repo, options.online)
    report.findings += result.findings
    report.notes += result.notes
    report.findings += _pull_findings(repo, head, options.ref, options.online)
    report.online = True


def _pull_findings(repo: GitRepository, head: str, ref: str, facts: Facts) -> list[Finding]:
    """Every merged pull request against every decision merge of the whole first-parent line."""
    from bot.services.audit import closed_pulls

    merges = list(closed_pulls.decision_merges(repo.first_parent_log(head), repo))
    return closed_pulls.compare(head, _branch(repo, ref), merges, facts.closed_pulls())


def _branch(repo: GitRepository, ref: str) -> str | None:
    """The audited branch's name as GitHub knows it (`main` for refs/heads/main or origin/main)."""
    name = repo.branch_name(ref)
    if name is None:
        return None
    parts = name.split("/")
    return "/".join(parts[3:] if parts[1] == "remotes" else parts[2:]) or None


def _report(
    head: str,
    options: AuditOptions,
    commits: int,
    checked: int,
    findings: list[Finding],
    stats: Stats,
    chain_head: str | None = None,
) -> AuditReport:
    report = AuditReport(head, options.since, options.anchor, commits, checked, list(findings), stats)
    report.chain_head = chain_head
    return report


def _older(repo: GitRepository, start: str, stop: str) -> bool:
    """Whether `start` is a commit at or before `stop`, where a `--since` walk ended."""
    return repo.exists(start) and repo.is_ancestor(start, stop)


def _cached_run(repo: GitRepository, head: str, options: AuditOptions, tip: TipPolicy) -> AuditReport:
    key = tip.cache_key(cache.fingerprint(options.bot))
    git_dir = repo.git_dir()
    state = cache.load(git_dir, key, Stats.from_dict) if options.use_cache else None
    if state is not None and state.head == head:
        return _report(head, options, state.commits, 0, state.findings, state.stats, state.newest_record)
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
            return _report(
                head, options, combined.commits, new.commits, combined.findings, stats, combined.newest_record
            )
    full: AuditResult = (
        audit_in_parallel(repo, head, options.bot, options.jobs, history=tip.policy)
        if options.jobs > 1
        else audit(
            _shown(repo.first_parent_log(head)), repo, options.bot, chain_start=None, history=tip.policy
        )
    )
    if tip.policy.start is not None and not full.start_found:
        full.findings.append(start_not_found(head, tip.policy.start))
    _save(
        options,
        git_dir,
        key,
        cache.CachedState(head, full.commits, full.newest_record, full.findings, full.stats),
    )
    return _report(head, options, full.commits, full.commits, full.findings, full.stats, full.newest_record)


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
