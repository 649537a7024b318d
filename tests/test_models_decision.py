"""Decision records: the bot's output is held to the same strict schema as everyone's input."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.models import Decision
from tests.builders import GIT_SHA, decision_record
from tests.model_checks import accepts, rejection


def test_valid_decision_is_accepted() -> None:
    accepts(Decision, decision_record())


@pytest.mark.parametrize("outcome", ["pending", "auto_approved", "approved", "conditional", "rejected"])
def test_every_outcome_is_accepted(outcome: str) -> None:
    accepts(Decision, decision_record(outcome=outcome))


@pytest.mark.parametrize("score", ["0.00", "50.00", "50.01", "75.00", "99.99", "100.00"])
def test_scores_are_two_decimal_strings(score: str) -> None:
    accepts(Decision, decision_record({"risk.score": score}))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"outcome": "approved_by_me"}, "outcome"),
        ({"risk.score": "50"}, "risk.score"),
        ({"risk.score": 50.0}, "risk.score"),
        ({"risk.score": "NaN"}, "risk.score"),
        ({"risk.score": "100.01"}, "risk.score"),
        ({"risk.tier": "critical"}, "risk.tier"),
        ({"risk.breakdown.0.contribution": "4"}, "risk.breakdown.0.contribution"),
        ({"evidence.path": "evidence/2026-11/../../decisions/x.yaml"}, "evidence.path"),
        ({"evidence.path": "/evidence/2026-11/payments-api-7.4.2.yaml"}, "evidence.path"),
        ({"evidence.path": "evidence/2026-11/payments-api-7.4.2.yml"}, "evidence.path"),
        ({"approvals.0.login": "dave cab"}, "approvals.0.login"),
        ({"approvals.0.user_id": 0}, "approvals.0.user_id"),
        ({"approvals.0.reviewed_sha": GIT_SHA[:7]}, "approvals.0.reviewed_sha"),
        ({"approvals.0.team": "cab"}, "approvals.0.team"),
        ({"previous": "0" * 63}, "previous"),
        ({"rationale": ""}, "rationale"),
    ],
)
def test_decision_fields_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(Decision, decision_record(edits))[0] == loc


def test_sha256_git_object_ids_are_accepted() -> None:
    accepts(Decision, decision_record({"approvals.0.reviewed_sha": "ab" * 32}))
