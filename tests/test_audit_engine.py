"""The audit agrees with the real lifecycle engine: engine-made histories audit clean, tampering does not.

Every clean history here is produced by `bot.services.sync.sync` on the sandbox forge (real git
objects); each tamper variant then changes that history the way an attacker with push access could.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.adapters.forge.sandbox import SIGNING_KEY
from bot.services import demo
from tests.audit_helpers import audit_repo, rules_of
from tests.sandbox import BOT, EXCEPTION, HIGH, LOW, MEDIUM, CabRepo, make_cab_repo


@pytest.fixture
def cab(tmp_path: Path) -> CabRepo:
    return make_cab_repo(tmp_path / "repo")


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, "GIT_CONFIG_GLOBAL": os.devnull, **(env or {})},
    )
    return done.stdout.strip()


def _signed(root: Path) -> tuple[str, ...]:
    """`git` options that sign a `commit-tree` with the sandbox's own key: these tampers are by
    someone who holds the bot's key, so that only the rule under test has something to find."""
    key = root / ".git" / SIGNING_KEY
    return ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit-tree", "-S")


def _who(name: str, email: str, role: str) -> dict[str, str]:
    return {f"GIT_{role}_NAME": name, f"GIT_{role}_EMAIL": email, f"GIT_{role}_DATE": "2026-11-21T10:00:00Z"}


