"""A sync on GitHub: what it reads in its two GraphQL requests, and how it fails when it may not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from tests import github_fake as gf
from tests import github_payloads as gp
from tests.both_forges import MAIN, GitHubCab, assert_audits_clean
from tests.sandbox import HIGH, LOW, MEDIUM, Clock


@pytest.fixture
def cab(tmp_path: Path) -> Iterator[GitHubCab]:
    """A CAB repository on the fake GitHub; whatever a sync did (or a re-run converged to), the
    history must audit clean."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        made = GitHubCab(gf.FakeGitHub(rsps), Clock())
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def _reads(cab: GitHubCab, since: int) -> list[str]:
    return [entry for entry in cab.fake.log[since:] if entry.startswith("GET ") or " query " in entry]


def test_a_first_sync_reads_the_pr_policy_evidence_and_teams_in_two_requests(cab: GitHubCab) -> None:
    """... and, since reviews will be judged, who pushed to the branch: GraphQL names no pusher."""
    number = cab.submit(MEDIUM)
    before = len(cab.fake.log)
    assert cab.sync(number).status == "pending"
    assert _reads(cab, before) == [
        "POST /graphql query CabSnapshot",
        "POST /graphql query CabHead",
        "GET /repos/octo-org/cab/activity",
    ]


@pytest.mark.parametrize("tier", [LOW, MEDIUM, HIGH], ids=["low", "medium", "high"])
def test_a_first_sync_checks_the_record_it_commits_with_its_two_reads(cab: GitHubCab, tier: str) -> None:
    """The record's path at the head is read with the evidence (one per tier, before the scoring says
    which), so the record commit sends no query of its own."""
    number = cab.submit(tier)
    before = len(cab.fake.log)
    cab.sync(number)
    calls = [re.sub(r"/[0-9a-f]{40}$", "/SHA", entry) for entry in cab.fake.log[before:]]
    assert calls == [
        "POST /graphql query CabSnapshot",
        "POST /graphql query CabHead",
        *(["GET /repos/octo-org/cab/activity"] if tier != LOW else []),  # reviews will be judged
        f"POST /repos/octo-org/cab/issues/{number}/labels",
        f"POST /repos/octo-org/cab/issues/{number}/comments",
        "POST /graphql mutation CabCommit",
        "POST /repos/octo-org/cab/statuses/SHA",
        *([f"PUT /repos/octo-org/cab/pulls/{number}/merge"] if tier == LOW else []),
    ]


def test_the_deciding_sync_reads_only_who_wrote_the_pending_record_and_who_pushed(
    cab: GitHubCab,
) -> None:
    """The pending record's membership snapshot decides whether a review counts, and it counts
    only if the bot wrote it: one REST page says who last changed the record, and one who pushed
    the PR's commits (a pusher is an author)."""
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    before = len(cab.fake.log)
    assert cab.sync(number).status == "merged"
    assert _reads(cab, before) == [
        "POST /graphql query CabSnapshot",
        "POST /graphql query CabHead",
        "GET /repos/octo-org/cab/commits",
        "GET /repos/octo-org/cab/activity",
    ]


def test_a_token_that_cannot_read_teams_still_auto_approves_low_risk(cab: GitHubCab) -> None:
    cab.fake.unreadable_teams = {"cab", "security"}
    assert cab.sync(cab.submit(LOW)).status == "merged"


def test_a_token_that_cannot_read_teams_fails_a_medium_sync_with_githubs_words(cab: GitHubCab) -> None:
    from bot.adapters.forge.interface import ForgeError

    cab.fake.unreadable_teams = {"cab"}
    with pytest.raises(ForgeError, match="read team example/cab: Resource not accessible by integration"):
        cab.sync(cab.submit(MEDIUM))


def test_a_team_in_a_missing_organization_has_no_approvers(cab: GitHubCab) -> None:
    cab.fake.missing_orgs = {"example"}
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert "@example/cab not found" in result.summary


def test_the_record_commit_is_one_guarded_mutation_authored_by_the_token(cab: GitHubCab) -> None:
    number = cab.submit(HIGH)
    before = len(cab.fake.log)
    head = cab.sync(number).head_sha
    assert head is not None
    assert [e for e in cab.fake.log[before:] if "mutation" in e] == ["POST /graphql mutation CabCommit"]
    assert cab.fake.authors[head] == gp.user(*gf.BOT_USER)


