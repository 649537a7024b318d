"""`cab lint`: CODEOWNERS lines GitHub skips, and governed paths without the owners the CAB needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.rules.codeowners_lint import MAX_BYTES, LintProblem, lint
from tests.repo_builder import PROJECT

TEMPLATE = (PROJECT / "bot" / "data" / "repo-template" / ".github" / "CODEOWNERS").read_text()


def messages(text: str) -> list[str]:
    return [p.message for p in lint(text)]


def with_line(line: str) -> str:
    return TEMPLATE + line + "\n"


def last_line_number() -> int:
    return len(TEMPLATE.splitlines()) + 1


def test_the_shipped_template_is_clean() -> None:
    assert lint(TEMPLATE) == []


def test_a_negated_pattern_is_reported_where_it_is() -> None:
    assert lint(with_line("!docs/ @example/cab")) == [
        LintProblem(
            last_line_number(), 1, "'!' negation is not supported in CODEOWNERS; GitHub skips this line"
        )
    ]


def test_an_escaped_hash_pattern_is_reported() -> None:
    assert messages(with_line("\\#notes @example/cab")) == [
        "'\\#' (an escaped '#') is not supported in CODEOWNERS; GitHub skips this line"
    ]


def test_brackets_are_reported_as_not_a_character_range() -> None:
    assert messages(with_line("/apps/[ab]/ @example/cab")) == [
        "'[ ]' is not a character range in CODEOWNERS (GitHub reads it literally)"
    ]


def test_an_escaped_bracket_is_a_literal_bracket_and_fine() -> None:
    assert lint(with_line("/apps/\\[ab\\]/ @example/cab @example/security")) == []


def test_a_malformed_owner_is_reported_at_its_column() -> None:
    assert lint(with_line("file.txt missing-at-sign")) == [
        LintProblem(
            last_line_number(),
            10,
            "'missing-at-sign' is not an owner (@user, @org/team or an e-mail); GitHub skips this line",
        )
    ]


def test_a_comment_after_the_owners_is_not_an_owner() -> None:
    assert lint(with_line("/docs/ @example/cab @example/security # the docs")) == []


def test_a_file_over_three_megabytes_is_reported_once() -> None:
    assert [p.message for p in lint(TEMPLATE, size=MAX_BYTES + 1)] == [
        f"the file is over GitHub's 3 MB limit ({MAX_BYTES} bytes): GitHub ignores it"
    ]


def test_a_file_of_exactly_three_megabytes_is_loaded() -> None:
    assert lint(TEMPLATE, size=MAX_BYTES) == []


def test_a_tier_without_a_team_owner_is_reported_on_the_rule_that_decides_it() -> None:
    text = TEMPLATE.replace("/decisions/high/    @example/security", "/decisions/high/")
    problems = lint(text)
    decided_by = TEMPLATE.splitlines().index("/decisions/high/    @example/security") + 1
    assert [(p.line, p.message) for p in problems] == [
        (decided_by, "decisions/high/ has no team owner: it needs the security team")
    ]


def test_one_team_owning_both_tiers_is_reported() -> None:
    text = TEMPLATE.replace("/decisions/high/    @example/security", "/decisions/high/    @example/cab")
    assert (
        "decisions/medium/ and decisions/high/ share the owner @example/cab: the tiers need two teams"
        in messages(text)
    )


def test_policy_owned_by_one_team_is_reported() -> None:
    assert messages(with_line("/policy/ @example/cab")) == [
        "policy/ is owned by @example/cab but not @example/security: it needs both teams"
    ]


def test_a_workflow_rule_that_drops_the_security_team_is_reported() -> None:
    assert messages(with_line("/.github/workflows/ @example/cab")) == [
        ".github/workflows/ is owned by @example/cab but not @example/security: it needs both teams"
    ]


# --- the command


def git_repo(root: Path, codeowners: str | None) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if codeowners is not None:
        (root / ".github").mkdir()
        (root / ".github" / "CODEOWNERS").write_text(codeowners)
    return root


def test_lint_exits_0_on_a_clean_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = git_repo(tmp_path / "cab", TEMPLATE)
    assert main(["lint", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out == f"{repo}/.github/CODEOWNERS: no problems\n"


def test_lint_exits_1_and_prints_file_line_col_for_each_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(tmp_path / "cab", with_line("!docs/ @example/cab"))
    assert main(["lint", "--repo", str(repo)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{repo}/.github/CODEOWNERS:{last_line_number()}:1: '!' negation")


def test_lint_reads_the_file_at_a_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = git_repo(tmp_path / "cab", with_line("/policy/ @example/cab"))
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-qm", "x"], check=True)
    (repo / ".github" / "CODEOWNERS").write_text(TEMPLATE)  # the work tree is fixed; HEAD is not
    assert main(["lint", "--repo", str(repo), "--ref", "HEAD"]) == 1
    assert "HEAD:.github/CODEOWNERS:" in capsys.readouterr().out


def test_no_codeowners_file_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = git_repo(tmp_path / "cab", None)
    assert main(["lint", "--repo", str(repo)]) == 1
    assert "no CODEOWNERS file" in capsys.readouterr().err
