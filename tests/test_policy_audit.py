"""Policy changes made by hand, as real git histories: the bot never trusts them and the audit
flags them (issues 12 and 13). Each history is a person's two-parent merge into main, made with
git plumbing exactly as `git merge --no-ff` and a push would make it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.rules import records
from tests.audit_helpers import audit_repo, rules_of
from tests.sandbox import DATA, EXCEPTION, HIGH, LOW, CabRepo, make_cab_repo

EXCEPTION_RECORD = "decisions/exceptions/2026-11/edge-proxy-nghttp2.yaml"


@pytest.fixture
def cab(tmp_path: Path) -> CabRepo:
    return make_cab_repo(tmp_path / "repo")


def hand_merge(cab: CabRepo, files: dict[str, bytes | None], who: str = "mallory") -> str:
    """A person's branch with `files`, merged into main by that person with a merge commit."""
    forge = cab.forge
    main = forge.branch_head("main")
    branch = forge.push("by-hand", files, author=who, message="tweak", start="main")
    email = f"{who}@users.noreply.sandbox"
    env = {"GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": email}
    env |= {"GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": email}
    tree = forge.git.run("rev-parse", f"{branch}^{{tree}}").stdout.strip()
    merge = forge.git.run(
        "commit-tree", tree, "-p", main, "-p", branch, "-m", "Merge branch 'by-hand'", env=env
    ).stdout.strip()
    forge.git.run("update-ref", "refs/heads/main", merge, main)
    return merge


def model_v9_9() -> bytes:
    text = (DATA / "risk-model" / "v1.0.yaml").read_bytes()
    return text.replace(b'version: "1.0"', b'version: "9.9"').replace(b"low_max: 50", b"low_max: 99")


def test_a_risk_model_merged_by_hand_is_flagged_and_never_scores(cab: CabRepo) -> None:
    merge = hand_merge(cab, {"risk-model/v9.9.yaml": model_v9_9()})
    findings = audit_repo(cab.forge.path).findings
    assert ("policy.undecided-model", merge, "risk-model/v9.9.yaml") in [
        (f.rule, f.commit, f.path) for f in findings
    ]
    number = cab.submit(HIGH)
    result = cab.sync(number)
    assert result.tier == "high"  # v9.9 would have made it low
    assert result.record_path is not None
    raw = cab.forge.read_file(cab.forge.pull_request(number).head_sha, result.record_path)
    assert raw is not None and records.parse(raw, "r").model.risk.model_version == "1.0"


def test_codeowners_merged_by_hand_is_flagged_as_an_unaccounted_commit(cab: CabRepo) -> None:
    """Any commit that is no bot decision is `history.unaccounted`; `policy.undecided-change` is for
    a decision merge that carries policy paths (tests/test_audit_tamper.py)."""
    current = cab.forge.read_file(cab.forge.branch_head("main"), ".github/CODEOWNERS")
    assert current is not None
    handed = current.replace(b"/decisions/medium/  @example/cab", b"/decisions/medium/  @example/platform")
    merge = hand_merge(cab, {".github/CODEOWNERS": handed})
    findings = audit_repo(cab.forge.path).findings
    assert [(f.rule, f.commit) for f in findings] == [("history.unaccounted", merge)]


def test_a_root_setup_py_merged_by_hand_is_not_a_policy_finding_but_a_change_pr_refuses_it(
    cab: CabRepo,
) -> None:
    """The audit's policy paths are named ones; the PR allow-list is what refuses the rest."""
    result = cab.sync(cab.submit(LOW, extra={"setup.py": b"print('hi')\n"}))
    assert result.status == "refused"


def test_a_rejected_exception_decision_rewritten_by_hand_is_flagged(cab: CabRepo) -> None:
    exception = cab.submit(EXCEPTION, author="carol-cab")
    cab.forge.comment(exception, "sec-sam", "/cab reject the controls are not verified")
    assert cab.sync(exception).outcome == "rejected"
    rejected = cab.forge.read_file(cab.forge.branch_head("main"), EXCEPTION_RECORD)
    assert rejected is not None
    merge = hand_merge(cab, {EXCEPTION_RECORD: rejected.replace(b"outcome: rejected", b"outcome: approved")})
    findings = audit_repo(cab.forge.path).findings
    assert ("governed.modified", merge, EXCEPTION_RECORD) in [(f.rule, f.commit, f.path) for f in findings]


def test_a_fresh_repository_audits_clean_with_its_bootstrap_model(cab: CabRepo) -> None:
    """The root commit is the bootstrap: its risk model and CODEOWNERS are given."""
    assert rules_of(audit_repo(cab.forge.path).findings) == set()


def test_status_and_show_list_a_pending_and_a_decided_policy_change(
    cab: CabRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    # a CODEOWNERS `cab lint` passes (a policy change bringing one it fails waits: test_codeowners_online)
    widened = (DATA / "repo-template/.github/CODEOWNERS").read_bytes() + b"/docs/ @example/cab\n"
    number = cab.submit(".github/CODEOWNERS", content=widened)
    cab.sync(number)
    repo = str(cab.forge.path)
    assert main(["status", "--pending", "--repo", repo, "--ref", "main"]) == 0
    assert f"pr-{number}" in capsys.readouterr().out
    cab.forge.review(number, "bob-cab", "APPROVED")
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).outcome == "approved"
    assert main(["show", f"pr-{number}", "--repo", repo]) == 0
    assert "kind: PolicyDecision" in capsys.readouterr().out
