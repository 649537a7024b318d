"""`cab action` on the fake GitHub: what the Action needs to be given, and what it finds by itself.

- the bot identity (CAB_BOT_LOGIN/NAME/EMAIL, the action's bot-* inputs): without it a change that
  needs reviewers waits, saying what to set; a low change is still decided;
- a relayed review of a fork's PR, whose `workflow_run.pull_requests` GitHub leaves empty: the PR
  is found by its head (fork owner, branch, sha);
- the owning team is asked to review once, when the change starts waiting for it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.services import action
from tests.both_forges import GitHubCab, assert_audits_clean, make_cab
from tests.sandbox import DATA, LOW, MEDIUM, make_cab_repo
from tests.signing_keys import signers_file, web_flow_signer

IDENTITY = {
    "CAB_BOT_LOGIN": "github-actions[bot]",
    "CAB_BOT_NAME": "github-actions[bot]",
    "CAB_BOT_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com",
}


@pytest.fixture
def cab(tmp_path: Path) -> Iterator[GitHubCab]:
    for made in make_cab("github", tmp_path):
        assert isinstance(made, GitHubCab)
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def run_action(
    cab: GitHubCab, tmp_path: Path, event: str, payload: Mapping[str, object], **env: str
) -> tuple[int, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    summary = tmp_path / "summary.md"
    summary.unlink(missing_ok=True)
    environ = {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": cab.fake.repo,
        "GITHUB_STEP_SUMMARY": str(summary),
        **env,
    }
    code = action.run(environ, now=cab.clock(), forge_factory=lambda _env: cab.forge(), out=lambda _s: None)
    return code, summary.read_text()


def pull_request_event(number: int) -> dict[str, object]:
    return {"action": "synchronize", "pull_request": {"number": number}}


# --- the bot identity ----------------------------------------------------------------------------
def test_without_the_bot_identity_a_medium_change_waits_and_says_what_to_set(
    cab: GitHubCab, tmp_path: Path
) -> None:
    number = cab.submit(MEDIUM)
    code, summary = run_action(cab, tmp_path, "pull_request_target", pull_request_event(number))
    assert code == 0
    [comment] = cab.comments(number)
    assert "CAB_BOT_LOGIN, CAB_BOT_NAME, CAB_BOT_EMAIL not set" in comment
    assert "bot-login, bot-name and bot-email" in comment
    assert cab.status(cab.pr(number).head_sha) == "pending"
    assert cab.pr(number).state == "open"
    assert "does not know its own identity" in summary


def test_one_missing_setting_is_enough_to_hold_a_medium_change(cab: GitHubCab, tmp_path: Path) -> None:
    number = cab.submit(MEDIUM)
    partial = {**IDENTITY, "CAB_BOT_LOGIN": ""}  # an action input left empty arrives as ""
    run_action(cab, tmp_path, "pull_request_target", pull_request_event(number), **partial)
    [comment] = cab.comments(number)
    assert "CAB_BOT_LOGIN not set" in comment
    assert cab.pr(number).state == "open"


def test_without_the_bot_identity_a_low_change_is_still_decided(cab: GitHubCab, tmp_path: Path) -> None:
    number = cab.submit(LOW)
    run_action(cab, tmp_path, "pull_request_target", pull_request_event(number), **IDENTITY)
    assert cab.fake.prs[number]["merged"]


def test_with_the_bot_identity_a_medium_change_goes_on_to_wait_for_the_cab(
    cab: GitHubCab, tmp_path: Path
) -> None:
    number = cab.submit(MEDIUM)
    run_action(cab, tmp_path, "pull_request_target", pull_request_event(number), **IDENTITY)
    [comment] = cab.comments(number)
    assert "needs 1 approval from @example/cab" in comment


# --- fork PRs, relayed ---------------------------------------------------------------------------
def relayed_review(owner: str, branch: str, sha: str) -> dict[str, object]:
    """The fields of GitHub's workflow_run event `cab action` reads, as GitHub sends them for a
    fork's PR: `pull_requests` empty, the head named by repository owner, branch and sha."""
    return {
        "action": "completed",
        "workflow_run": {
            "event": "pull_request_review",
            "head_branch": branch,
            "head_sha": sha,
            "head_repository": {"full_name": f"{owner}/cab", "owner": {"login": owner}},
            "pull_requests": [],
        },
    }


def fork_pr(cab: GitHubCab, owner: str = "alice-eng") -> int:
    number = cab.submit(MEDIUM, branch="identity-gateway")
    cab.fake.prs[number]["head_owner"] = owner
    return number


