"""The scheduled run keeps the CAB agenda in one pinned issue, edited in place: on both forges."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.errors import CabError
from bot.services import agenda_issue
from bot.services.agenda_issue import MARKER
from tests import github_fake as gf
from tests.both_forges import FORGES, MAIN, Cab, GitHubCab, assert_audits_clean, make_cab
from tests.github_payloads import issue, user
from tests.sandbox import MEDIUM

MEETING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubCab]:
    for made in make_cab("github", tmp_path):
        assert isinstance(made, GitHubCab)
        yield made


def agenda_issues(cab: Cab) -> list[tuple[int, str, str]]:
    return [found for found in cab.issues() if MARKER in found[2]]


def test_the_first_scheduled_run_opens_the_agenda_issue_and_pins_it(cab: Cab) -> None:
    cab.sync(cab.submit(MEDIUM))  # pending: waits for the CAB on its PR branch
    published = cab.publish_agenda(MEETING)
    [(number, title, body)] = agenda_issues(cab)
    assert (published.issue, published.pinned, title) == (number, True, "CAB agenda")
    assert cab.pinned() == [number]
    assert "### Waiting for the CAB (medium): 1" in body and "`identity-gateway-3.0.0`" in body


def test_a_second_scheduled_run_edits_the_same_issue_and_never_posts_another(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    first = cab.publish_agenda(MEETING)
    cab.review(number, "bob-cab")
    cab.sync(number)  # approved and merged: no longer waiting, decided instead
    second = cab.publish_agenda(MEETING + dt.timedelta(days=1))
    [(again, _, body)] = agenda_issues(cab)
    assert first.issue == second.issue == again
    assert cab.pinned() == [again]
    assert "### Waiting for the CAB (medium): 0" in body
    assert "| `identity-gateway-3.0.0` | change | medium | approved |" in body


def test_a_rerun_with_nothing_new_writes_nothing(cab: Cab) -> None:
    cab.sync(cab.submit(MEDIUM))
    cab.publish_agenda(MEETING)
    before = cab.writes()
    cab.publish_agenda(MEETING)
    assert cab.writes() == before


def test_the_agenda_and_the_expiry_sweep_keep_separate_issues(cab: Cab) -> None:
    cab.approve_exception()
    sweep = cab.sweep(dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC))
    agenda = cab.publish_agenda(dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC))
    assert sweep.issue is not None and sweep.issue != agenda.issue
    assert len(cab.issues()) == 2 and cab.pinned() == [agenda.issue]


def test_a_shallow_checkout_is_refused_before_anything_is_written(cab: Cab, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", MAIN, f"file://{cab.repository()}", str(shallow)],
        check=True,
    )
    before = cab.writes()
    with pytest.raises(CabError, match=r"shallow clone.*fetch-depth: 0"):
        agenda_issue.publish(_forge_of(cab), shallow, now=MEETING)
    assert cab.writes() == before and cab.issues() == []


def _forge_of(cab: Cab):  # type: ignore[no-untyped-def]
    return cab.forge() if isinstance(cab, GitHubCab) else cab.forge  # type: ignore[attr-defined]


# --- GitHub only: pinning is GraphQL, and GitHub pins at most three issues -------------------------
def test_on_github_the_new_issue_carries_the_agenda_label_not_the_expiry_one(github: GitHubCab) -> None:
    published = github.publish_agenda(MEETING)
    labels = [label["name"] for label in github.fake.issues[published.issue]["labels"]]
    assert labels == ["cab-agenda"]


def test_a_run_that_died_before_pinning_pins_the_same_issue_on_rerun(github: GitHubCab) -> None:
    github.fake.crash_before("mutation CabPinIssue")
    with pytest.raises(gf.Crash):
        github.publish_agenda(MEETING)
    [(number, _, _)] = agenda_issues(github)
    assert github.pinned() == []
    assert github.publish_agenda(MEETING).pinned
    assert [n for n, _, _ in agenda_issues(github)] == [number] and github.pinned() == [number]


def test_a_pinned_agenda_is_not_pinned_again(github: GitHubCab) -> None:
    github.publish_agenda(MEETING)
    github.fake.log.clear()
    github.publish_agenda(MEETING + dt.timedelta(hours=1))
    assert not [call for call in github.fake.log if "CabPinIssue" in call]


def test_with_three_issues_pinned_already_the_agenda_is_updated_and_says_it_is_not_pinned(
    github: GitHubCab,
) -> None:
    for number in (901, 902, 903):
        github.fake.issues[number] = issue(number, f"pinned {number}", "", user("sec-sam", 204))
        github.fake.pinned.append(number)
    published = github.publish_agenda(MEETING)
    assert not published.pinned and "3 pinned issues" in published.not_pinned_because
    assert github.fake.pinned == [901, 902, 903]
    assert "not pinned (" in published.summary() and agenda_issues(github)
