"""`cab audit --online`: recorded reviews and teams are cross-checked with the GitHub API.

Every history here is made by the real lifecycle engine on the sandbox forge, so it audits clean
offline. GitHub's answers start as a copy of what the sandbox forge held when the engine decided
(`GitHubSide`), served through `responses` with bodies checked against GitHub's schemas; each test
then changes one thing GitHub says, the way a forged or since-changed record would show up.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import responses
from github import Auth

from bot.adapters.environment import bot_identity
from bot.adapters.forge.retry import ForgeRetry
from bot.cli import main
from bot.services.audit import report_html, report_markdown
from bot.services.audit.online import GitHubFacts, Note
from bot.services.audit.service import AuditOptions, AuditReport, run
from tests import github_payloads as gp
from tests import github_schema as gs
from tests.history_tampers import Clone
from tests.sandbox import HIGH, LOW, MEDIUM, CabRepo, make_cab_repo

CAB_TEAM = "example/cab"
SECURITY_TEAM = "example/security"


@pytest.fixture
def cab(tmp_path: Path) -> CabRepo:
    return make_cab_repo(tmp_path / "repo")


@pytest.fixture
def gh():
    with responses.RequestsMock() as rsps:  # every answer registered must be asked for
        yield gs.GitHubMock(rsps)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_API_URL", "CAB_APP_ID", "CAB_APP_PRIVATE_KEY", "CAB_APP_INSTALLATION_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_REPOSITORY", gs.REPO)


def approved(cab: CabRepo, path: str = MEDIUM, approver: str = "bob-cab", **submit: Any) -> int:
    """A change the engine merged with one approval; its PR number."""
    number = cab.submit(path, **submit)
    cab.sync(number)
    cab.forge.review(number, approver, "APPROVED")
    assert cab.sync(number).status == "merged"
    return number


class GitHubSide:
    """What GitHub answers for `prs` and `teams`: at first exactly what the sandbox forge holds."""

    def __init__(self, cab: CabRepo, prs: list[int], teams: list[str]) -> None:
        self.cab = cab
        self.reviews: dict[int, list[dict[str, Any]] | None] = {
            n: [
                gp.review(r.id, self.user(r.user.login), r.state, r.commit_id, "2026-11-20T09:06:00Z")
                for r in cab.forge.reviews(n)
            ]
            for n in prs
        }
        self.review_pages: dict[int, dict[str, str]] = {}  # PR -> Link header of its first page
        self.last_push_approval: bool | None = True  # main's ruleset (None: no pull-request rule)
        self.teams: dict[str, tuple[int, list[dict[str, Any]]] | None] = {}
        for slug in teams:
            team = cab.forge.team(slug)
            assert team is not None
            self.teams[slug] = (team.id, [self.user(m.login) for m in team.members])

        # every merged PR, as GET /pulls?state=closed lists them (None: the audit stops before)
        self.closed: list[dict[str, Any]] | None = closed_pulls(cab)
        self.closed_pages = 1

    def user(self, login: str) -> dict[str, Any]:
        account = self.cab.forge.user(login)
        return gp.user(account.login, account.id, "Bot" if account.is_bot else "User")

    def serve(self, gh: gs.GitHubMock) -> None:
        gh.add("GET", "{repo}/pulls", [], query={"state": "all"})  # the access check
        gh.add("GET", "{repo}/rules/branches/main", gp.branch_rules(self.last_push_approval))
        closed = self.closed or []
        size = -(-len(closed) // self.closed_pages) if closed else 1
        for page in range(self.closed_pages if self.closed is not None else 0):
            items = closed[page * size : (page + 1) * size]
            links = gp.page_links(f"/repos/{gs.REPO}/pulls", page + 1, self.closed_pages)
            query = {"state": "closed"} if page == 0 else {"page": str(page + 1)}
            gh.add("GET", "{repo}/pulls", items, headers=links, query=query)
        for number, items in self.reviews.items():
            if items is None:
                gh.add("GET", f"{{repo}}/pulls/{number}/reviews", gp.error("Not Found"), status=404)
            else:
                gh.add(
                    "GET", f"{{repo}}/pulls/{number}/reviews", items, headers=self.review_pages.get(number)
                )
        for slug, found in self.teams.items():
            org, name = slug.split("/")
            if found is None:
                gh.add("GET", f"/orgs/{org}/teams/{name}", gp.error("Not Found"), status=404)
            else:
                tid, members = found
                gh.add("GET", f"/orgs/{org}/teams/{name}", gp.team(name, tid))
                gh.add("GET", f"/orgs/{org}/teams/{name}/members", members)


def closed_pulls(cab: CabRepo) -> list[dict[str, Any]]:
    """The sandbox forge's merged PRs as GitHub lists them, each with the merge that landed it."""
    log = cab.forge.git.run("log", "--first-parent", "--merges", "--format=%H %P", "main").text
    merge_of = {line.split()[2]: line.split()[0] for line in log.splitlines()}  # PR head -> merge
    items = []
    for record in cab.forge._load()["prs"]:  # the sandbox's own state: what "GitHub" holds
        if record["state"] == "merged":
            items.append(
                gp.pull_request_item(
                    record["number"],
                    state="closed",
                    merged=True,
                    head=record["merged_head"],
                    merge_commit_sha=merge_of[record["merged_head"]],
                )
            )
    return items