# --- a crash between any two calls, then a re-run --------------------------------------------
LOW_SYNC_CALLS = 7  # snapshot, head, label, comment, commit, status, merge
# snapshot, head, who wrote the pending record, who pushed, comment, commit, status, merge
DECIDING_SYNC_CALLS = 8


def _converged(cab: GitHubCab, number: int) -> None:
    """Merged once, one label, one bot comment, and a further sync writes nothing."""
    result = cab.sync(number)
    assert result.status == "closed", result.summary
    merges = [sha for sha, (_, parents, message) in cab.fake.commits.items() if "Cab-Decision:" in message]
    assert len(merges) == 1
    assert cab.fake.refs["main"] == merges[0]
    pr = cab.fake.prs[number]
    assert len([label for label in pr["labels"] if label.startswith("risk:")]) == 1
    assert len([c for c in pr["comments"] if c["user"]["login"] == gf.BOT_USER[0]]) == 1
    before = cab.fake.writes()
    cab.sync(number)
    assert cab.fake.writes() == before


def _sync_until_merged(cab: GitHubCab, number: int) -> None:
    result = cab.sync(number)  # one re-run finishes the job
    assert result.status == "merged", result.summary


def test_a_low_sync_makes_the_calls_the_crash_tests_cover(cab: GitHubCab) -> None:
    number = cab.submit(LOW)
    before = len(cab.fake.log)
    cab.sync(number)
    assert len(cab.fake.log) - before == LOW_SYNC_CALLS


def test_a_deciding_sync_makes_the_calls_the_crash_tests_cover(cab: GitHubCab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    before = len(cab.fake.log)
    cab.sync(number)
    assert len(cab.fake.log) - before == DECIDING_SYNC_CALLS


@pytest.mark.parametrize("crash_at", range(1, LOW_SYNC_CALLS + 1))
def test_a_low_sync_crashing_before_any_call_converges_on_rerun(cab: GitHubCab, crash_at: int) -> None:
    number = cab.submit(LOW)
    cab.fake.crash_before(crash_at)
    with pytest.raises(gf.Crash):
        cab.sync(number)
    _sync_until_merged(cab, number)
    _converged(cab, number)


@pytest.mark.parametrize("lost", range(1, LOW_SYNC_CALLS + 1))
def test_a_low_sync_losing_any_answer_converges_on_rerun(cab: GitHubCab, lost: int) -> None:
    number = cab.submit(LOW)
    cab.fake.lose_answer_of(lost)
    with pytest.raises(gf.Crash):
        cab.sync(number)
    if not cab.fake.prs[number]["merged"]:  # the lost answer was the merge's: nothing left to do
        _sync_until_merged(cab, number)
    _converged(cab, number)


@pytest.mark.parametrize("crash_at", range(1, DECIDING_SYNC_CALLS + 1))
def test_a_deciding_sync_crashing_before_any_call_converges_on_rerun(cab: GitHubCab, crash_at: int) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.fake.crash_before(crash_at)
    with pytest.raises(gf.Crash):
        cab.sync(number)
    _sync_until_merged(cab, number)
    _converged(cab, number)


def _sync_bytes(decided: int) -> int:
    """Bytes sent and received by the first sync of a low-risk PR, over `decided` earlier records."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        cab = GitHubCab(gf.FakeGitHub(rsps), Clock())
        earlier = {
            f"decisions/low/2025-{1 + n % 12:02d}/earlier-{n:05d}.yaml": b"kind: Decision\n"
            for n in range(decided)
        }
        cab.fake.push(MAIN, earlier, cab.people["sec-sam"], "Earlier decisions")
        number = cab.submit(LOW)
        before = len(rsps.calls)
        cab.sync(number)
        calls = rsps.calls[before:]
        return sum(len(call.request.body or b"") + len(call.response.content) for call in calls)


def test_what_a_sync_sends_and_receives_does_not_grow_with_the_history() -> None:
    """The snapshot asks for the records this change can have, never for a listing of decisions/."""
    assert _sync_bytes(10) == _sync_bytes(1000)
