"""CODEOWNERS owners that GitHub cannot use (issue 16): `cab lint --online`, and the bot holding a
policy change that brings such a CODEOWNERS (fail closed: the decision waits, the comment says why).
Scenarios run on both forges and audit clean afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from bot.cli import main
from bot.domain.comments import MARKER
from bot.domain.rules.codeowners_access import OwnerAccess, owners, problems_of
from tests import github_fake as gf
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab
from tests.sandbox import DATA

CODEOWNERS = ".github/CODEOWNERS"
TEMPLATE = (DATA / "repo-template" / CODEOWNERS).read_bytes()
LINES = len(TEMPLATE.splitlines())


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def propose(cab: Cab, line: bytes) -> int:
    """A policy change adding one line to CODEOWNERS, approved by the CAB and by security."""
    current = cab.main_file(CODEOWNERS)
    assert current is not None
    number = cab.submit(CODEOWNERS, content=current + line + b"\n")
    cab.sync(number)
    cab.review(number, "carol-cab")
    cab.review(number, "sec-sam")
    return number


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def assert_held(cab: Cab, number: int, problem: str) -> None:
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("pending", "pending")
    assert cab.pr(number).state == "open"
    assert cab.status(cab.pr(number).head_sha) == "failure"
    body = bot_comment(cab, number)
    assert "CODEOWNERS lint: 1 problem(s)" in body
    assert problem in body


def test_a_codeowners_change_naming_a_team_that_does_not_exist_waits_despite_both_approvals(cab: Cab) -> None:
    number = propose(cab, b"/docs/ @example/ghosts")
    assert_held(cab, number, f"{CODEOWNERS}:{LINES + 1}:8: @example/ghosts: no such team")


def test_a_codeowners_change_naming_an_account_that_does_not_exist_waits(cab: Cab) -> None:
    number = propose(cab, b"/docs/ @nobody-at-all")
    assert_held(cab, number, "@nobody-at-all: no such account (or the bot cannot see it)")


def test_a_codeowners_change_naming_an_account_without_write_access_waits(cab: Cab) -> None:
    cab.set_permission("mallory", "read")
    number = propose(cab, b"/docs/ @mallory")
    assert_held(cab, number, "@mallory has read access to this repository: code owners need write access")


def test_a_codeowners_change_naming_a_team_with_read_access_waits(cab: Cab) -> None:
    cab.add_team("docs", ["carol-cab"], "read")
    number = propose(cab, b"/docs/ @example/docs")
    assert_held(
        cab, number, "@example/docs has read access to this repository: code owners need write access"
    )


def test_a_codeowners_change_naming_a_team_without_access_to_the_repository_waits(cab: Cab) -> None:
    cab.add_team("docs", ["carol-cab"], None)
    number = propose(cab, b"/docs/ @example/docs")
    assert_held(cab, number, "@example/docs has no access to this repository")


def test_a_codeowners_change_naming_a_team_with_maintain_access_merges(cab: Cab) -> None:
    cab.add_team("docs", ["carol-cab"], "maintain")
    number = propose(cab, b"/docs/ @example/docs")
    assert cab.sync(number).status == "merged"


def test_a_line_github_skips_holds_the_change_too(cab: Cab) -> None:
    number = propose(cab, b"!/docs/ @example/cab")
    assert_held(cab, number, "'!' negation is not supported in CODEOWNERS")


def test_a_codeowners_change_whose_owners_can_all_write_merges_after_both_approvals(cab: Cab) -> None:
    number = propose(cab, b"/docs/ @example/cab @bob-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    assert "CODEOWNERS lint" not in bot_comment(cab, number)


def test_a_codeowners_change_with_problems_can_still_be_rejected(cab: Cab) -> None:
    current = cab.main_file(CODEOWNERS)
    number = cab.submit(CODEOWNERS, content=(current or b"") + b"/docs/ @example/ghosts\n")
    cab.sync(number)
    cab.comment(number, "sec-sam", "/cab reject names a team that does not exist")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "rejected")
    assert cab.main_file(CODEOWNERS) == current


# --- the rule, pure ---------------------------------------------------------------------------------
def test_every_owner_is_found_once_in_first_use_order() -> None:
    assert owners("* @a @org/t\n# @hidden\n/x @org/t b@example.com\n!/y @skipped\n") == [
        "@a",
        "@org/t",
        "b@example.com",
    ]


def test_an_owner_that_was_not_looked_up_is_a_problem_not_a_pass() -> None:
    [problem] = problems_of("/docs/ @somebody\n", {})
    assert (problem.line, problem.column) == (1, 8)
    assert problem.message == "@somebody could not be checked online: not looked up"


def test_an_owner_with_write_access_is_no_problem() -> None:
    assert problems_of("/docs/ @a\n", {"@a": OwnerAccess("write")}) == []


# --- `cab lint --online` on GitHub --------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[gf.FakeGitHub]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        github = gf.FakeGitHub(rsps)
        cab_team = [github.add_user("bob-cab", 202)]
        github.add_team("cab", 7001, cab_team)
        github.add_team("security", 7002, [github.add_user("sec-sam", 204)])
        github.add_user("mallory", 205)
        github.permissions["mallory"] = "read"
        yield github


def lint_online(tmp_path: Path, extra: str, monkeypatch: pytest.MonkeyPatch) -> int:
    (tmp_path / ".github").mkdir()
    (tmp_path / CODEOWNERS).write_bytes(TEMPLATE + extra.encode())
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    return main(["lint", "--repo", str(tmp_path), "--online", "--github", gf.REPO])


def test_lint_online_passes_a_file_whose_owners_exist_and_can_write(
    fake: gf.FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lint_online(tmp_path, "/docs/ @bob-cab\n", monkeypatch) == 0
    assert capsys.readouterr().out.endswith("no problems\n")


def test_lint_online_reports_each_unusable_owner_where_it_is_written(
    fake: gf.FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lint_online(tmp_path, "/docs/ @mallory @example/ghosts\n", monkeypatch) == 1
    out = capsys.readouterr().out.splitlines()
    where = f"{tmp_path / CODEOWNERS}:{LINES + 1}"
    assert (
        f"{where}:8: @mallory has read access to this repository: code owners need write access, or "
        in "\n".join(out)
    )
    assert (
        f"{where}:17: @example/ghosts: no such team (or the bot cannot see it): GitHub requests no review from it"
        in out
    )


def test_lint_online_without_a_token_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / CODEOWNERS).write_bytes(TEMPLATE)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert main(["lint", "--repo", str(tmp_path), "--online", "--github", gf.REPO]) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err