def _recommit_main(
    root: Path,
    *,
    author: tuple[str, str] = (BOT.name, BOT.email),
    committer: tuple[str, str] = (BOT.name, BOT.email),
    extra: tuple[str, bytes] | None = None,
) -> None:
    """Replace main's tip merge with one of the same parents and message, as someone else made it."""
    tip = _git(root, "rev-parse", "main")
    tree = _git(root, "rev-parse", "main^{tree}")
    if extra is not None:
        path, content = extra
        blob = (
            subprocess.run(
                ["git", "-C", str(root), "hash-object", "-w", "--stdin"],
                input=content,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .strip()
        )
        index = {"GIT_INDEX_FILE": str(root / ".git" / "tamper-index")}
        _git(root, "read-tree", tree, env=index)
        _git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
        tree = _git(root, "write-tree", env=index)
    parents = _git(root, "rev-list", "--parents", "-n1", tip).split()[1:]
    message = _git(root, "log", "-1", "--format=%B", tip)
    env = {**_who(*author, "AUTHOR"), **_who(*committer, "COMMITTER")}
    args = [arg for parent in parents for arg in ("-p", parent)]
    new = _git(root, *_signed(root), tree, *args, "-m", message, env=env)
    _git(root, "update-ref", "refs/heads/main", new, tip)


def _recommit_record_commit(root: Path, *, author: tuple[str, str], committer: tuple[str, str]) -> None:
    """Replace the final-record commit (main's tip merge's PR head) as someone else made it, and
    the merge on top of it; trees, parents and messages stay the same."""
    tip, record_commit = _git(root, "rev-parse", "main", "main^2").split()
    env = {**_who(*author, "AUTHOR"), **_who(*committer, "COMMITTER")}
    new_head = _git(
        root,
        *_signed(root),
        _git(root, "rev-parse", "main^2^{tree}"),
        "-p",
        _git(root, "rev-parse", "main^2^1"),
        "-m",
        _git(root, "log", "-1", "--format=%B", record_commit),
        env=env,
    )
    bot = {**_who(BOT.name, BOT.email, "AUTHOR"), **_who(BOT.name, BOT.email, "COMMITTER")}
    new = _git(
        root,
        *_signed(root),
        _git(root, "rev-parse", "main^{tree}"),
        "-p",
        _git(root, "rev-parse", "main^1"),
        "-p",
        new_head,
        "-m",
        _git(root, "log", "-1", "--format=%B", tip),
        env=bot,
    )
    _git(root, "update-ref", "refs/heads/main", new, tip)


def _direct_commit(root: Path, path: str, content: bytes) -> None:
    """A push straight to main that edits one file (what branch protection should have stopped)."""
    index = {"GIT_INDEX_FILE": str(root / ".git" / "tamper-index")}
    blob = (
        subprocess.run(
            ["git", "-C", str(root), "hash-object", "-w", "--stdin"],
            input=content,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    _git(root, "read-tree", "main", env=index)
    _git(root, "update-index", "--cacheinfo", f"100644,{blob},{path}", env=index)
    tree = _git(root, "write-tree", env=index)
    env = {
        **_who("mallory", "mallory@example.com", "AUTHOR"),
        **_who("mallory", "mallory@example.com", "COMMITTER"),
    }
    new = _git(root, "commit-tree", tree, "-p", "main", "-m", "Fix a typo", env=env)
    _git(root, "update-ref", "refs/heads/main", new)


# -- the demo, end to end ---------------------------------------------------------------------


def test_the_demo_history_audits_with_zero_findings(tmp_path: Path) -> None:
    demo.run(tmp_path / "demo", BOT)
    report = audit_repo(tmp_path / "demo")
    assert report.findings == []
    assert report.stats.decisions == 7


def test_evidence_edited_on_main_after_the_demo_is_detected(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    demo.run(root, BOT)
    edited = (root / demo.DECLARED).read_bytes().replace(b"7.4.2", b"7.4.3")
    _direct_commit(root, demo.DECLARED, edited)
    findings = audit_repo(root).findings
    assert [(f.rule, f.path) for f in findings] == [
        ("governed.modified", demo.DECLARED),
        ("history.unaccounted", None),
    ]


# -- exception decisions ----------------------------------------------------------------------


def test_an_engine_approved_exception_and_the_change_relying_on_it_audit_clean(cab: CabRepo) -> None:
    assert cab.approve_exception().outcome == "approved"
    number = cab.submit(HIGH)
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).outcome == "approved"
    assert audit_repo(cab.forge.path).findings == []


def test_an_engine_rejected_exception_and_rejected_change_audit_clean(cab: CabRepo) -> None:
    exception = cab.submit(EXCEPTION, author="carol-cab")
    cab.forge.comment(exception, "sec-sam", "/cab reject the controls are not verified")
    assert cab.sync(exception).outcome == "rejected"
    change = cab.submit(HIGH)
    cab.forge.comment(change, "sec-sam", "/cab reject no approved exception")
    assert cab.sync(change).outcome == "rejected"
    assert audit_repo(cab.forge.path).findings == []


def test_an_exception_decision_merge_that_sneaks_in_a_file_is_detected(cab: CabRepo) -> None:
    cab.approve_exception()
    _recommit_main(cab.forge.path, extra=("deploy/prod.yaml", b"replicas: 50\n"))
    rules = rules_of(audit_repo(cab.forge.path).findings)
    assert {"exception-decision.unexpected-change", "merge.tree-mismatch"} <= rules


# -- policy changes are decided by CAB and security (PolicyDecision) -------------------------------


def _policy_change(cab: CabRepo) -> int:
    """A CODEOWNERS edit alone: a policy change, decided by CAB and security together."""
    codeowners = cab.forge.read_file(cab.forge.branch_head("main"), ".github/CODEOWNERS")
    assert codeowners is not None
    return cab.submit(".github/CODEOWNERS", content=codeowners + b"/docs/ @example/cab\n")


def test_an_engine_policy_change_approved_by_both_teams_audits_clean(cab: CabRepo) -> None:
    number = _policy_change(cab)
    cab.sync(number)  # the owners' membership is snapshotted before they review
    cab.forge.review(number, "bob-cab", "APPROVED")
    cab.forge.review(number, "sec-sam", "APPROVED")
    result = cab.sync(number)
    assert (result.outcome, result.record_path) == ("approved", "decisions/policy/2026-11/pr-1.yaml")
    assert audit_repo(cab.forge.path).findings == []


def test_an_engine_policy_change_rejected_audits_clean(cab: CabRepo) -> None:
    before = cab.forge.read_file(cab.forge.branch_head("main"), ".github/CODEOWNERS")
    number = _policy_change(cab)
    cab.forge.comment(number, "sec-sam", "/cab reject policy changes need their own review")
    assert cab.sync(number).outcome == "rejected"
    assert cab.forge.read_file(cab.forge.branch_head("main"), ".github/CODEOWNERS") == before
    assert audit_repo(cab.forge.path).findings == []


# -- the base moved between opening and deciding ------------------------------------------------


def test_two_prs_from_the_same_main_decided_one_after_the_other_audit_clean(cab: CabRepo) -> None:
    first, second = cab.submit(LOW), cab.submit(MEDIUM)
    assert cab.sync(first).status == "merged"
    cab.sync(second)
    cab.forge.review(second, "bob-cab", "APPROVED")
    merged = cab.sync(second)
    assert merged.status == "merged"
    root = cab.forge.path
    assert _git(root, "rev-parse", "main^{tree}") != _git(root, "rev-parse", "main^2^{tree}")
    assert audit_repo(root).findings == []


def test_a_moved_base_merge_that_sneaks_in_content_is_detected(cab: CabRepo) -> None:
    first, second = cab.submit(LOW), cab.submit(MEDIUM)
    cab.sync(first)
    cab.sync(second)
    cab.forge.review(second, "bob-cab", "APPROVED")
    cab.sync(second)
    _recommit_main(cab.forge.path, extra=("deploy/prod.yaml", b"replicas: 50\n"))
    findings = audit_repo(cab.forge.path).findings
    assert [f.rule for f in findings] == ["merge.tree-mismatch"]
    assert "deploy/prod.yaml" in findings[0].message


# -- merges made through GitHub's REST API ------------------------------------------------------


def test_a_merge_committed_by_github_for_the_bot_passes_the_identity_rule_but_needs_githubs_key(
    cab: CabRepo,
) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_main(cab.forge.path, committer=("GitHub", "noreply@github.com"))
    findings = audit_repo(cab.forge.path).findings
    assert rules_of(findings) == {"signature.untrusted"}
    assert "not a key of noreply@github.com" in findings[0].message


def test_a_merge_committed_by_github_for_someone_else_is_detected(cab: CabRepo) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_main(
        cab.forge.path, author=("mallory", "mallory@example.com"), committer=("GitHub", "noreply@github.com")
    )
    assert rules_of(audit_repo(cab.forge.path).findings) == {
        "identity.merge-not-bot",
        "history.unaccounted",
        "signature.untrusted",
    }


def test_a_committer_only_named_like_github_is_detected(cab: CabRepo) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_main(cab.forge.path, committer=("GitHub", "noreply@github.com.evil.example"))
    assert rules_of(audit_repo(cab.forge.path).findings) == {
        "identity.merge-not-bot",
        "history.unaccounted",
        "signature.untrusted",
    }


def test_a_record_commit_committed_by_github_for_the_bot_passes_the_identity_rule_but_needs_githubs_key(
    cab: CabRepo,
) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_record_commit(
        cab.forge.path, author=(BOT.name, BOT.email), committer=("GitHub", "noreply@github.com")
    )
    findings = audit_repo(cab.forge.path).findings
    assert rules_of(findings) == {"signature.untrusted"}
    assert findings[0].message.startswith("final-record commit")


def test_a_record_commit_committed_by_github_for_someone_else_is_detected(cab: CabRepo) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_record_commit(
        cab.forge.path, author=("mallory", "mallory@example.com"), committer=("GitHub", "noreply@github.com")
    )
    assert rules_of(audit_repo(cab.forge.path).findings) == {
        "identity.record-commit-not-bot",
        "signature.untrusted",
    }


def test_a_record_commit_by_the_bot_committed_by_someone_else_is_detected(cab: CabRepo) -> None:
    cab.sync(cab.submit(LOW))
    _recommit_record_commit(
        cab.forge.path, author=(BOT.name, BOT.email), committer=("mallory", "mallory@example.com")
    )
    assert rules_of(audit_repo(cab.forge.path).findings) == {
        "identity.record-commit-not-bot",
        "signature.untrusted",
    }


# -- exception coverage: the audit applies the engine's rule (issue 11, case 1) -----------------


_CRITICALS = ["CVE-2026-3301", "CVE-2026-3302"]
_HIGHS = [f"CVE-2026-41{i:02d}" for i in range(5)]


def _hotfix_with_a_low_finding(cab: CabRepo) -> bytes:
    """The high-tier hotfix whose scan also lists a low finding that no exception names."""
    data = yaml.safe_load(cab.example(HIGH))
    scan = data["vulnerability_scan"]
    scan["counts"] = {"critical": 2, "high": len(_HIGHS), "medium": 0, "low": 1}
    scan["findings"] += [{"id": cve, "severity": "high", "package": "openssl"} for cve in _HIGHS]
    scan["findings"].append({"id": "CVE-2026-0007", "severity": "low", "package": "zlib"})
    return yaml.safe_dump(data, sort_keys=False).encode()


def _exception_naming(cab: CabRepo, exception_id: str, vulnerability_ids: list[str]) -> str:
    data = yaml.safe_load(cab.example(EXCEPTION))
    data["id"] = exception_id
    data["scope"] = {"vulnerability_ids": vulnerability_ids}
    path = f"exceptions/2026-11/{exception_id}.yaml"
    number = cab.submit(path, content=yaml.safe_dump(data, sort_keys=False).encode(), branch=exception_id)
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).outcome == "approved"
    return path


def test_an_exception_naming_every_serious_finding_but_not_a_low_one_audits_clean(cab: CabRepo) -> None:
    _exception_naming(cab, "accept-nghttp2", _CRITICALS + _HIGHS)
    number = cab.submit(HIGH, content=_hotfix_with_a_low_finding(cab))
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    result = cab.sync(number)
    assert (result.tier, result.outcome) == ("high", "approved")
    assert audit_repo(cab.forge.path).findings == []


def test_two_exceptions_that_together_cover_the_serious_findings_audit_clean(cab: CabRepo) -> None:
    _exception_naming(cab, "accept-nghttp2", _CRITICALS)
    _exception_naming(cab, "accept-openssl", _HIGHS)
    number = cab.submit(HIGH, content=_hotfix_with_a_low_finding(cab))
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    result = cab.sync(number)
    assert (result.tier, result.outcome) == ("high", "approved")
    assert audit_repo(cab.forge.path).findings == []
