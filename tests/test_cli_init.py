"""`cab init`: a CAB repository that is ready to push, with the teams, pin and identity given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.cli import main

PIN = "acme/cab-bot@0123456789abcdef0123456789abcdef01234567"
WORKFLOWS = (".github/workflows/cab.yml", ".github/workflows/cab-expiry.yml")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in (("GIT_AUTHOR", "Platform Engineer"), ("GIT_COMMITTER", "Platform Engineer")):
        monkeypatch.setenv(f"{var}_NAME", value)
        monkeypatch.setenv(f"{var}_EMAIL", "pe@acme.example")


def test_init_creates_a_git_repository_whose_bootstrap_commit_holds_every_created_file(
    tmp_path: Path,
) -> None:
    root = tmp_path / "cab"
    assert main(["init", str(root)]) == 0
    assert git(root, "log", "--format=%s").splitlines() == ["cab: bootstrap the CAB repository (cab init)"]
    committed = set(git(root, "ls-files").splitlines())
    assert {".github/CODEOWNERS", ".github/workflows/cab.yml", "risk-model/v1.1.yaml"} <= committed
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "branch", "--show-current").strip() == "main"


def test_status_verify_and_audit_work_right_after_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "cab"
    assert main(["init", str(root)]) == 0
    assert main(["status", "--repo", str(root)]) == 0
    assert main(["audit", "--repo", str(root)]) == 0
    assert main(["verify", "no-such-change", "--repo", str(root)]) == 1
    assert "not a git repository" not in capsys.readouterr().err


def test_init_writes_the_teams_given_into_codeowners(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--cab-team", "@acme/cab", "--security-team", "@acme/security"]) == 0
    codeowners = (tmp_path / ".github/CODEOWNERS").read_text()
    assert "/decisions/medium/  @acme/cab\n" in codeowners
    assert "/decisions/high/    @acme/security\n" in codeowners
    assert "@example/" not in codeowners


def test_action_ref_pins_every_workflow_that_runs_the_action(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--action-ref", PIN]) == 0
    for workflow in WORKFLOWS:
        text = (tmp_path / workflow).read_text()
        assert f"- uses: {PIN} # cab-bot release (cab init)\n" in text
        assert "your-org/" not in text and "0000000000" not in text


def test_init_writes_the_bot_identity_given_into_the_workflows(tmp_path: Path) -> None:
    argv = ["--bot-login", "acme-cab[bot]", "--bot-name", "acme-cab[bot]"]
    argv += ["--bot-email", "1234+acme-cab[bot]@users.noreply.github.com"]
    assert main(["init", str(tmp_path), *argv]) == 0
    text = (tmp_path / ".github/workflows/cab.yml").read_text()
    assert "bot-login: acme-cab[bot]\n" in text
    assert "bot-email: 1234+acme-cab[bot]@users.noreply.github.com\n" in text


def test_without_options_the_workflows_carry_the_identity_of_github_token(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / ".github/workflows/cab.yml").read_text()
    assert "bot-login: github-actions[bot]\n" in text
    assert "bot-email: 41898282+github-actions[bot]@users.noreply.github.com\n" in text


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--action-ref", "acme/cab-bot@v1.2.3"], "--action-ref must be OWNER/REPO@SHA"),
        (["--action-ref", "acme/cab-bot@76f52bc"], "full 40-character commit sha"),
        (["--cab-team", "acme-cab"], "--cab-team must be an organization team like @octo-org/cab"),
        (["--security-team", "@alice"], "--security-team must be an organization team"),
        (["--bot-email", "nobody"], "--bot-email must be an e-mail address"),
        (["--bot-name", "x\ny"], "--bot-name must be one plain line"),
        (["--branch", "main..x"], "--branch must be a plain branch name"),
    ],
)
def test_bad_options_are_refused_in_one_line_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    root = tmp_path / "cab"
    assert main(["init", str(root), *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
    assert not root.exists()


def test_next_steps_name_only_what_is_left_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--cab-team", "@acme/cab", "--security-team", "@acme/security", "--action-ref", PIN]
    assert main(["init", str(tmp_path / "all"), *argv]) == 0
    done = capsys.readouterr().out
    assert main(["init", str(tmp_path / "bare")]) == 0
    bare = capsys.readouterr().out
    assert "CODEOWNERS" not in done.split("Next:")[1] and "--action-ref" not in done.split("Next:")[1]
    assert "replace @example/cab and @example/security in .github/CODEOWNERS" in bare
    assert "replace your-org/cab-bot@0000000000000000000000000000000000000000 in" in bare
    assert "push -u origin main" in done


def test_a_repository_with_commits_gets_no_commit_and_is_told_to_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "notes.txt").write_text("mine\n")
    git(tmp_path, "add", "notes.txt")
    git(tmp_path, "commit", "-q", "-m", "mine")
    assert main(["init", str(tmp_path)]) == 0
    assert git(tmp_path, "log", "--format=%s").splitlines() == ["mine"]
    assert "commit the created files" in capsys.readouterr().out


def test_an_empty_directory_inside_another_repository_gets_a_repository_of_its_own(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    root = tmp_path / "cab"
    assert main(["init", str(root)]) == 0
    assert (root / ".git").is_dir()
    assert git(root, "rev-parse", "--show-toplevel").strip() == str(root.resolve())


def test_files_kept_as_they_were_are_named_in_the_next_steps_rather_than_claimed_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/CODEOWNERS").write_text("* @mine/team\n")
    (tmp_path / ".github/workflows/cab.yml").write_text("name: cab\n")
    argv = ["--cab-team", "@acme/cab", "--security-team", "@acme/security", "--action-ref", PIN]
    assert main(["init", str(tmp_path), *argv]) == 0
    steps = capsys.readouterr().out.split("Next:")[1]
    assert "your .github/CODEOWNERS was kept as it was" in steps
    assert "your .github/workflows/cab.yml was kept as it was" in steps
    assert (tmp_path / ".github/CODEOWNERS").read_text() == "* @mine/team\n"


def test_an_empty_repository_gets_the_bootstrap_commit_on_its_own_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    assert main(["init", str(tmp_path)]) == 0
    assert git(tmp_path, "branch", "--show-current").strip() == "trunk"
    assert "push -u origin trunk" in capsys.readouterr().out


def test_without_a_git_identity_init_refuses_before_writing_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-config"))
    root = tmp_path / "cab"
    assert main(["init", str(root)]) == 2
    assert "git config --global user.name" in capsys.readouterr().err
    assert not root.exists()


def test_next_steps_say_to_pin_githubs_signing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "cab")]) == 0
    steps = capsys.readouterr().out.split("Next:")[1]
    assert "pin GitHub's web-flow signing key in policy/signers.yaml" in steps
