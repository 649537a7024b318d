"""`--repo PATH` is the local directory of the CAB repository in every command that reads one;
`--root`, its old spelling in validate, score and collect, works for one release and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main, repo_flags
from tests.builders import evidence_pack, write_yaml
from tests.tool_fixtures import collect_argv

ROOT = Path(__file__).resolve().parent.parent
LOW = ROOT / "evidence" / "2026-11" / "payments-api-7.4.2.yaml"
DEPRECATED_ROOT = "cab: --root is deprecated; use --repo (it will be removed in the next release)\n"

# Every command with a local repository, with the rest of a valid command line.
REPO_COMMANDS: dict[str, list[str]] = {
    "validate": ["validate"],
    "score": ["score", str(LOW)],
    "status": ["status"],
    "show": ["show", "payments-api-7.4.2"],
    "verify": ["verify", "payments-api-7.4.2"],
    "exceptions": ["exceptions"],
    "audit": ["audit", "--no-cache"],
}
ROOT_COMMANDS = ["validate", "score", "collect"]  # where --root was the spelling


def argv(command: str, tmp_path: Path) -> list[str]:
    """`command`'s command line without --repo; collect's needs an artifact, made in tmp_path."""
    if command == "collect":
        line = collect_argv(tmp_path / "work")
        cut = line.index("--repo")
        return line[:cut] + line[cut + 2 :]
    return list(REPO_COMMANDS[command])


def strict_model_repo(tmp_path: Path) -> Path:
    """A repository whose own risk model puts the LOW pack in the medium tier."""
    model = (ROOT / "risk-model" / "v1.0.yaml").read_text().replace("low_max: 50", "low_max: 2")
    (tmp_path / "risk-model").mkdir()
    (tmp_path / "risk-model" / "v1.0.yaml").write_text(model, encoding="utf-8")
    return tmp_path


# --- --repo PATH


@pytest.mark.parametrize("command", [*REPO_COMMANDS, "collect"])
def test_repo_that_does_not_exist_is_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "does-not-exist"
    assert main([*argv(command, tmp_path), "--repo", str(missing)]) == 2
    assert f"argument --repo: {missing}: no such directory" in capsys.readouterr().err


@pytest.mark.parametrize("command", [*REPO_COMMANDS, "collect"])
def test_repo_that_is_a_file_is_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv(command, tmp_path), "--repo", str(LOW)]) == 2
    assert f"argument --repo: {LOW}: not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("command", [*REPO_COMMANDS, "collect"])
def test_help_names_repo_path(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--repo PATH" in capsys.readouterr().out


def test_repo_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(tmp_path / "evidence" / "2026-11" / "payments-api-7.4.2.yaml", evidence_pack())
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.strip() == "1 valid, 0 invalid"


def test_score_reads_the_model_of_the_repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(LOW), "--repo", str(strict_model_repo(tmp_path))]) == 0
    assert "score 4.00 → medium" in capsys.readouterr().out


def test_collect_writes_under_the_repo(tmp_path: Path) -> None:
    assert main([*argv("collect", tmp_path), "--repo", str(tmp_path)]) == 0
    assert (tmp_path / "evidence" / "2026-11" / "demo-service-1.2.0.yaml").is_file()


# --- --root, deprecated


def test_root_still_names_the_repository_to_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(tmp_path / "evidence" / "2026-11" / "payments-api-7.4.2.yaml", evidence_pack(title=""))
    assert main(["validate", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().out.strip() == "0 valid, 1 invalid"


def test_root_still_names_the_repository_whose_model_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(LOW), "--root", str(strict_model_repo(tmp_path))]) == 0
    assert "score 4.00 → medium" in capsys.readouterr().out


def test_root_still_names_the_repository_collect_writes_into(tmp_path: Path) -> None:
    assert main([*argv("collect", tmp_path), "--root", str(tmp_path)]) == 0
    assert (tmp_path / "evidence" / "2026-11" / "demo-service-1.2.0.yaml").is_file()


@pytest.mark.parametrize("command", ROOT_COMMANDS)
def test_root_warns_once_on_stderr(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([*argv(command, tmp_path), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert (err.startswith(DEPRECATED_ROOT), err.count("deprecated")) == (True, 1)


@pytest.mark.parametrize("command", ROOT_COMMANDS)
def test_root_that_does_not_exist_is_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv(command, tmp_path), "--root", str(tmp_path / "gone")]) == 2
    assert "argument --root: " in capsys.readouterr().err


@pytest.mark.parametrize("command", ROOT_COMMANDS)
def test_root_and_repo_together_are_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv(command, tmp_path), "--repo", str(tmp_path), "--root", str(tmp_path)]) == 2
    assert "--repo and --root name the same repository; give only one of them" in capsys.readouterr().err


@pytest.mark.parametrize("command", ROOT_COMMANDS)
def test_help_shows_root_only_as_deprecated(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    options, _, deprecated = capsys.readouterr().out.partition("deprecated (removed in the next release):")
    assert "--root" not in options
    assert "--root PATH (use --repo PATH)" in " ".join(deprecated.split())


@pytest.mark.parametrize("command", sorted({*REPO_COMMANDS, "collect"} - {*ROOT_COMMANDS}))
def test_root_is_not_offered_where_it_never_was(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--root" not in capsys.readouterr().out


# --- --sandbox DIR (cab expire's forge)


def test_sandbox_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["expire", "--sandbox", str(tmp_path / "gone")]) == 2
    assert "argument --sandbox: " in capsys.readouterr().err


def test_sandbox_that_is_not_a_git_repository_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["expire", "--sandbox", str(tmp_path)]) == 2
    assert f"--sandbox {tmp_path}: not a git repository" in capsys.readouterr().err


# --- OWNER/NAME, the shape --github takes


@pytest.mark.parametrize(
    "slug", ["octo-org/cab", "octocat/hello.world", "a/b", "emu_user/x-y_z", "Octo-Org/CAB"]
)
def test_real_repository_names_read_as_owner_slash_name(slug: str) -> None:
    assert repo_flags.is_slug(slug)


@pytest.mark.parametrize(
    "text",
    ["not-a-slug", "octo-org/", "/cab", "octo-org/cab/extra", "https://github.com/octo-org/cab", "-org/cab",
     "octo-org/..", "octo-org/.", "octo org/cab", "./cab", "octo-org/cab\n"],
)  # fmt: skip
def test_anything_else_does_not(text: str) -> None:
    assert not repo_flags.is_slug(text)


def test_the_readme_quotes_the_deprecation_line_the_cli_prints() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"`{DEPRECATED_ROOT.strip()}`" in readme
