"""The incremental cache skips work, never findings, and is keyed by commit and audit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters import audit_cache as cache
from tests.audit_helpers import audit_repo, rules_of
from tests.repo_builder import MONTH, OUTSIDER, RepoBuilder, Tweak, honest_history


@pytest.fixture
def honest(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    return builder


def test_a_rerun_on_the_same_tip_checks_nothing_again(honest: RepoBuilder) -> None:
    first = audit_repo(honest.root, cache=True)
    again = audit_repo(honest.root, cache=True)
    assert (first.checked, again.checked) == (5, 0)
    assert again.findings == first.findings == []
    assert again.stats.as_dict() == first.stats.as_dict()


def test_only_new_commits_are_checked_and_the_chain_links_onto_the_cache(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    honest.decide("payments-api-2", "low")
    honest.decide("payments-api-3", "low")
    report = audit_repo(honest.root, cache=True)
    assert (report.checked, report.commits) == (2, 7)
    assert report.findings == []
    assert report.stats.decisions == 5


def test_a_broken_link_to_the_cached_chain_is_found(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    honest.decide("payments-api-2", "low", Tweak(previous=None))
    assert rules_of(audit_repo(honest.root, cache=True).findings) == {"chain.broken"}


def test_cached_findings_are_reported_again(honest: RepoBuilder) -> None:
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    first = audit_repo(honest.root, cache=True)
    honest.decide("payments-api-2", "low")
    later = audit_repo(honest.root, cache=True)
    assert later.checked == 1
    assert rules_of(first.findings) == rules_of(later.findings) == {"governed.modified"}


def test_a_cache_from_other_audit_code_is_not_used(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    path = honest.root / ".git" / cache.CACHE_FILE
    data = json.loads(path.read_text())
    data["fingerprint"] = "0" * 64
    data["findings"] = []
    path.write_text(json.dumps(data))
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    report = audit_repo(honest.root, cache=True)
    assert report.checked == report.commits == 6
    assert rules_of(report.findings) == {"governed.modified"}


def test_rewritten_history_falls_back_to_a_full_audit(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    honest.git("reset", "-q", "--hard", "HEAD~1")
    honest.write(f"evidence/{MONTH}/identity-gw-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    report = audit_repo(honest.root, cache=True)
    assert report.checked == report.commits == 5
    assert rules_of(report.findings) == {"governed.modified"}


def test_the_fingerprint_covers_the_bot_identity() -> None:
    from bot.domain.identity import BotIdentity

    assert cache.fingerprint(BotIdentity("a", "a@x")) != cache.fingerprint(BotIdentity("b", "b@x"))


def test_an_unreadable_cache_is_ignored(honest: RepoBuilder) -> None:
    (honest.root / ".git" / cache.CACHE_FILE).write_text("{not json")
    report = audit_repo(honest.root, cache=True)
    assert report.checked == 5
