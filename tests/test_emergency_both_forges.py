"""Emergency changes (issue 16), on the sandbox forge and on the GitHub forge.

`policy/emergency.yaml` lands through a policy decision; a pack that declares an emergency then
merges with one approval from an on-call team, whatever its tier, and the bot opens a retro-review
issue. Every scenario audits clean afterwards (the audit's time is the scenario's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain import documents
from bot.domain.comments import MARKER
from bot.domain.models import RetroApproval
from tests.both_forges import (
    FORGES,
    Cab,
    assert_audits_clean,
    make_cab,
    make_cab_whose_audit_finds,
    record_of,
)
from tests.builders import dump_yaml, emergency_policy, freeze_window
from tests.freeze_scenarios import adopt_freeze
from tests.sandbox import HIGH, LOW, MEDIUM

POLICY = "policy/emergency.yaml"
INCIDENT = b"emergency:\n  incident: INC-4711\n  justification: Checkout is down for every EU customer.\n"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def land_policy(cab: Cab, **fields: Any) -> None:
    """The emergency policy, approved by CAB and security as a policy change."""
    number = cab.submit(POLICY, content=dump_yaml(emergency_policy(**fields)).encode())
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"


def declaring(cab: Cab, path: str) -> bytes:
    return cab.example(path) + INCIDENT


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def test_a_high_risk_emergency_merges_with_one_on_call_approval_and_no_exception(cab: Cab) -> None:
    land_policy(cab)
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    assert cab.sync(number).status == "pending"
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert (result.status, result.outcome, result.tier) == ("merged", "emergency", "high")
    assert result.record_path is not None
    record = record_of(cab, result.record_path)
    assert record.emergency is not None and record.emergency.incident == "INC-4711"
    assert record.emergency.retro_due == record.decided_at + dt.timedelta(days=5)
    assert [a.login for a in record.approvals] == ["carol-cab"]


def test_an_emergency_merge_opens_the_retro_review_issue(cab: Cab) -> None:
    land_policy(cab)
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    cab.sync(number)
    cab.review(number, "carol-cab")
    cab.sync(number)
    [(_, title, body)] = [i for i in cab.issues() if "retro-review" in i[1]]
    assert title.startswith("CAB retro-review: emergency change edge-proxy-hotfix")
    assert "/cab retro-approve" in body and f"#{number}" in body


def test_an_approval_from_someone_not_on_call_does_not_merge_an_emergency(cab: Cab) -> None:
    land_policy(cab, on_call=["@example/security"])
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    cab.sync(number)
    cab.review(number, "carol-cab")
    result = cab.sync(number)
    assert result.status == "pending"
    assert "emergency INC-4711: or needs 1 approval from @example/security" in bot_comment(cab, number)


def test_without_an_emergency_policy_an_emergency_takes_the_normal_route(cab: Cab) -> None:
    number = cab.submit(MEDIUM, content=declaring(cab, MEDIUM))
    assert cab.sync(number).status == "pending"
    assert "emergency route unavailable: no policy/emergency.yaml on the base branch" in bot_comment(
        cab, number
    )
    cab.review(number, "bob-cab")
    assert cab.sync(number).outcome == "approved"


def merged_emergency(cab: Cab, **policy: Any) -> int:
    """An emergency change merged with carol-cab's on-call approval; its PR number."""
    land_policy(cab, **policy)
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    cab.sync(number)
    cab.review(number, "carol-cab")
    assert cab.sync(number).outcome == "emergency"
    return number


def test_a_cab_members_retro_approval_lands_as_its_own_bot_decision(cab: Cab) -> None:
    number = merged_emergency(cab)
    cab.comment(
        number, "bob-cab", "Reviewed the hotfix and the incident report.\n/cab retro-approve looks right"
    )
    result = cab.sync(number)
    assert (result.status, result.outcome) == ("merged", "retro-approved")
    assert result.record_path == "decisions/retro/2026-11/edge-proxy-hotfix.yaml"
    raw = cab.main_file(result.record_path)
    assert raw is not None
    record = documents.parse(raw, result.record_path, RetroApproval).model
    assert [a.login for a in record.approvals] == ["bob-cab"]
    assert "Cab-Retro-Approval: edge-proxy-hotfix" in cab.main_message()
    [(_, title, _body)] = [i for i in cab.issues() if "retro-review" in i[1]]
    assert title.endswith("(done)")


def test_the_on_call_approver_may_not_retro_approve_their_own_emergency(cab: Cab) -> None:
    number = merged_emergency(cab)
    cab.comment(number, "carol-cab", "/cab retro-approve")
    result = cab.sync(number)
    assert result.status == "refused"
    assert "@carol-cab approved the emergency change" in result.summary
    assert cab.main_file("decisions/retro/2026-11/edge-proxy-hotfix.yaml") is None


def test_someone_outside_the_cab_may_not_retro_approve(cab: Cab) -> None:
    number = merged_emergency(cab)
    cab.comment(number, "sec-sam", "/cab retro-approve")
    result = cab.sync(number)
    assert result.status == "refused"
    assert "@sec-sam is not in @example/cab" in result.summary


@pytest.fixture(params=FORGES)
def pushed_cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    """A scenario with a direct push to main: the audit must report exactly that push."""
    yield from make_cab_whose_audit_finds(request.param, tmp_path, ["history.unaccounted"])