def audit_online(cab: CabRepo, root: Path | None = None) -> AuditReport:
    """The audit with --online, as the CLI runs it, with retries that never really sleep."""
    facts = GitHubFacts(gs.REPO, auth=Auth.Token("test-token"), retry=ForgeRetry(sleep=lambda _: None))
    facts.check_access()
    where = root or cab.forge.path
    return run(AuditOptions(root=where, bot=bot_identity({}), use_cache=False, online=facts))


def record_path(cab: CabRepo) -> str:
    """The decision record the newest merge on main added."""
    head = cab.forge.branch_head("main")
    return next(p for p in cab.forge.diff_paths(f"{head}^1", head) if p.startswith("decisions/"))


# -- a clean history ---------------------------------------------------------------------------


def test_a_clean_engine_history_has_no_online_findings_and_no_notes(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    exception = cab.approve_exception().number
    high = approved(cab, HIGH, "sec-sam")
    medium = approved(cab, MEDIUM, "bob-cab")
    assert cab.sync(cab.submit(LOW)).outcome == "auto_approved"
    GitHubSide(cab, [exception, high, medium], [SECURITY_TEAM, CAB_TEAM]).serve(gh)
    code = main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["findings"], data["notes"]) == (0, [], [])
    assert data["summary"]["online"] is True
    assert data["summary"]["decisions"] == 3  # change decisions (the exception decision is not counted)


# -- what GitHub contradicts is a finding -------------------------------------------------------


@pytest.mark.parametrize("setting", [False, None], ids=["off", "no-pull-request-rule"])
def test_a_branch_without_last_push_approval_is_a_note_since_github_names_no_pusher(
    cab: CabRepo, gh: gs.GitHubMock, setting: bool | None
) -> None:
    number = approved(cab)
    side = GitHubSide(cab, [number], [CAB_TEAM])
    side.last_push_approval = setting
    side.serve(gh)
    report = audit_online(cab)
    assert report.findings == []
    assert [(n.kind, n.message) for n in report.notes] == [
        (
            "online.last-push-approval-off",
            "no rule on main requires approval of the most recent reviewable push",
        )
    ]


def test_a_recorded_review_id_that_is_not_on_the_pr_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    reviews = github.reviews[number]
    assert reviews is not None
    reviews[0]["id"] += 1000  # GitHub never had the review id the record cites
    github.serve(gh)
    findings = audit_online(cab).findings
    assert [(f.rule, f.commit, f.path) for f in findings] == [
        ("online.review-missing", cab.forge.branch_head("main"), record_path(cab))
    ]


def test_a_review_given_by_someone_else_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    reviews = github.reviews[number]
    assert reviews is not None
    reviews[0]["user"] = github.user("mallory")
    github.serve(gh)
    findings = audit_online(cab).findings
    assert [f.rule for f in findings] == ["online.review-other-user"]
    assert "mallory" in findings[0].message


def test_a_review_on_another_commit_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    reviews = github.reviews[number]
    assert reviews is not None
    reviews[0]["commit_id"] = gp.sha("an older head")
    github.serve(gh)
    assert [f.rule for f in audit_online(cab).findings] == ["online.review-other-commit"]


def test_a_review_that_is_not_an_approval_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    reviews = github.reviews[number]
    assert reviews is not None
    reviews[0]["state"] = "COMMENTED"
    github.serve(gh)
    assert [f.rule for f in audit_online(cab).findings] == ["online.review-not-approved"]


