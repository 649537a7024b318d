"""The whole lifecycle on the sandbox forge: real git repositories, every tier, re-runs, races."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.forge.interface import HeadMovedError
from bot.domain.models import Decision
from bot.domain.rules import records
from bot.domain.rules.trailers import from_message
from tests.sandbox import HIGH, LOW, MEDIUM, CabRepo, commit_at, make_cab_repo


@pytest.fixture
def cab(tmp_path: Path) -> CabRepo:
    return make_cab_repo(tmp_path / "repo")


def _record(cab: CabRepo, path: str) -> Decision:
    raw = cab.forge.read_file(cab.forge.branch_head("main"), path)
    assert raw is not None
    return records.parse(raw, path).model


def _main_message(cab: CabRepo) -> str:
    return commit_at(cab.forge, "main").message


def test_low_risk_change_is_auto_approved_and_merged_with_trailers(cab: CabRepo) -> None:
    result = cab.sync(cab.submit(LOW))
    assert (result.status, result.outcome, result.tier) == ("merged", "auto_approved", "low")
    record = _record(cab, "decisions/low/2026-11/payments-api-7.4.2.yaml")
    assert record.outcome == "auto_approved"
    assert record.previous is None
    trailers = from_message(_main_message(cab))
    assert trailers is not None
    assert (trailers.decision, trailers.change, trailers.tier, trailers.risk_score) == (
        "auto_approved",
        "payments-api-7.4.2",
        "low",
        "4.00",
    )
    assert trailers.evidence_sha256 == record.evidence.sha256


def test_merge_commit_has_base_then_reviewed_head_as_parents(cab: CabRepo) -> None:
    base = cab.forge.branch_head("main")
    result = cab.sync(cab.submit(LOW))
    merge = commit_at(cab.forge, "main")
    assert list(merge.parents) == [base, result.head_sha]


def test_medium_change_waits_with_pending_record_label_and_comment(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    result = cab.sync(number)
    assert result.status == "pending"
    pr = cab.forge.pull_request(number)
    assert pr.labels == ("risk:medium",)
    raw = cab.forge.read_file(pr.head_sha, "decisions/medium/2026-11/identity-gateway-3.0.0.yaml")
    assert raw is not None
    assert records.parse(raw, "x").model.outcome == "pending"
    bodies = [c.body for c in cab.forge.comments(number)]
    assert len(bodies) == 1
    assert "needs 1 approval from @example/cab" in bodies[0]
    assert cab.forge.status(pr.head_sha) == {
        "context": "cab/decision",
        "state": "pending",
        "description": "needs 1 approval from @example/cab on the current head",
    }


def test_sync_twice_changes_nothing_the_second_time(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    first = cab.sync(number)
    state_before = cab.forge._state_path.read_text()
    second = cab.sync(number)
    assert second.head_sha == first.head_sha
    assert cab.forge._state_path.read_text() == state_before


def test_cab_approval_on_head_merges_as_approved_with_snapshot(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    reviewed = cab.sync(number).head_sha
    review = cab.forge.review(number, "bob-cab", "APPROVED")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    record = _record(cab, "decisions/medium/2026-11/identity-gateway-3.0.0.yaml")
    [approval] = record.approvals
    assert (approval.login, approval.review_id, approval.reviewed_sha) == ("bob-cab", review.id, reviewed)
    assert approval.team == "example/cab"
    assert approval.team_members == ["bob-cab", "carol-cab", "dependabot[bot]"]
    assert approval.evidence_sha256 == record.evidence.sha256
    assert from_message(_main_message(cab)).approved_by == (f"bob-cab ({approval.user_id})",)  # type: ignore[union-attr]


def test_push_after_approval_makes_it_stale(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.forge.review(number, "bob-cab", "APPROVED")
    content = cab.example(MEDIUM).replace(b"coverage_percent: 64", b"coverage_percent: 66")
    cab.push(number, {MEDIUM: content})
    result = cab.sync(number)
    assert result.status == "pending"
    assert "approval is stale" in cab.forge.comments(number)[0].body


def test_approval_after_the_bots_pending_record_commit_counts(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    before_record = cab.forge.pull_request(number).head_sha
    assert cab.sync(number).head_sha != before_record
    cab.forge.review(number, "bob-cab", "APPROVED", commit_id=before_record)
    assert cab.sync(number).status == "merged"


def test_approval_by_pr_author_does_not_count(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM, author="bob-cab")
    cab.sync(number)
    cab.forge.review(number, "bob-cab", "APPROVED")
    assert cab.sync(number).status == "pending"


def test_high_change_needs_security_and_an_approved_exception(cab: CabRepo) -> None:
    number = cab.submit(HIGH)
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).summary.startswith("needs an active exception")
    exception = cab.approve_exception()
    assert (exception.status, exception.outcome) == ("merged", "approved")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    record = _record(cab, "decisions/high/2026-11/edge-proxy-hotfix.yaml")
    assert [e.id for e in record.exceptions] == ["edge-proxy-nghttp2"]


def test_exception_approved_by_its_requester_does_not_count(cab: CabRepo) -> None:
    path = "exceptions/2026-11/edge-proxy-nghttp2.yaml"
    own = cab.example(path).replace(b"requested_by: carol-eng", b"requested_by: sec-sam")
    number = cab.submit(path, content=own)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).status == "pending"
    assert "is the requester" in cab.forge.comments(number)[0].body


def test_exception_approved_by_cab_alone_does_not_count(cab: CabRepo) -> None:
    number = cab.submit("exceptions/2026-11/edge-proxy-nghttp2.yaml")
    cab.forge.review(number, "bob-cab", "APPROVED")
    assert cab.sync(number).status == "pending"


def test_exception_pushed_without_approval_is_not_active(cab: CabRepo) -> None:
    cab.forge.push(
        "main",
        {
            "exceptions/2026-11/edge-proxy-nghttp2.yaml": cab.example(
                "exceptions/2026-11/edge-proxy-nghttp2.yaml"
            )
        },
        author="mallory",
        message="sneak",
    )
    number = cab.submit(HIGH)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).status == "pending"


def test_reject_command_is_recorded_and_merged(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.forge.comment(number, "carol-cab", "/cab reject rollback was never rehearsed")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "rejected")
    assert _record(cab, "decisions/medium/2026-11/identity-gateway-3.0.0.yaml").rationale.endswith(
        "rollback was never rehearsed"
    )


def test_decided_change_cannot_be_edited_by_a_new_pr(cab: CabRepo) -> None:
    cab.sync(cab.submit(LOW))
    again = cab.submit(
        LOW,
        branch="change/again",
        content=cab.example(LOW).replace(b"affected_users: 80", b"affected_users: 90"),
    )
    result = cab.sync(again)
    assert result.status == "refused"
    assert "Already decided" in result.summary


def test_pr_touching_another_decision_record_is_refused(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM, extra={"decisions/low/2026-11/other-change.yaml": b"forged"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "only the bot writes under decisions/" in result.summary


def test_lookalike_governed_path_is_refused(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM, extra={"Exceptions/2026-11/x.yaml": b"a: 1"})
    assert cab.sync(number).status == "refused"


def test_invalid_evidence_is_reported_with_line_and_not_merged(cab: CabRepo) -> None:
    number = cab.submit(
        MEDIUM, content=cab.example(MEDIUM).replace(b"complexity: high", b"complexity: extreme")
    )
    result = cab.sync(number)
    assert result.status == "invalid"
    assert result.problems
    assert result.problems[0].line > 1
    assert "complexity" in result.problems[0].message


def test_policy_change_beside_a_pack_is_refused_rather_than_forced_high(cab: CabRepo) -> None:
    number = cab.submit(LOW, extra={".github/CODEOWNERS": b"* @example/cab\n"})
    result = cab.sync(number)
    assert (result.status, result.tier) == ("refused", None)


def test_policy_change_alone_waits_for_a_policy_decision(cab: CabRepo) -> None:
    number = cab.submit(".github/CODEOWNERS", content=b"* @example/cab\n")
    result = cab.sync(number)
    assert (result.status, result.record_path) == ("pending", "decisions/policy/2026-11/pr-1.yaml")


def test_evidence_edited_after_approval_invalidates_it(cab: CabRepo) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.forge.review(number, "bob-cab", "APPROVED")
    cab.push(number, {MEDIUM: cab.example(MEDIUM).replace(b"failed: 1", b"failed: 2")}, author="mallory")
    assert cab.sync(number).status == "pending"


def test_two_prs_decided_one_after_another_keep_the_chain(cab: CabRepo) -> None:
    first = cab.submit(LOW)
    second = cab.submit(MEDIUM)
    cab.sync(second)
    cab.forge.review(second, "bob-cab", "APPROVED")
    cab.sync(first)
    cab.sync(second)
    low = _record(cab, "decisions/low/2026-11/payments-api-7.4.2.yaml")
    medium = _record(cab, "decisions/medium/2026-11/identity-gateway-3.0.0.yaml")
    low_raw = cab.forge.read_file(
        cab.forge.branch_head("main"), "decisions/low/2026-11/payments-api-7.4.2.yaml"
    )
    assert low.previous is None
    assert medium.previous == records.record_sha256(low_raw or b"")


def test_rerun_after_crash_between_record_commit_and_merge_converges(
    cab: CabRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.forge.review(number, "bob-cab", "APPROVED")

    def crash(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("runner died")

    monkeypatch.setattr(cab.forge, "merge", crash)
    with pytest.raises(RuntimeError):
        cab.sync(number)
    crashed_head = cab.forge.pull_request(number).head_sha
    monkeypatch.undo()
    result = cab.sync(number)
    assert result.status == "merged"
    assert result.head_sha == crashed_head  # the record written before the crash is reused


def test_head_moving_between_evaluation_and_merge_is_not_merged(
    cab: CabRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.forge.review(number, "bob-cab", "APPROVED")
    real_commit = cab.forge.commit_files

    def commit_then_attacker_pushes(*args: object, **kwargs: object) -> str:
        sha = real_commit(*args, **kwargs)  # type: ignore[arg-type]
        cab.push(number, {MEDIUM: b"tampered"}, author="mallory")
        return sha

    monkeypatch.setattr(cab.forge, "commit_files", commit_then_attacker_pushes)
    with pytest.raises(HeadMovedError):
        cab.sync(number)
    assert cab.forge.pull_request(number).state == "open"
