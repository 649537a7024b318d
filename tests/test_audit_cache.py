"""The incremental cache skips work, never findings, and is keyed by commit and audit code."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters import audit_cache as cache
from bot.adapters.environment import bot_identity
from bot.services.audit.stats import Stats
from tests.audit_helpers import audit_repo, rules_of
from tests.repo_builder import MONTH, OUTSIDER, RepoBuilder, Tweak, honest_history

PUSHED = {"governed.modified", "history.unaccounted"}  # what a direct push of an edited pack is


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
    assert rules_of(first.findings) == rules_of(later.findings) == PUSHED


def test_a_cache_from_other_audit_code_is_not_used(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    git_dir = honest.root / ".git"
    state = cache.load(git_dir, cache.fingerprint(bot_identity({})), Stats.from_dict)
    assert state is not None
    cache.save(git_dir, "0" * 64, replace(state, findings=[]))  # sealed, but by other audit code
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    report = audit_repo(honest.root, cache=True)
    assert report.checked == report.commits == 6
    assert rules_of(report.findings) == PUSHED


@pytest.fixture
def tampered(honest: RepoBuilder) -> RepoBuilder:
    """A history with one finding, audited once so that a cache exists for its tip."""
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    assert rules_of(audit_repo(honest.root, cache=True).findings) == PUSHED
    return honest


def test_a_cache_planted_in_the_clone_removes_no_finding(tampered: RepoBuilder) -> None:
    git_dir = tampered.root / ".git"
    state = cache.load(git_dir, cache.fingerprint(bot_identity({})), Stats.from_dict)
    assert state is not None
    planted = {
        "schema": 1,
        "fingerprint": cache.fingerprint(bot_identity({})),
        "head": state.head,
        "commits": state.commits,
        "newest_record": state.newest_record,
        "findings": [],
        "stats": state.stats.as_dict(),
    }
    (git_dir / "cab-audit-cache.json").write_text(json.dumps(planted))
    cache.location(git_dir).unlink()  # only the planted file is left
    report = audit_repo(tampered.root, cache=True)
    assert report.checked == report.commits
    assert rules_of(report.findings) == PUSHED


def test_a_state_planted_in_the_cache_directory_before_any_audit_is_ignored(honest: RepoBuilder) -> None:
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    tip = honest.commit("tamper", who=OUTSIDER)
    git_dir = honest.root / ".git"
    body = json.dumps(
        {
            "schema": cache.SCHEMA,
            "fingerprint": cache.fingerprint(bot_identity({})),
            "head": tip,
            "commits": 6,
            "newest_record": None,
            "findings": [],
            "stats": Stats().as_dict(),
        },
        sort_keys=True,
    )
    planted = cache.location(git_dir)
    planted.parent.mkdir(parents=True)
    planted.write_text(json.dumps({"body": body, "hmac": "0" * 64}))  # sealed with a key nobody holds
    for _ in range(2):  # before the key exists, and after the first audit made it
        report = audit_repo(honest.root, cache=True)
        assert report.checked == report.commits
        assert rules_of(report.findings) == PUSHED
        planted.write_text(json.dumps({"body": body, "hmac": "0" * 64}))


def test_a_cache_edited_without_its_key_is_ignored(tampered: RepoBuilder) -> None:
    target = cache.location(tampered.root / ".git")
    sealed = json.loads(target.read_text())
    body = json.loads(sealed["body"])
    body["findings"] = []
    target.write_text(json.dumps({"body": json.dumps(body, sort_keys=True), "hmac": sealed["hmac"]}))
    report = audit_repo(tampered.root, cache=True)
    assert report.checked == report.commits
    assert rules_of(report.findings) == PUSHED


def test_a_cache_copied_from_another_clone_is_ignored(tampered: RepoBuilder, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    tampered.git("clone", "-q", str(tampered.root), str(clone))
    copied = cache.location(clone / ".git")
    copied.parent.mkdir(parents=True)
    copied.write_bytes(cache.location(tampered.root / ".git").read_bytes())
    report = audit_repo(clone, cache=True)
    assert report.checked == report.commits


def test_the_cache_and_its_key_live_outside_the_repository(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    stored = cache.location(honest.root / ".git")
    assert stored.is_file() and (cache.cache_root() / cache.KEY_FILE).stat().st_mode & 0o077 == 0
    assert honest.root.resolve() not in stored.resolve().parents


def test_rewritten_history_falls_back_to_a_full_audit(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    honest.git("reset", "-q", "--hard", "HEAD~1")
    honest.write(f"evidence/{MONTH}/identity-gw-1.yaml", "tampered\n")
    honest.commit("tamper", who=OUTSIDER)
    report = audit_repo(honest.root, cache=True)
    assert report.checked == report.commits == 5
    assert rules_of(report.findings) == PUSHED | {"history.rewritten"}  # the first audit's tip is gone


def test_the_fingerprint_covers_the_bot_identity() -> None:
    from bot.domain.identity import BotIdentity

    assert cache.fingerprint(BotIdentity("a", "a@x")) != cache.fingerprint(BotIdentity("b", "b@x"))


def test_an_unreadable_cache_is_ignored(honest: RepoBuilder) -> None:
    audit_repo(honest.root, cache=True)
    cache.location(honest.root / ".git").write_text("{not json")
    report = audit_repo(honest.root, cache=True)
    assert report.checked == 5
