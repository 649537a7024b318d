"""Every audit remembers the tip it verified, outside the repository, and refuses to go back on it.

The two attacks that used to audit clean without `--anchor`, as real git histories: main reset to
before a rejection and the change approved on a second try; one old rejection rewritten into an
approval. What is remembered belongs to the clone that audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters import known_tips
from bot.cli import main
from bot.domain.findings import Finding
from tests.audit_helpers import audit_repo, rules_of
from tests.history_tampers import Clone
from tests.repo_builder import RepoBuilder, Tweak, honest_history


@dataclass
class Rejected:
    builder: RepoBuilder
    before: str | None  # the newest record sha256 before the rejection (what a resubmission chains to)
    record: str  # the rejection's record path
    tip: str  # main after the rejection, as the first audit saw it


@pytest.fixture
def rejected(tmp_path: Path) -> Rejected:
    """An honest history whose newest decision is a rejection, audited once (its tip remembered)."""
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    before = builder.previous
    decided = builder.decide("identity-gw-2", "medium", Tweak(outcome="rejected", approvers=[]))
    assert audit_repo(builder.root).findings == []
    return Rejected(builder, before, decided.record_path, builder.head())


def rewritten(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.rule == "history.rewritten"]


def reset_and_approve(history: Rejected) -> str:
    """Main reset to before the rejection; the change submitted again and approved."""
    builder = history.builder
    builder.git("reset", "-q", "--hard", "HEAD~1")
    builder.git("branch", "-q", "-D", "pr/identity-gw-2")
    builder.previous = history.before
    return builder.decide("identity-gw-2", "medium").merge


def test_main_reset_to_before_a_rejection_and_then_approved_is_refused(rejected: Rejected) -> None:
    head = reset_and_approve(rejected)
    findings = audit_repo(rejected.builder.root).findings
    assert rules_of(findings) == {"history.rewritten"}
    [message] = rewritten(findings)
    assert message.startswith(f"refs/heads/main was at {rejected.tip} when audited at ")
    assert f"that commit is no longer an ancestor of {head}: the history was rewritten" in message
    assert message.endswith(f"if that was intended, delete line 4 of {known_tips.location()}")


def test_the_same_reset_audits_clean_on_a_machine_that_never_audited_it(
    rejected: Rejected, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "elsewhere"))
    reset_and_approve(rejected)
    assert audit_repo(rejected.builder.root).findings == []  # what --anchor and --online are for


def test_an_old_rejection_rewritten_into_an_approval_is_refused(rejected: Rejected, tmp_path: Path) -> None:
    rejected.builder.decide("payments-api-2", "low")  # the rejection is no longer the newest decision
    clone = Clone(rejected.builder.root, tmp_path / "clone")
    assert audit_repo(clone.root).findings == []
    merge = clone.merge_adding(rejected.record)
    forged = clone.read(rejected.record, merge).replace("outcome: rejected", "outcome: approved")
    clone.rewrite(merge, lambda sha: clone.tree_with(sha, rejected.record, forged))
    assert "history.rewritten" in rules_of(audit_repo(clone.root).findings)


def test_another_repository_with_the_same_root_and_branch_is_not_confused_with_it(
    rejected: Rejected, tmp_path: Path
) -> None:
    fork = Clone(rejected.builder.root, tmp_path / "fork")
    fork.git("reset", "-q", "--hard", "HEAD~1")  # a fork that went its own way
    assert audit_repo(fork.root).findings == []


def test_new_decisions_move_the_remembered_tip_forward(rejected: Rejected) -> None:
    rejected.builder.decide("payments-api-2", "low")
    assert audit_repo(rejected.builder.root).findings == []
    [known] = known_tips.load()
    assert (known.ref, known.tip) == ("refs/heads/main", rejected.builder.head())


def test_a_rewritten_history_is_refused_again_until_the_line_is_deleted(rejected: Rejected) -> None:
    reset_and_approve(rejected)
    assert rules_of(audit_repo(rejected.builder.root).findings) == {"history.rewritten"}
    assert rules_of(audit_repo(rejected.builder.root).findings) == {"history.rewritten"}
    known_tips.location().write_text("")  # the user accepts the new history
    assert audit_repo(rejected.builder.root).findings == []
    assert audit_repo(rejected.builder.root).findings == []


def test_a_detached_head_is_neither_checked_nor_remembered(rejected: Rejected) -> None:
    rejected.builder.git("checkout", "-q", "--detach", "HEAD~1")
    assert audit_repo(rejected.builder.root).findings == []
    assert [k.tip for k in known_tips.load()] == [rejected.tip]


def test_the_anchor_still_works_beside_the_remembered_tip(rejected: Rejected) -> None:
    anchor = rejected.tip
    reset_and_approve(rejected)
    report = audit_repo(rejected.builder.root, anchor=anchor)
    assert rules_of(report.findings) == {"history.rewritten", "anchor.not-ancestor"}


# -- cab audit --print-anchor ----------------------------------------------------------------------


def test_print_anchor_prints_one_line_worth_publishing(
    rejected: Rejected, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--repo", str(rejected.builder.root), "--print-anchor"]) == 0
    line = capsys.readouterr().out
    root = rejected.builder.git("rev-list", "--max-parents=0", "HEAD")
    fields = dict(part.split("=", 1) for part in line.split()[1:])
    assert line.startswith("cab-anchor tip=") and line.endswith("\n") and line.count("\n") == 1
    assert (fields["tip"], fields["decisions"], fields["root"]) == (rejected.tip, "4", root)
    assert fields["chain"] == rejected.builder.previous
    assert fields["date"].endswith("Z")


def test_the_printed_tip_works_as_an_anchor(rejected: Rejected, capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", "--repo", str(rejected.builder.root), "--print-anchor"])
    tip = capsys.readouterr().out.split()[1].removeprefix("tip=")
    assert main(["audit", "--repo", str(rejected.builder.root), "--anchor", tip, "--no-cache"]) == 0


def test_no_anchor_is_printed_for_a_history_with_findings(
    rejected: Rejected, capsys: pytest.CaptureFixture[str]
) -> None:
    reset_and_approve(rejected)
    assert main(["audit", "--repo", str(rejected.builder.root), "--print-anchor"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no anchor printed: 1 finding(s)" in captured.err


def test_print_anchor_with_since_is_a_usage_error(
    rejected: Rejected, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--repo", str(rejected.builder.root), "--print-anchor", "--since", "HEAD~1"]) == 2
    assert "--print-anchor needs the whole history" in capsys.readouterr().err