def test_a_retro_approval_on_top_of_a_direct_push_is_held_with_nothing_recorded(pushed_cab: Cab) -> None:
    cab = pushed_cab
    number = merged_emergency(cab)
    pushed = cab.push_main({"docs/runbook.md": b"# Runbook\n"})
    cab.comment(number, "bob-cab", "/cab retro-approve")
    result = cab.sync(number)
    assert result.status == "refused"
    assert f"main is held, so the bot records no decision on it: its tip {pushed[:12]}" in result.summary
    assert cab.main_file("decisions/retro/2026-11/edge-proxy-hotfix.yaml") is None


def test_a_retro_approval_is_recorded_once(cab: Cab) -> None:
    number = merged_emergency(cab)
    cab.comment(number, "bob-cab", "/cab retro-approve")
    assert cab.sync(number).status == "merged"
    assert cab.sync(number).status == "closed"


def test_an_emergency_merges_during_a_freeze_that_holds_other_changes(cab: Cab) -> None:
    land_policy(cab)
    adopt_freeze(cab, freeze_window())  # every component
    cab.clock.now = dt.datetime(2026, 11, 20, 11, 30, tzinfo=dt.UTC)  # inside the window (11:00-17:00 UTC)
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    cab.sync(number)
    cab.review(number, "carol-cab")
    assert cab.sync(number).outcome == "emergency"
    held = cab.sync(cab.submit(LOW))
    assert held.status == "pending" and "frozen until" in held.summary


# -- the agenda lists the retro-reviews the CAB still owes ----------------------------------------


def agenda_retro(cab: Cab, now: dt.datetime) -> tuple[Any, ...]:
    from bot.adapters.git.blobs import GitBlobs
    from bot.services.agenda import build

    return build(GitBlobs.open(cab.repository()), "main", now).retro


def emergency_record(cab: Cab) -> Any:
    return record_of(cab, "decisions/high/2026-11/edge-proxy-hotfix.yaml")


def test_the_agenda_lists_an_emergency_awaiting_its_retro_review_and_when_it_is_overdue(cab: Cab) -> None:
    merged_emergency(cab)
    record = emergency_record(cab)
    due = record.emergency.retro_due
    [waiting] = agenda_retro(cab, due - dt.timedelta(hours=1))
    assert (waiting.change_id, waiting.incident, waiting.due, waiting.why_overdue) == (
        "edge-proxy-hotfix",
        "INC-4711",
        due,
        None,
    )
    [late] = agenda_retro(cab, due + dt.timedelta(hours=1))
    assert late.why_overdue == f"no retro-approval; it was due {due.isoformat()}"


def test_a_retro_approved_emergency_leaves_the_agenda(cab: Cab) -> None:
    number = merged_emergency(cab)
    record = emergency_record(cab)
    cab.comment(number, "bob-cab", "/cab retro-approve")
    assert cab.sync(number).outcome == "retro-approved"
    assert agenda_retro(cab, record.emergency.retro_due + dt.timedelta(days=1)) == ()


# -- the deployment gate: an emergency stays approved only while its retro-review is not overdue ----


def gate(cab: Cab, at: dt.datetime) -> tuple[bool, str]:
    """`cab verify edge-proxy-hotfix --at AT` on main, as the scenario's bot identity."""
    from bot.adapters.git.blobs import GitBlobs
    from bot.services.queries import verify_change

    verdict = verify_change(GitBlobs.open(cab.repository()), "main", "edge-proxy-hotfix", at, cab.identity)
    return verdict.ok, verdict.reason


def test_the_gate_passes_an_emergency_until_its_retro_review_falls_due(cab: Cab) -> None:
    merged_emergency(cab)
    due = emergency_record(cab).emergency.retro_due
    assert gate(cab, due - dt.timedelta(hours=1)) == (True, "edge-proxy-hotfix emergency (risk 86.50, high)")


def test_the_gate_refuses_an_emergency_whose_retro_review_is_overdue(cab: Cab) -> None:
    merged_emergency(cab)
    due = emergency_record(cab).emergency.retro_due
    assert gate(cab, due + dt.timedelta(hours=1)) == (
        False,
        "edge-proxy-hotfix is an emergency change whose CAB retro-review is overdue: "
        f"no retro-approval; it was due {due.isoformat()}",
    )


def test_the_gate_passes_a_retro_approved_emergency_after_its_due_time(cab: Cab) -> None:
    number = merged_emergency(cab)
    due = emergency_record(cab).emergency.retro_due
    cab.comment(number, "bob-cab", "/cab retro-approve")
    assert cab.sync(number).outcome == "retro-approved"
    assert gate(cab, due + dt.timedelta(days=30))[0] is True


@pytest.fixture(params=FORGES)
def late_cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    """A scenario whose retro-review comes late: the audit must report exactly that."""
    yield from make_cab_whose_audit_finds(request.param, tmp_path, ["emergency.retro-overdue"])


def test_a_late_retro_approval_approves_the_emergency_from_when_it_was_given(late_cab: Cab) -> None:
    cab = late_cab
    number = merged_emergency(cab)
    due = emergency_record(cab).emergency.retro_due
    cab.clock.now = due + dt.timedelta(days=2)
    cab.comment(number, "bob-cab", "/cab retro-approve")
    assert cab.sync(number).outcome == "retro-approved"
    assert gate(cab, due + dt.timedelta(days=1))[0] is False  # overdue then; the audit reports the lateness
    assert gate(cab, due + dt.timedelta(days=3))[0] is True
