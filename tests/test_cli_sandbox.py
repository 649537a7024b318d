"""`cab sandbox`: a user's own files through the lifecycle from the shell, each step answered by
the bot in the words of its PR comment, and a history that audits clean afterwards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.comments import STATUS_LINE

EXAMPLES = Path(__file__).parents[1] / "bot" / "data" / "examples"
LOW = EXAMPLES / "evidence" / "2026-11" / "payments-api-7.4.2.yaml"
MEDIUM = EXAMPLES / "evidence" / "2026-11" / "identity-gateway-3.0.0.yaml"
HIGH = EXAMPLES / "evidence" / "2026-11" / "edge-proxy-hotfix.yaml"


def cab(capsys: pytest.CaptureFixture[str], *argv: str | Path, code: int = 0) -> str:
    assert main([str(a) for a in argv]) == code
    out, err = capsys.readouterr()
    return out + err


@pytest.fixture
def sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    where, source = tmp_path / "sandbox", _own_codeowners(tmp_path / "mine")
    cab(
        capsys,
        "sandbox",
        "create",
        where,
        "--from",
        source,
        "--team",
        "acme/cab=bob,dana",
        "--team",
        "acme/sec=sam",
    )
    return where


def _own_codeowners(root: Path) -> Path:
    if root.exists():
        return root
    (root / ".github").mkdir(parents=True)
    (root / ".github" / "CODEOWNERS").write_text("* @acme/cab @acme/sec\n/decisions/high/ @acme/sec\n")
    return root


def test_create_names_the_teams_and_the_next_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cab(capsys, "sandbox", "create", tmp_path / "s", "--team", "acme/cab=bob,dana")
    assert "team @acme/cab: @bob, @dana" in out
    assert f"Next: cab sandbox submit FILE --as LOGIN --sandbox {tmp_path / 's'}" in out


def test_create_from_a_cab_repository_starts_main_with_its_codeowners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _own_codeowners(tmp_path / "mine")
    where = tmp_path / "s"
    cab(capsys, "sandbox", "create", where, "--from", source, "--team", "acme/cab=bob")
    out = cab(capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", where)
    assert "needs 1 approval from @acme/cab" in out


def test_submit_opens_a_pull_request_and_prints_the_bots_comment(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cab(capsys, "sandbox", "submit", LOW, "--as", "alice", "--sandbox", sandbox)
    assert "@alice opens #1 with evidence/2026-11/payments-api-7.4.2.yaml" in out
    assert "bot: sync #1: merged (low, score 4.00): low risk: auto-approved → merged" in out
    assert STATUS_LINE["auto_approved"] in out
    assert "<!--" not in out  # the hidden marker is GitHub's business, not the reader's


def test_review_by_an_owner_approves_a_medium_change(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert STATUS_LINE["pending"] in cab(
        capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", sandbox
    )
    out = cab(capsys, "sandbox", "review", "1", "approve", "--as", "dana", "--sandbox", sandbox)
    assert "@dana approves #1" in out
    assert "approved by @dana" in out
    assert "- @dana (@acme/cab)" in out


def test_a_push_after_an_approval_makes_it_stale(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cab(capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", sandbox)
    cab(capsys, "sandbox", "review", "1", "approve", "--as", "dana", "--sandbox", sandbox, "--no-sync")
    edited = sandbox.parent / "edited.yaml"
    edited.write_bytes(MEDIUM.read_bytes().replace(b"completeness", b"completeness", 1) + b"\n# fixed\n")
    out = cab(capsys, "sandbox", "push", "1", edited, "--as", "alice", "--sandbox", sandbox)
    assert "@alice pushes evidence/2026-11/identity-gateway-3.0.0.yaml to #1" in out
    assert "not counted: @dana's approval is stale" in out


def test_no_sync_leaves_the_bot_for_later(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cab(capsys, "sandbox", "submit", LOW, "--as", "alice", "--sandbox", sandbox, "--no-sync")
    assert "the bot has not run; `cab sandbox sync 1` runs it" in out
    assert "merged (low" in cab(capsys, "sandbox", "sync", "1", "--sandbox", sandbox)


def test_a_reject_command_in_a_comment_rejects(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cab(capsys, "sandbox", "submit", HIGH, "--as", "alice", "--sandbox", sandbox)
    out = cab(
        capsys, "sandbox", "comment", "1", "/cab reject unpatched CVEs", "--as", "sam", "--sandbox", sandbox
    )
    assert "rejected by @sam: unpatched CVEs" in out
    assert STATUS_LINE["rejected"] in out


def test_request_changes_keeps_the_change_waiting(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cab(capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", sandbox)
    out = cab(capsys, "sandbox", "review", "1", "request-changes", "--as", "bob", "--sandbox", sandbox)
    assert "@bob requests changes on #1" in out
    assert STATUS_LINE["pending"] in out


def test_list_shows_each_pull_request_and_its_state(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "no pull requests yet" in cab(capsys, "sandbox", "list", "--sandbox", sandbox)
    cab(capsys, "sandbox", "submit", LOW, "--as", "alice", "--sandbox", sandbox)
    cab(capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", sandbox)
    rows = [
        line.split()[:3] for line in cab(capsys, "sandbox", "list", "--sandbox", sandbox).splitlines()[1:]
    ]
    assert rows == [["#1", "merged", "risk:low"], ["#2", "open", "risk:medium"]]


def test_the_sandbox_history_audits_clean(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cab(capsys, "sandbox", "submit", LOW, "--as", "alice", "--sandbox", sandbox)
    cab(capsys, "sandbox", "submit", MEDIUM, "--as", "alice", "--sandbox", sandbox)
    cab(capsys, "sandbox", "review", "2", "approve", "--as", "bob", "--sandbox", sandbox)
    assert "0 findings" in cab(capsys, "audit", "--repo", sandbox)


def test_a_bot_written_record_cannot_be_submitted(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cab(capsys, "sandbox", "submit", LOW, "--as", "alice", "--sandbox", sandbox)
    record = _record_of_main(sandbox)
    out = cab(capsys, "sandbox", "submit", record, "--as", "alice", "--sandbox", sandbox, code=2)
    assert "is written by the bot; submit an evidence pack or an exception" in out


def _record_of_main(sandbox: Path) -> Path:
    """The one decision record on main, checked out into the sandbox's work tree."""
    subprocess.run(["git", "-C", str(sandbox), "checkout", "-q", "main", "--", "decisions"], check=True)
    return next((sandbox / "decisions" / "low").rglob("*.yaml"))


def test_an_exception_request_is_placed_under_exceptions(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exception = EXAMPLES / "exceptions" / "2026-11" / "edge-proxy-nghttp2.yaml"
    out = cab(capsys, "sandbox", "submit", exception, "--as", "carol", "--sandbox", sandbox)
    assert "@carol opens #1 with exceptions/2026-11/edge-proxy-nghttp2.yaml" in out
