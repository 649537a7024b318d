"""`cab audit --online` against the fake GitHub: its closed pull requests against the history it made.

The history is made by the lifecycle engine through `GitHubForge` on the schema-checked fake
GitHub (tests.github_fake), so GitHub's list of pull requests and the git history agree until an
attacker rewrites main: then the erased decision is found from GitHub's record alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github import Auth

from bot.adapters.forge.retry import ForgeRetry
from bot.services.audit.online import GitHubFacts
from bot.services.audit.service import AuditOptions, AuditReport, run
from tests.both_forges import MAIN, GitHubCab, make_github_cab
from tests.sandbox import HIGH, LOW, MEDIUM


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubCab]:
    yield from make_github_cab(tmp_path)


def audit_online(cab: GitHubCab) -> AuditReport:
    facts = GitHubFacts(cab.fake.repo, auth=Auth.Token("t"), retry=ForgeRetry(sleep=lambda _: None))
    facts.check_access()
    options = AuditOptions(root=cab.repository(), bot=cab.identity, ref=MAIN, use_cache=False, online=facts)
    return run(options)


def decided(cab: GitHubCab) -> tuple[int, int]:
    """A low change, a medium one approved by the CAB, then a high one rejected: (medium, high)."""
    assert cab.sync(cab.submit(LOW)).outcome == "auto_approved"
    medium = cab.submit(MEDIUM)
    assert cab.sync(medium).status == "pending"  # the pending record is the head to approve
    cab.review(medium, "bob-cab")
    assert cab.sync(medium).outcome == "approved"
    high = cab.submit(HIGH)
    cab.comment(high, "sec-sam", "/cab reject no accepted-risk exception")
    assert cab.sync(high).outcome == "rejected"
    return medium, high


def test_a_history_github_made_agrees_with_its_closed_pull_requests(github: GitHubCab) -> None:
    decided(github)
    report = audit_online(github)
    assert (report.findings, report.notes) == ([], [])


def test_a_rejection_erased_by_resetting_main_is_found_from_githubs_record(github: GitHubCab) -> None:
    _, high = decided(github)
    rejection = github.fake.refs[MAIN]
    github.fake.refs[MAIN] = github.fake.commits[rejection][1][0]  # main reset to before it
    findings = audit_online(github).findings
    assert [(f.rule, f.message.split(" (")[0]) for f in findings] == [
        ("online.decision-missing", f"PR #{high}")
    ]
    assert f"was merged into main as {rejection}, but no decision for it" in findings[0].message


CODEOWNERS = ".github/CODEOWNERS"


def policy_decided(cab: GitHubCab) -> tuple[int, int]:
    """A CODEOWNERS change approved by CAB and security, then another rejected: (approved, rejected)."""
    current = cab.main_file(CODEOWNERS)
    assert current is not None
    approved = cab.submit(CODEOWNERS, content=current + b"/docs/ @example/cab\n")
    cab.sync(approved)
    cab.review(approved, "bob-cab")
    cab.review(approved, "sec-sam")
    assert cab.sync(approved).outcome == "approved"
    rejected = cab.submit(CODEOWNERS, content=current + b"/tests/ @example/cab\n")
    cab.sync(rejected)
    cab.comment(rejected, "sec-sam", "/cab reject tests need no CAB")
    assert cab.sync(rejected).outcome == "rejected"
    return approved, rejected


def test_policy_decisions_agree_with_githubs_closed_pull_requests(github: GitHubCab) -> None:
    policy_decided(github)
    report = audit_online(github)
    assert (report.findings, report.notes) == ([], [])


def test_a_rejected_policy_change_erased_by_resetting_main_is_found_from_githubs_record(
    github: GitHubCab,
) -> None:
    _, rejected = policy_decided(github)
    rejection = github.fake.refs[MAIN]
    github.fake.refs[MAIN] = github.fake.commits[rejection][1][0]
    findings = audit_online(github).findings
    assert [(f.rule, f.message.split(" (")[0]) for f in findings] == [
        ("online.decision-missing", f"PR #{rejected}")
    ]


def test_a_policy_approval_by_someone_github_never_saw_review_is_found(github: GitHubCab) -> None:
    approved, _ = policy_decided(github)
    github.fake.prs[approved]["reviews"] = [
        r for r in github.fake.prs[approved]["reviews"] if r["user"]["login"] != "sec-sam"
    ]
    findings = audit_online(github).findings
    assert [(f.rule, f.path) for f in findings] == [
        ("online.review-missing", f"decisions/policy/2026-11/pr-{approved}.yaml")
    ]
    assert "by sec-sam" in findings[0].message
