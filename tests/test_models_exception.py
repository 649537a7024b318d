"""Exception: scoped, justified, compensated, and never longer than 90 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.models import ExceptionRecord
from tests.builders import REMOVE, exception_record
from tests.model_checks import accepts, rejection

REQUESTED = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC)


def test_valid_exception_is_accepted() -> None:
    accepts(ExceptionRecord, exception_record())


def test_expiry_exactly_90_days_after_the_request_is_allowed() -> None:
    accepts(ExceptionRecord, exception_record(expires_at=REQUESTED + dt.timedelta(days=90)))


def test_expiry_one_second_past_90_days_is_rejected() -> None:
    loc, message = rejection(
        ExceptionRecord, exception_record(expires_at=REQUESTED + dt.timedelta(days=90, seconds=1))
    )
    assert (loc, "at most 90 days after requested_at" in message) == ("", True)


@pytest.mark.parametrize("delta", [dt.timedelta(0), dt.timedelta(days=-1)])
def test_expiry_must_follow_the_request(delta: dt.timedelta) -> None:
    assert (
        "expires_at must be after requested_at"
        in rejection(ExceptionRecord, exception_record(expires_at=REQUESTED + delta))[1]
    )


def test_expiry_bound_holds_across_time_zones() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    just_inside = (REQUESTED + dt.timedelta(days=90)).astimezone(plus_two)
    accepts(ExceptionRecord, exception_record(expires_at=just_inside))


def test_permanent_exception_is_impossible() -> None:
    assert rejection(ExceptionRecord, exception_record(expires_at=None))[0] == "expires_at"


def test_scope_must_name_something() -> None:
    loc, message = rejection(ExceptionRecord, exception_record(scope={}))
    assert (loc, "scope must name at least one" in message) == ("scope", True)


@pytest.mark.parametrize(
    "scope",
    [
        {"change_ids": ["edge-proxy-hotfix"]},
        {"artifact_sha256s": ["c0ffee00" * 8]},
        {"vulnerability_ids": ["GHSA-2xw5-89qm-3pmh"]},
    ],
)
def test_any_one_kind_of_scope_is_enough(scope: dict[str, Any]) -> None:
    accepts(ExceptionRecord, exception_record(scope=scope))


@pytest.mark.parametrize(
    ("edits", "loc"),
    [
        ({"id": "Edge_Proxy"}, "id"),
        ({"scope.change_ids": ["../edge-proxy-hotfix"]}, "scope.change_ids.0"),
        ({"scope.artifact_sha256s": ["c0ffee"]}, "scope.artifact_sha256s.0"),
        ({"scope.vulnerability_ids": ["cve-2026-1"]}, "scope.vulnerability_ids.0"),
        ({"compensating_controls": []}, "compensating_controls"),
        ({"compensating_controls.0.verification": REMOVE}, "compensating_controls.0.verification"),
        ({"justification": ""}, "justification"),
        ({"requested_by": "carol eng"}, "requested_by"),
        ({"requested_at": dt.datetime(2026, 11, 19, 8, 0)}, "requested_at"),
        ({"approved_by": "mallory"}, "approved_by"),
    ],
)
def test_exception_fields_reject(edits: dict[str, Any], loc: str) -> None:
    assert rejection(ExceptionRecord, exception_record(edits))[0] == loc