def test_a_pull_request_github_does_not_have_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    github.reviews[number] = None
    github.serve(gh)
    assert [f.rule for f in audit_online(cab).findings] == ["online.pull-request-missing"]


def test_a_team_slug_that_now_names_another_team_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    found = github.teams[CAB_TEAM]
    assert found is not None
    github.teams[CAB_TEAM] = (found[0] + 500, found[1])  # deleted and re-created under the same slug
    github.serve(gh)
    findings = audit_online(cab).findings
    assert [f.rule for f in findings] == ["online.team-id-changed"]


def test_a_team_that_no_longer_exists_is_a_finding(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    github.teams[CAB_TEAM] = None
    github.serve(gh)
    assert [f.rule for f in audit_online(cab).findings] == ["online.team-missing"]


def test_online_findings_exit_1(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    github.reviews[number] = []
    github.serve(gh)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 1
    assert "online.review-missing" in capsys.readouterr().out


# -- current membership is information, not evidence ---------------------------------------------


def test_an_approver_who_left_the_team_since_is_a_note_and_exits_0(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    found = github.teams[CAB_TEAM]
    assert found is not None
    github.teams[CAB_TEAM] = (found[0], [m for m in found[1] if m["login"] != "bob-cab"])
    github.serve(gh)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 0
    out = capsys.readouterr().out
    assert "0 findings, 1 notes" in out
    assert f"note online.not-member-now  {cab.forge.branch_head('main')[:12]}  {record_path(cab)}" in out
    assert "bob-cab" in out


def test_notes_are_listed_apart_from_findings_in_json(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    found = github.teams[CAB_TEAM]
    assert found is not None
    github.teams[CAB_TEAM] = (found[0], [])
    github.serve(gh)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] | {"ok": True, "findings": 0, "notes": 1} == data["summary"]
    assert [n["kind"] for n in data["notes"]] == ["online.not-member-now"]
    assert data["notes"][0]["path"] == record_path(cab)


def test_a_reviewer_renamed_since_is_a_note_because_identity_is_the_user_id(
    cab: CabRepo, gh: gs.GitHubMock
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    reviews = github.reviews[number]
    assert reviews is not None
    reviews[0]["user"]["login"] = "robert-cab"
    github.serve(gh)
    report = audit_online(cab)
    assert report.findings == []
    assert [(n.kind, n.message) for n in report.notes] == [
        ("online.login-renamed", f"bob-cab (id {cab.forge.user('bob-cab').id}) is now called robert-cab")
    ]


def test_notes_are_escaped_and_set_apart_in_markdown_and_html() -> None:
    note = Note("online.not-member-now", "a" * 40, "decisions/x|<script>.yaml", "<b>gone</b>")
    report = AuditReport(head="a" * 40, since=None, anchor=None, commits=1, checked=1, notes=[note])
    markdown, html = report_markdown.render(report), report_html.render(report)
    assert "**Notes** (not findings):" in markdown
    assert "x\\|&lt;script>.yaml" in markdown
    assert "Notes (not findings)" in html
    assert "<script>" not in html
    assert "&lt;b&gt;gone&lt;/b&gt;" in html


# -- what is asked of GitHub ---------------------------------------------------------------------


def test_each_team_is_read_once_per_audit_and_each_pr_reviews_once(cab: CabRepo, gh: gs.GitHubMock) -> None:
    first = approved(cab, MEDIUM, "bob-cab")
    second = approved(
        cab,
        "evidence/2026-11/billing-api-3.0.0.yaml",
        "carol-cab",
        content=_renamed(cab, "billing-api-3.0.0"),
    )
    GitHubSide(cab, [first, second], [CAB_TEAM]).serve(gh)
    assert audit_online(cab).findings == []
    assert Counter(gh.calls()) == {
        "GET /repos/octo-org/cab/pulls": 2,  # the access check, then the closed pull requests
        "GET /repos/octo-org/cab/rules/branches/main": 1,
        f"GET /repos/octo-org/cab/pulls/{first}/reviews": 1,
        f"GET /repos/octo-org/cab/pulls/{second}/reviews": 1,
        "GET /orgs/example/teams/cab": 1,
        "GET /orgs/example/teams/cab/members": 1,
    }


def _renamed(cab: CabRepo, change_id: str) -> bytes:
    """The medium example evidence under another change id (a second medium change)."""
    return cab.example(MEDIUM).decode().replace("identity-gateway-3.0.0", change_id).encode()


def test_every_page_of_reviews_is_read(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    recorded = github.reviews[number]
    # page 2 holds the recorded review; registered first, so it wins for the page=2 request
    gh.add("GET", f"{{repo}}/pulls/{number}/reviews", recorded, query={"page": "2"})
    github.reviews[number] = [
        gp.review(9000 + i, github.user("carol-cab"), "COMMENTED", gp.sha("x")) for i in range(100)
    ]
    github.review_pages[number] = gp.page_links(f"/repos/{gs.REPO}/pulls/{number}/reviews", 1, 2)
    github.serve(gh)
    assert audit_online(cab).findings == []
    assert gh.calls().count(f"GET /repos/octo-org/cab/pulls/{number}/reviews") == 2


def test_server_errors_are_retried_then_the_answer_is_used(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    gh.add("GET", f"{{repo}}/pulls/{number}/reviews", gp.error("Server Error"), status=502)
    GitHubSide(cab, [number], [CAB_TEAM]).serve(gh)
    assert audit_online(cab).findings == []
    assert gh.calls().count(f"GET /repos/octo-org/cab/pulls/{number}/reviews") == 2


# -- failures are clear errors, never tracebacks -------------------------------------------------


def test_rejected_credentials_exit_3_with_a_clear_message(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    approved(cab)
    gh.add("GET", "{repo}/pulls", gp.error("Bad credentials"), status=401)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 3
    err = capsys.readouterr().err
    assert "401 Bad credentials" in err
    assert "check GITHUB_TOKEN" in err
    assert "Traceback" not in err


def test_a_repository_the_token_cannot_see_exits_3(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.add("GET", "{repo}/pulls", gp.error("Not Found"), status=404)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 3
    assert f"does {gs.REPO} exist" in capsys.readouterr().err


def test_github_out_of_reach_exits_3(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    approved(cab)  # nothing registered: every request fails to connect
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 3
    assert "could not reach GitHub" in capsys.readouterr().err


def test_a_token_that_cannot_read_teams_exits_3_saying_what_is_needed(
    cab: CabRepo, gh: gs.GitHubMock, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [])
    github.closed = None  # the audit stops at the team
    github.serve(gh)
    gh.add("GET", "/orgs/example/teams/cab", gp.error("Resource not accessible by integration"), status=403)
    assert main(["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]) == 3
    err = capsys.readouterr().err
    assert "403 Resource not accessible by integration" in err
    assert "read:org" in err


def test_online_without_a_token_is_a_usage_error(
    cab: CabRepo, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["audit", "--repo", str(cab.forge.path), "--online"]) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_online_without_a_repository_is_a_usage_error(
    cab: CabRepo, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY")
    assert main(["audit", "--repo", str(cab.forge.path), "--online"]) == 2
    assert "--github OWNER/NAME" in capsys.readouterr().err


def test_github_names_the_repository_instead_of_the_environment(
    cab: CabRepo, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY")
    with responses.RequestsMock() as rsps:
        other = gs.GitHubMock(rsps, repo="octo-org/elsewhere")
        other.add("GET", "{repo}/pulls", [])
        other.add("GET", "{repo}/rules/branches/main", gp.branch_rules())
        args = ["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]
        assert main([*args, "--github", "octo-org/elsewhere"]) == 0
    assert "0 findings, 0 notes" in capsys.readouterr().out


def test_github_without_online_is_a_usage_error(cab: CabRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--repo", str(cab.forge.path), "--github", "octo-org/cab"]) == 2
    assert "only used with --online" in capsys.readouterr().err


def test_the_deprecated_github_repo_still_names_the_repository_and_warns(
    cab: CabRepo, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY")
    with responses.RequestsMock() as rsps:
        other = gs.GitHubMock(rsps, repo="octo-org/elsewhere")
        other.add("GET", "{repo}/pulls", [])
        other.add("GET", "{repo}/rules/branches/main", gp.branch_rules())
        args = ["audit", "--repo", str(cab.forge.path), "--no-cache", "--online"]
        assert main([*args, "--github-repo", "octo-org/elsewhere"]) == 0
    out, err = capsys.readouterr()
    assert "0 findings, 0 notes" in out
    assert err == "cab: --github-repo is deprecated; use --github (it will be removed in the next release)\n"


def test_a_github_repository_that_is_not_owner_slash_name_is_a_usage_error(
    cab: CabRepo, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--repo", str(cab.forge.path), "--online", "--github", "octo-org"]) == 2
    assert "argument --github: 'octo-org' is not OWNER/NAME" in capsys.readouterr().err


def test_a_github_repository_environment_that_is_not_owner_slash_name_is_a_usage_error(
    cab: CabRepo, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "https://github.com/octo-org/cab")
    assert main(["audit", "--repo", str(cab.forge.path), "--online"]) == 2
    assert "GITHUB_REPOSITORY='https://github.com/octo-org/cab' is not OWNER/NAME" in capsys.readouterr().err


# -- GitHub's closed pull requests against the decisions in git ------------------------------------


def rejected(cab: CabRepo) -> int:
    number = cab.submit(HIGH)
    cab.forge.comment(number, "sec-sam", "/cab reject no accepted-risk exception")
    assert cab.sync(number).outcome == "rejected"
    return number


def test_a_rejection_erased_by_resetting_main_is_found(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    erased = rejected(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    github.serve(gh)
    cab.forge.git.run("update-ref", "refs/heads/main", "main~1")  # the rejection is gone from main
    findings = audit_online(cab).findings
    assert [f.rule for f in findings] == ["online.decision-missing"]
    assert findings[0].message.startswith(f"PR #{erased} (CAB change {erased}) was merged into main as ")
    assert findings[0].message.endswith(
        "no decision for it is on the first-parent line: erased by a rewrite, or merged around the bot"
    )


def test_an_old_rejection_rewritten_into_an_approval_is_found(
    cab: CabRepo, gh: gs.GitHubMock, tmp_path: Path
) -> None:
    erased = rejected(cab)
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    github.serve(gh)
    clone = Clone(cab.forge.path, tmp_path / "clone")
    record = next(p for p in cab.forge.diff_paths("main~2", "main~1") if p.startswith("decisions/"))
    merge = clone.merge_adding(record)
    forged = clone.read(record, merge).replace("outcome: rejected", "outcome: approved")
    clone.rewrite(merge, lambda sha: clone.tree_with(sha, record, forged))
    online = [f for f in audit_online(cab, clone.root).findings if f.rule.startswith("online.decision")]
    assert sorted({(f.rule, f.message.split(" (")[0].split(",")[0]) for f in online}) == [
        ("online.decision-missing", f"PR #{erased}"),
        ("online.decision-missing", f"PR #{number}"),  # every later merge is a new commit too
        ("online.decision-without-pull-request", f"the record names PR #{erased}"),
        ("online.decision-without-pull-request", f"the record names PR #{number}"),
    ]


def test_a_decision_github_has_no_merged_pull_request_for_is_found(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    assert cab.sync(cab.submit(LOW)).outcome == "auto_approved"
    github = GitHubSide(cab, [number], [CAB_TEAM])
    assert github.closed is not None
    low = github.closed.pop()  # GitHub lists one merged PR fewer than git has decisions
    github.serve(gh)
    findings = audit_online(cab).findings
    assert [(f.rule, f.commit) for f in findings] == [
        ("online.decision-without-pull-request", cab.forge.branch_head("main"))
    ]
    assert findings[0].message == (
        f"the record names PR #{low['number']}, which GitHub does not list as merged into main"
    )


def test_a_pull_request_closed_without_merging_needs_no_decision(cab: CabRepo, gh: gs.GitHubMock) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    assert github.closed is not None
    github.closed.append(gp.pull_request_item(number + 50, state="closed"))  # abandoned by its author
    github.serve(gh)
    assert audit_online(cab).findings == []


def test_a_pull_request_merged_into_another_branch_needs_no_decision_on_main(
    cab: CabRepo, gh: gs.GitHubMock
) -> None:
    number = approved(cab)
    github = GitHubSide(cab, [number], [CAB_TEAM])
    other = gp.pull_request_item(number + 50, state="closed", merged=True, merge_commit_sha=gp.sha("x"))
    other["base"] = {**other["base"], "ref": "release-1.x"}
    assert github.closed is not None
    github.closed.append(other)
    github.serve(gh)
    assert audit_online(cab).findings == []


def test_every_page_of_closed_pull_requests_is_read(cab: CabRepo, gh: gs.GitHubMock) -> None:
    first = approved(cab)
    erased = rejected(cab)
    github = GitHubSide(cab, [first], [CAB_TEAM])
    github.closed_pages = 2  # the erased rejection is on page 2
    github.serve(gh)
    cab.forge.git.run("update-ref", "refs/heads/main", "main~1")
    assert [f.message.split(" (")[0] for f in audit_online(cab).findings] == [f"PR #{erased}"]
