"""`cab submit`: branch, commit and PR, idempotent on re-run and after a crash at any call."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from bot.adapters.forge import github as github_adapter
from bot.cli import main
from bot.services.submit import submit
from tests import github_fake as gf

PACK = (
    Path(__file__).parents[1]
    / "bot"
    / "data"
    / "examples"
    / "evidence"
    / "2026-11"
    / "payments-api-7.4.2.yaml"
)
PATH = "evidence/2026-11/payments-api-7.4.2.yaml"
DEPRECATED_REPO = (
    "cab: --repo OWNER/NAME is deprecated; use --github OWNER/NAME (it will be removed in the next release)\n"
)


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = gf.FakeGitHub(rsps)
        fake.refs["main"] = fake.commit_tree({"README.md": b"cab\n"}, [])
        yield fake


@pytest.fixture
def cli(fake, monkeypatch):
    """`cab submit` as the command line runs it, against the fake, without PyGithub's pause between
    writes; the repositories the command asked for, in order."""
    asked = []
    real = github_adapter.GitHubForge

    def forge(repo, **kwargs):
        asked.append(repo)
        return real(repo, **kwargs, throttle=False)

    monkeypatch.setattr(github_adapter, "GitHubForge", forge)
    for name in ("GITHUB_API_URL", "CAB_APP_ID", "CAB_APP_PRIVATE_KEY", "CAB_APP_INSTALLATION_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    return asked


def test_submit_opens_a_pr_with_the_pack_on_its_own_branch(fake):
    done = submit(gf.make_forge(), PACK)
    assert (done.branch, done.path) == ("cab/payments-api-7.4.2", PATH)
    assert fake._files(fake.refs[done.branch])[PATH] == PACK.read_bytes()
    assert fake.prs[done.number]["branch"] == done.branch


def test_submit_again_changes_nothing(fake):
    first = submit(gf.make_forge(), PACK)
    writes = fake.writes()
    again = submit(gf.make_forge(), PACK)
    assert again == first
    assert fake.writes() == writes


@pytest.mark.parametrize("crash_at", range(1, 8))  # a first submit makes 7 calls
def test_submit_after_a_crash_converges_to_one_branch_commit_and_pr(fake, crash_at):
    fake.crash_before(crash_at)
    with pytest.raises(gf.Crash):
        submit(gf.make_forge(), PACK)
    done = submit(gf.make_forge(), PACK)
    assert list(fake.prs) == [done.number]
    assert fake._files(done.head)[PATH] == PACK.read_bytes()
    assert fake.commits[done.head][1] == [fake.refs["main"]]


def test_submit_rejects_an_invalid_pack_before_any_call(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: cab/v1\nkind: EvidencePack\nchange_id: x\n")
    assert main(["submit", str(bad), "--github", "octo-org/cab"]) == 2
    assert "bad.yaml:" in capsys.readouterr().err


def test_submit_without_credentials_is_a_usage_error(monkeypatch, capsys):
    for name in ("GITHUB_TOKEN", "CAB_APP_ID", "CAB_APP_PRIVATE_KEY", "CAB_APP_INSTALLATION_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["submit", str(PACK), "--github", "octo-org/cab"]) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_a_first_submit_makes_seven_calls(fake):
    """Keeps the crash test above covering every call of a first submit."""
    submit(gf.make_forge(), PACK)
    assert len(fake.log) == 7


# --- which repository: --github OWNER/NAME, and the old --repo OWNER/NAME for one release


def test_github_names_the_repository_to_submit_to(fake, cli, capsys):
    assert main(["submit", str(PACK), "--github", "octo-org/cab"]) == 0
    assert cli == ["octo-org/cab"]
    assert capsys.readouterr().out.startswith("PR #")


def test_submit_without_a_github_repository_is_a_usage_error(capsys):
    assert main(["submit", str(PACK)]) == 2
    assert "required: --github OWNER/NAME" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad", ["not-a-slug", "octo-org/cab/extra", "https://github.com/octo-org/cab", "octo-org/.."]
)
def test_a_github_repository_that_is_not_owner_slash_name_is_a_usage_error(bad, capsys):
    assert main(["submit", str(PACK), "--github", bad]) == 2
    assert f"argument --github: {bad!r} is not OWNER/NAME" in capsys.readouterr().err


def test_the_deprecated_repo_owner_slash_name_still_submits_there(fake, cli):
    assert main(["submit", str(PACK), "--repo", "octo-org/cab"]) == 0
    assert cli == ["octo-org/cab"]
    assert len(fake.prs) == 1


def test_the_deprecated_repo_owner_slash_name_warns_once_on_stderr(fake, cli, capsys):
    main(["submit", str(PACK), "--repo", "octo-org/cab"])
    assert capsys.readouterr().err == DEPRECATED_REPO


def test_repo_that_is_a_path_here_and_owner_slash_name_fails_closed(fake, cli, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "octo-org" / "cab").mkdir(parents=True)
    assert main(["submit", str(PACK), "--repo", "octo-org/cab"]) == 2
    assert "--repo octo-org/cab is both a path here and an OWNER/NAME" in capsys.readouterr().err
    assert (cli, fake.log) == ([], [])


def test_repo_naming_a_local_directory_is_a_usage_error(fake, cli, tmp_path, capsys):
    assert main(["submit", str(PACK), "--repo", str(tmp_path)]) == 2
    assert "cab submit needs no local directory; name the GitHub repository with --github" in (
        capsys.readouterr().err
    )
    assert cli == []


def test_repo_that_is_neither_a_directory_nor_owner_slash_name_is_a_usage_error(capsys):
    assert main(["submit", str(PACK), "--repo", "not-a-slug"]) == 2
    assert "--repo 'not-a-slug' is not OWNER/NAME" in capsys.readouterr().err


def test_github_and_the_deprecated_repo_together_are_a_usage_error(fake, cli, capsys):
    assert main(["submit", str(PACK), "--github", "octo-org/cab", "--repo", "octo-org/other"]) == 2
    assert "give only one of them" in capsys.readouterr().err
    assert cli == []


def test_help_shows_the_deprecated_repo_only_as_deprecated(capsys):
    assert main(["submit", "--help"]) == 0
    options, _, deprecated = capsys.readouterr().out.partition("deprecated (removed in the next release):")
    assert "--github OWNER/NAME" in options
    assert "--repo" not in options
    assert "--repo OWNER/NAME (use --github" in " ".join(deprecated.split())
