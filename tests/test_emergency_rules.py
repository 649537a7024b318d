"""The emergency rules (bot.domain.rules.emergency): data in, verdict out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.domain import documents
from bot.domain.models import Decision, EvidencePack
from bot.domain.pull_request import Team, User
from bot.domain.rules import emergency
from bot.domain.rules.policy_changes import git_blob_id
from bot.domain.rules.standard_changes import TemplateAtBase
from tests.builders import dump_yaml, emergency_policy, evidence_pack

UTC = dt.UTC
DECIDED = dt.datetime(2026, 11, 4, 10, 5, tzinfo=UTC)
PATH = "policy/emergency.yaml"
AUTHOR, ON_CALL, CAB = User("alice-eng", 1), User("dave-cab", 4242), User("erin-cab", 4343)
CAB_TEAM = Team("example/cab", 7, (ON_CALL, CAB))


def approved_policy(**fields: Any) -> TemplateAtBase:
    raw = dump_yaml(emergency_policy(**fields)).encode()
    return TemplateAtBase(PATH, raw, frozenset({git_blob_id(raw)}))


def pack(**fields: Any) -> EvidencePack:
    data = evidence_pack(emergency={"incident": "INC-1", "justification": "Checkout is down."}, **fields)
    return documents.parse(
        dump_yaml(data).encode(), "evidence/2026-11/payments-api-7.4.2.yaml", EvidencePack
    ).model


def emergency_record(at_base: TemplateAtBase | None = None, **fields: Any) -> Decision:
    found = emergency.policy_at_base(at_base or approved_policy())
    assert not isinstance(found, str)
    ref = emergency.reference(pack(), found, DECIDED).model_dump(mode="python")
    data = {
        "apiVersion": "cab/v1",
        "kind": "Decision",
        "change_id": "payments-api-7.4.2",
        "outcome": "emergency",
        "evidence": {"path": "evidence/2026-11/payments-api-7.4.2.yaml", "sha256": "a" * 64},
        "risk": {
            "score": "80.00",
            "tier": "high",
            "model_version": "1.0",
            "model_sha256": "b" * 64,
            "breakdown": [],
        },
        "approvals": [
            {
                "login": ON_CALL.login,
                "user_id": ON_CALL.id,
                "team": "example/cab",
                "team_members": ["dave-cab", "erin-cab"],
                "review_id": 9,
                "reviewed_sha": "0" * 40,
                "evidence_sha256": "a" * 64,
                "approved_at": DECIDED,
            }
        ],
        "rationale": "emergency",
        "decided_at": DECIDED,
        "pull_request": {"number": 3, "head_sha": "1" * 40, "base_sha": "2" * 40, "author": AUTHOR.login},
        "emergency": ref,
        **fields,
    }
    return Decision.model_validate(data, strict=False)


def test_a_pack_with_an_emergency_block_is_an_emergency_and_one_without_is_not() -> None:
    assert emergency.is_emergency(pack())
    plain = documents.parse(dump_yaml(evidence_pack()).encode(), "x.yaml", EvidencePack).model
    assert not emergency.is_emergency(plain)


def test_no_policy_at_the_base_means_nobody_is_on_call() -> None:
    assert (
        emergency.policy_at_base(TemplateAtBase(PATH, None))
        == f"no {PATH} on the base branch: nobody is on call"
    )


def test_a_policy_no_policy_decision_approved_is_not_used() -> None:
    raw = dump_yaml(emergency_policy()).encode()
    found = emergency.policy_at_base(TemplateAtBase(PATH, raw, frozenset()))
    assert isinstance(found, str) and "was not brought by an approved policy decision" in found


def test_the_retro_review_falls_due_the_policys_days_after_the_decision() -> None:
    found = emergency.policy_at_base(approved_policy(retro_review_days=3))
    assert not isinstance(found, str)
    assert emergency.retro_due(DECIDED, found) == DECIDED + dt.timedelta(days=3)


def test_a_recorded_emergency_that_matches_its_policy_rechecks_clean() -> None:
    assert emergency.recheck(emergency_record(), pack(), approved_policy()) == []


def test_a_recorded_due_date_the_policy_does_not_give_is_found() -> None:
    record = emergency_record()
    assert record.emergency is not None
    later = record.emergency.model_copy(update={"retro_due": DECIDED + dt.timedelta(days=30)})
    [problem] = emergency.recheck(record.model_copy(update={"emergency": later}), pack(), approved_policy())
    assert problem.startswith("the record's retro_due is")


def test_an_emergency_outcome_for_a_pack_declaring_none_is_found() -> None:
    plain = documents.parse(dump_yaml(evidence_pack()).encode(), "x.yaml", EvidencePack).model
    assert emergency.recheck(emergency_record(), plain, approved_policy()) == [
        "the pack declares no emergency"
    ]


def test_a_cab_member_who_neither_wrote_nor_approved_it_may_retro_approve() -> None:
    assert emergency.retro_refusal(CAB, DECIDED, [CAB_TEAM], emergency_record(), "alice-eng") is None


def test_the_on_call_approver_may_not_retro_approve() -> None:
    why = emergency.retro_refusal(ON_CALL, DECIDED, [CAB_TEAM], emergency_record(), "alice-eng")
    assert why == "@dave-cab approved the emergency change; the retro-review is someone else's"


def test_the_author_and_the_requester_may_not_retro_approve() -> None:
    team = Team("example/cab", 7, (AUTHOR, CAB))
    assert "is the change's author" in str(
        emergency.retro_refusal(AUTHOR, DECIDED, [team], emergency_record(), None)
    )
    assert "is the change's requester" in str(
        emergency.retro_refusal(CAB, DECIDED, [CAB_TEAM], emergency_record(), "erin-cab")
    )


def test_someone_outside_the_cab_may_not_retro_approve() -> None:
    outsider = User("sec-sam", 5)
    assert emergency.retro_refusal(outsider, DECIDED, [CAB_TEAM], emergency_record(), None) == (
        "@sec-sam is not in @example/cab"
    )


def test_a_retro_review_is_overdue_only_after_its_due_date() -> None:
    due = DECIDED + dt.timedelta(days=5)
    assert emergency.retro_overdue(due, None, due) is None
    assert (
        emergency.retro_overdue(due, None, due + dt.timedelta(seconds=1))
        == f"no retro-approval; it was due {due.isoformat()}"
    )


def test_a_retro_approval_given_in_time_is_never_overdue_and_a_late_one_always_is() -> None:
    due = DECIDED + dt.timedelta(days=5)
    later = due + dt.timedelta(days=30)
    assert emergency.retro_overdue(due, due - dt.timedelta(hours=1), later) is None
    assert "after it was due" in str(emergency.retro_overdue(due, due + dt.timedelta(hours=1), later))
