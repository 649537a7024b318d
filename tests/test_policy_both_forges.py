"""Policy changes are changes too (issues 12 and 13), on the sandbox forge and on the GitHub forge.

A pull request that changes anything outside a change's or an exception's allow-list (here:
CODEOWNERS, a new risk model, the bot's code) is decided by CAB *and* security, each by a member
who wrote none of it, and recorded as a `PolicyDecision` in the hash chain. Every scenario's
history must audit clean afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.comments import MARKER
from bot.domain.models import PolicyDecision
from bot.domain.rules import policy_changes, records
from bot.domain.rules.trailers import policy_from_message
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab, record_of
from tests.sandbox import DATA, EXCEPTION, HIGH, LOW

CODEOWNERS = ".github/CODEOWNERS"
MODEL = "risk-model/v1.1.yaml"
EXCEPTION_RECORD = "decisions/exceptions/2026-11/edge-proxy-nghttp2.yaml"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def record_path(number: int) -> str:
    return f"decisions/policy/2026-11/pr-{number}.yaml"


def widened_codeowners(cab: Cab) -> bytes:
    current = cab.main_file(CODEOWNERS)
    assert current is not None
    return current + b"/docs/ @example/cab\n"


def record_of_head(cab: Cab, number: int) -> PolicyDecision:
    return records.parse_policy_decision(cab.read_head(number, record_path(number)), "head").model


def policy_record(cab: Cab, path: str) -> PolicyDecision:
    raw = cab.main_file(path)
    assert raw is not None, f"{path} is not on main"
    return records.parse_policy_decision(raw, path).model


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def model_v1_1(low_max: int = 40) -> bytes:
    text = (DATA / "risk-model" / "v1.0.yaml").read_bytes()
    return text.replace(b'version: "1.0"', b'version: "1.1"').replace(
        b"low_max: 50", b"low_max: %d" % low_max
    )


def test_a_policy_change_waits_for_cab_and_security_with_a_pending_policy_record(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    result = cab.sync(number)
    assert (result.status, result.record_path) == ("pending", record_path(number))
    assert record_of_head(cab, number).outcome == "pending"
    assert "policy change `pr-" in bot_comment(cab, number)
    assert cab.status(cab.pr(number).head_sha) == "pending"


def test_one_teams_approval_is_not_enough_for_a_policy_change(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    cab.sync(number)
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert "@example/security" in result.summary
    assert cab.pr(number).state == "open"


def test_cab_and_security_approval_merges_a_chained_policy_decision_with_trailers(cab: Cab) -> None:
    content = widened_codeowners(cab)
    number = cab.submit(CODEOWNERS, content=content)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    assert cab.main_file(CODEOWNERS) == content
    record = policy_record(cab, record_path(number))
    assert [(p.path, p.blob) for p in record.paths] == [(CODEOWNERS, policy_changes.git_blob_id(content))]
    assert sorted(a.team for a in record.approvals) == ["example/cab", "example/security"]
    trailers = policy_from_message(cab.main_message())
    assert trailers is not None and trailers.policy == f"pr-{number}"
    assert trailers.paths == (f"{CODEOWNERS} {policy_changes.git_blob_id(content)}",)


def test_a_policy_decision_records_who_wrote_the_change(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"
    authors = {a.user_id: a.why for a in policy_record(cab, record_path(number)).authors}
    assert authors[cab.user_id("alice-eng")] == "is the PR author"


def test_the_pr_authors_own_approval_never_counts_for_a_policy_change(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab), author="bob-cab")
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@bob-cab is the PR author" in why for why in result.not_counted)
    cab.review(number, "carol-cab")
    assert cab.sync(number).outcome == "approved"


def test_a_rejected_policy_change_is_merged_as_its_record_alone(cab: Cab) -> None:
    before = cab.main_file(CODEOWNERS)
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    cab.sync(number)
    cab.comment(number, "sec-sam", "/cab reject CODEOWNERS changes need a design review first")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "rejected")
    assert cab.main_file(CODEOWNERS) == before
    assert policy_record(cab, record_path(number)).outcome == "rejected"


def test_a_risk_model_approved_by_a_policy_decision_scores_the_next_change(cab: Cab) -> None:
    number = cab.submit(MODEL, content=model_v1_1())
    cab.sync(number)
    cab.review(number, "carol-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"
    low = cab.sync(cab.submit(LOW))
    assert low.record_path is not None
    assert record_of(cab, low.record_path).risk.model_version == "1.1"


def test_a_rejected_risk_model_is_never_used_for_scoring(cab: Cab) -> None:
    number = cab.submit(MODEL, content=model_v1_1(low_max=99))
    cab.sync(number)
    cab.comment(number, "sec-sam", "/cab reject low_max 99 auto-approves everything")
    assert cab.sync(number).outcome == "rejected"
    assert cab.main_file(MODEL) is None
    high = cab.sync(cab.submit(HIGH))
    assert high.tier == "high"


IRREGULAR = {
    "symlink": ("bot/evil.py", "120000", b"/etc/passwd", "is a symlink"),
    "submodule": ("vendor/lib", "160000", b"5" * 40, "is a submodule"),
}


@pytest.mark.parametrize(("path", "mode", "content", "said"), IRREGULAR.values(), ids=IRREGULAR.keys())
def test_a_policy_change_with_no_plain_file_is_refused_with_a_comment_and_a_failing_status(
    cab: Cab, path: str, mode: str, content: bytes, said: str
) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    head = cab.push_entry(number, path, mode, content)
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{path} {said}" in result.summary
    assert "must be regular files" in bot_comment(cab, number)
    assert cab.status(head) == "failure"


def test_an_executable_attachment_is_refused_with_a_comment_and_a_failing_status(cab: Cab) -> None:
    number = cab.submit(LOW)
    attachment = "evidence/2026-11/payments-api-7.4.2/install.sh"
    head = cab.push_entry(number, attachment, "100755", b"#!/bin/sh\n")
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{attachment} is executable" in result.summary
    assert cab.status(head) == "failure"


def test_a_low_pr_rewriting_a_security_rejected_exception_decision_is_refused(cab: Cab) -> None:
    """Issue 13: the forged approval would make the exception active for a high-risk change."""
    exception = cab.submit(EXCEPTION, author="carol-cab")
    cab.sync(exception)
    cab.comment(exception, "sec-sam", "/cab reject the compensating controls are not verified")
    assert cab.sync(exception).outcome == "rejected"
    rejected = cab.main_file(EXCEPTION_RECORD)
    assert rejected is not None and b"outcome: rejected" in rejected
    forged = rejected.replace(b"outcome: rejected", b"outcome: approved")
    number = cab.submit(LOW, extra={EXCEPTION_RECORD: forged})
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{EXCEPTION_RECORD}: only the bot writes under decisions/" in result.summary
    assert cab.status(cab.pr(number).head_sha) == "failure"
    assert cab.pr(number).state == "open"
    assert cab.main_file(EXCEPTION_RECORD) == rejected


def missing_blob_commit(git_dir: Path, parent: str, path: str, who: tuple[str, str]) -> str:
    """A commit on `parent` whose tree names a blob the repository does not have (a damaged or
    partial clone), built with `git mktree --missing` since the index refuses missing objects."""
    import os
    import subprocess

    env = {**os.environ, "GIT_DIR": str(git_dir)}
    env |= {"GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1]}
    env |= {"GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}

    def git(*args: str, data: str | None = None) -> str:
        done = subprocess.run(["git", *args], input=data, env=env, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def with_entry(tree: str | None, parts: list[str]) -> str:
        lines = git("ls-tree", tree).splitlines() if tree else []
        name, rest = parts[0], parts[1:]
        kept = [line for line in lines if line.split("\t", 1)[1] != name]
        if not rest:
            kept.append(f"100644 blob {'7' * 40}\t{name}")
        else:
            old = next((line.split()[2] for line in lines if line.split("\t", 1)[1] == name), None)
            kept.append(f"040000 tree {with_entry(old, rest)}\t{name}")
        return git("mktree", "--missing", data="".join(f"{line}\n" for line in kept))

    tree = with_entry(git("rev-parse", f"{parent}^{{tree}}"), path.split("/"))
    return git("commit-tree", tree, "-p", parent, "-m", f"Add {path}")


def test_an_unreadable_evidence_blob_on_the_sandbox_is_refused_with_a_comment(tmp_path: Path) -> None:
    """A missing object is a refusal the PR sees, never a traceback (GitHub's own unreadable
    blob, encoding `none`, maps to the same refusal in `bot.adapters.forge.github_reads`)."""
    from tests.sandbox import make_cab_repo

    cab = make_cab_repo(tmp_path / "repo")
    number = cab.submit(LOW)
    pr = cab.forge.pull_request(number)
    sha = missing_blob_commit(cab.forge.git.git_dir(), pr.head_sha, LOW, ("alice-eng", "alice@example.com"))
    cab.forge.git.run("update-ref", f"refs/heads/{pr.head_ref}", sha, pr.head_sha)
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{LOW} is an unreadable blob" in result.summary
    assert cab.forge.status(sha) is not None and cab.forge.status(sha)["state"] == "failure"  # type: ignore[index]


def test_a_policy_change_that_deletes_a_file_records_it_as_deleted(cab: Cab) -> None:
    again = cab.submit("README.md", content=b"# CAB\n", extra={CODEOWNERS: None})
    cab.sync(again)
    cab.review(again, "carol-cab")
    cab.review(again, "sec-sam")
    assert cab.sync(again).outcome == "approved"
    assert cab.main_file(CODEOWNERS) is None
    record = policy_record(cab, record_path(again))
    assert [(p.path, p.blob is None) for p in record.paths] == [(CODEOWNERS, True), ("README.md", False)]


def test_a_rejected_deletion_leaves_the_file_in_place(cab: Cab) -> None:
    before = cab.main_file(CODEOWNERS)
    number = cab.submit("README.md", content=b"# CAB\n", extra={CODEOWNERS: None})
    cab.sync(number)
    cab.comment(number, "bob-cab", "/cab reject CODEOWNERS stays")
    assert cab.sync(number).outcome == "rejected"
    assert cab.main_file(CODEOWNERS) == before
    assert cab.main_file("README.md") is None


def test_a_policy_change_carrying_a_decision_record_is_refused(cab: Cab) -> None:
    forged = {"decisions/exceptions/2026-11/forged.yaml": b"kind: ExceptionDecision\n"}
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab), extra=forged)
    result = cab.sync(number)
    assert result.status == "refused"
    assert "decisions/exceptions/2026-11/forged.yaml: only the bot writes under decisions/" in result.summary


def test_an_exception_mixed_with_a_policy_path_is_refused_naming_it(cab: Cab) -> None:
    number = cab.submit(EXCEPTION, extra={"policy/signers.yaml": b"kind: Signers\n"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert (
        "policy/signers.yaml: outside this pull request's allow-list (its exception file)" in result.summary
    )
    assert cab.status(cab.pr(number).head_sha) == "failure"


# -- membership at the time of the review (issue 13), for policy changes as for changes -----------


def test_a_policy_review_given_before_joining_the_team_does_not_count_once_she_joins(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    cab.sync(number)
    cab.review(number, "mallory")
    cab.review(number, "sec-sam")
    assert cab.sync(number).status == "pending"
    cab.add_member("cab", "mallory")
    result = cab.sync(number)
    assert result.status == "pending"
    assert any("@mallory's review of" in r and "needs to be given again" in r for r in result.not_counted)


def test_a_policy_decision_records_the_membership_its_approvals_relied_on(cab: Cab) -> None:
    number = cab.submit(CODEOWNERS, content=widened_codeowners(cab))
    cab.sync(number)
    assert sorted(t.team for t in record_of_head(cab, number).membership) == [
        "example/cab",
        "example/security",
    ]
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"
    record = policy_record(cab, record_path(number))
    since = {(t.team, m.login): m.since for t in record.membership for m in t.members}
    assert all(a.approved_at >= since[(a.team, a.login)] for a in record.approvals)