def test_a_relayed_review_of_a_fork_pr_is_synced_by_its_head(cab: GitHubCab, tmp_path: Path) -> None:
    number = fork_pr(cab)
    head = cab.fake.refs["identity-gateway"]
    code, summary = run_action(
        cab, tmp_path, "workflow_run", relayed_review("alice-eng", "identity-gateway", head), **IDENTITY
    )
    assert code == 0
    assert f"PR #{number} (workflow_run.pull_request_review)" in summary
    assert cab.pr(number).labels == ("risk:medium",)
    assert any("/pulls?" in call or call.endswith("/pulls") for call in cab.fake.log)


def test_a_branch_of_the_same_name_in_another_fork_is_not_taken_for_it(
    cab: GitHubCab, tmp_path: Path
) -> None:
    number = fork_pr(cab, owner="mallory")
    head = cab.fake.refs["identity-gateway"]
    _, summary = run_action(
        cab, tmp_path, "workflow_run", relayed_review("alice-eng", "identity-gateway", head), **IDENTITY
    )
    assert "no open pull request from alice-eng:identity-gateway" in summary
    assert cab.pr(number).labels == ()


def test_a_relayed_review_of_a_head_that_moved_on_waits_for_the_newer_event(
    cab: GitHubCab, tmp_path: Path
) -> None:
    number = fork_pr(cab)
    old = cab.fake.refs["identity-gateway"]
    cab.push(number, {"evidence/2026-11/notes.txt": b"x"})
    _, summary = run_action(
        cab, tmp_path, "workflow_run", relayed_review("alice-eng", "identity-gateway", old), **IDENTITY
    )
    assert "nothing to do" in summary


# --- asking the owning team to review ------------------------------------------------------------
def with_org_teams(cab: GitHubCab) -> None:
    """The repository's first commit names teams of its own organization (octo-org), as GitHub's
    team_reviewers needs; made in place of the one GitHubCab made, before anything else happened."""
    codeowners = (DATA / "repo-template/.github/CODEOWNERS").read_bytes().replace(b"@example/", b"@octo-org/")
    cab.fake.refs["main"] = cab.fake.commit_tree(
        {
            ".github/CODEOWNERS": codeowners,
            "risk-model/v1.0.yaml": (DATA / "risk-model/v1.0.yaml").read_bytes(),
            "policy/signers.yaml": signers_file(web_flow_signer()),
        },
        [],
        "Initial CAB repository",
        cab.people["sec-sam"],
    )


def review_requests(cab: GitHubCab) -> list[str]:
    return [call for call in cab.fake.log if call.endswith("/requested_reviewers")]


def test_a_change_that_starts_waiting_asks_its_owning_team_to_review(cab: GitHubCab) -> None:
    with_org_teams(cab)
    number = cab.submit(MEDIUM)
    assert cab.sync(number).status == "pending"
    assert cab.fake.prs[number]["requested_teams"] == ["cab"]
    assert len(review_requests(cab)) == 1


def test_a_re_run_does_not_ask_again(cab: GitHubCab) -> None:
    with_org_teams(cab)
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.sync(number)
    cab.comment(number, "alice-eng", "ping")
    cab.sync(number)
    assert len(review_requests(cab)) == 1


def test_a_low_change_asks_no_one(cab: GitHubCab) -> None:
    with_org_teams(cab)
    cab.sync(cab.submit(LOW))
    assert review_requests(cab) == []


def test_teams_of_another_organization_are_not_asked_under_this_ones_name(cab: GitHubCab) -> None:
    number = cab.submit(MEDIUM)  # the template's CODEOWNERS names @example/… on an octo-org repository
    cab.sync(number)
    assert review_requests(cab) == []


def test_the_sandbox_records_the_teams_asked(tmp_path: Path) -> None:
    repo = make_cab_repo(tmp_path / "repo")
    from tests.both_forges import SandboxCab

    cab = SandboxCab(repo.forge, repo.clock)
    number = cab.submit(MEDIUM)
    cab.sync(number)
    assert repo.forge.requested_teams(number) == ("example/cab",)


def test_the_action_stub_sees_which_identity_settings_are_missing(tmp_path: Path) -> None:
    seen = []

    def sync(forge, number, *, now, identity):
        seen.append(identity.unset)
        return "ok"

    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request_event(3)))
    env = {"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": str(event), "CAB_BOT_NAME": "n"}
    engine = action.Engine(sync=sync, expire=sync)
    action.run(
        env,
        now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
        engine=engine,
        forge_factory=lambda e: object(),
        out=lambda s: None,
    )
    assert seen == [("CAB_BOT_LOGIN", "CAB_BOT_EMAIL")]
