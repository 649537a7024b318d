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
from tests.both_forges import MAIN, GitHubCab, make_cab
from tests.sandbox import HIGH, LOW, MEDIUM


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubCab]:
    for cab in make_cab("github", tmp_path):
        assert isinstance(cab, GitHubCab)
        yield cab


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
