"""Accepted-risk exceptions: expiry bounds, coverage, the sweep, renewal (issue 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.domain.errors import InputError
from bot.domain.models.exception_decision import ExceptionDecision
from bot.domain.rules.coverage import coverage
from bot.domain.rules.exception_status import ExceptionState, status_of
from bot.domain.signature_proof import SignatureCheck
from bot.services import expiry_sweep as expiry
from tests.exception_builders import ARTIFACT, REQUESTED, exception, exception_yaml, pack
from tests.sandbox import BOT, EXCEPTION, HIGH, CabRepo, make_cab_repo

DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)


# --- the record's own bounds ----------------------------------------------------------------


def test_expiry_exactly_90_days_after_request_is_accepted() -> None:
    assert exception(expires_at=REQUESTED + 90 * DAY).model.expires_at == REQUESTED + 90 * DAY


def test_expiry_90_days_and_one_second_after_request_is_rejected() -> None:
    with pytest.raises(InputError, match="at most 90 days after requested_at"):
        exception(expires_at=REQUESTED + 90 * DAY + SECOND)


def test_expiry_before_request_is_rejected() -> None:
    with pytest.raises(InputError, match="expires_at must be after requested_at"):
        exception(expires_at=REQUESTED - SECOND)


def test_expiry_bound_holds_across_time_zones() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    requested = REQUESTED.astimezone(plus_two)  # same instant, other offset
    assert exception(requested_at=requested, expires_at=REQUESTED + 90 * DAY).model
    with pytest.raises(InputError):
        exception(requested_at=requested, expires_at=(REQUESTED + 90 * DAY + SECOND).astimezone(plus_two))


def test_expiry_without_timezone_is_rejected() -> None:
    with pytest.raises(InputError, match="timezone"):
        exception(expires_at=dt.datetime(2026, 12, 1, 8, 0))


def test_exception_without_compensating_controls_is_rejected() -> None:
    with pytest.raises(InputError, match="compensating_controls"):
        exception(compensating_controls=[])


def test_exception_with_empty_scope_is_rejected() -> None:
    with pytest.raises(InputError, match="scope must name at least one"):
        exception(scope={})


# --- coverage -------------------------------------------------------------------------------

NOW = REQUESTED + DAY


def test_covers_by_change_id() -> None:
    result = coverage(
        pack([("CVE-2026-3301", "critical")]), [exception(scope={"change_ids": ["edge-proxy-hotfix"]})], NOW
    )
    assert result.reasons == ("accept-nghttp2 covers change edge-proxy-hotfix",)


def test_covers_by_artifact_sha256_when_a_verified_signature_proves_the_digest() -> None:
    result = coverage(
        pack([("CVE-2026-3301", "critical")]),
        [exception(scope={"artifact_sha256s": [ARTIFACT]})],
        NOW,
        SignatureCheck("verified"),
    )
    assert len(result.covering) == 1


@pytest.mark.parametrize(
    "signature",
    [
        SignatureCheck("missing", "no Sigstore bundle"),
        SignatureCheck("unverified", "Bundle message digest mismatch"),
    ],
)
def test_a_declared_digest_without_a_verified_signature_is_not_covered(signature: SignatureCheck) -> None:
    # An unrelated change that copies a covered artifact's sha256 into its pack gains nothing.
    result = coverage(
        pack([("CVE-2026-3301", "critical")]),
        [exception(scope={"artifact_sha256s": [ARTIFACT]})],
        NOW,
        signature,
    )
    assert result.covering == ()
    assert any(f"the signature is {signature.display()}" in gap for gap in result.gaps)


def test_covers_when_every_serious_vulnerability_is_listed() -> None:
    scan = pack([("CVE-2026-3301", "critical"), ("CVE-2026-3302", "high"), ("CVE-2026-9", "medium")])
    result = coverage(scan, [exception(scope={"vulnerability_ids": ["CVE-2026-3301", "CVE-2026-3302"]})], NOW)
    assert result.reasons == ("accept-nghttp2 covers every critical/high finding",)


def test_covering_some_but_not_all_vulnerabilities_reports_the_rest() -> None:
    scan = pack([("CVE-2026-3301", "critical"), ("CVE-2026-3302", "high")])
    result = coverage(scan, [exception()], NOW)
    assert result.covering == ()
    assert result.gaps == ("change edge-proxy-hotfix", "vulnerabilities CVE-2026-3302")


def test_two_exceptions_together_cover_every_vulnerability() -> None:
    scan = pack([("CVE-2026-3301", "critical"), ("CVE-2026-3302", "high")])
    other = exception(id="accept-other", scope={"vulnerability_ids": ["CVE-2026-3302"]})
    assert len(coverage(scan, [exception(), other], NOW).covering) == 2


def test_vulnerability_ids_cannot_cover_a_scan_that_lists_fewer_ids_than_it_counts() -> None:
    scan = pack([("CVE-2026-3301", "critical")], critical=3)
    result = coverage(scan, [exception()], NOW)
    assert result.covering == ()
    assert "unlisted critical/high findings" in result.gaps[-1]


def test_expired_exception_covers_nothing() -> None:
    scan = pack([("CVE-2026-3301", "critical")])
    record = exception(scope={"change_ids": ["edge-proxy-hotfix"]})
    assert coverage(scan, [record], record.model.expires_at).covering == ()
    assert coverage(scan, [record], record.model.expires_at - SECOND).covering != ()


# --- where an exception stands --------------------------------------------------------------


def _approved(record=None) -> ExceptionState:  # type: ignore[no-untyped-def]
    record = record or exception()
    decision = ExceptionDecision.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "ExceptionDecision",
            "exception_id": record.model.id,
            "outcome": "approved",
            "exception": {"path": "exceptions/2026-11/accept-nghttp2.yaml", "sha256": record.sha256},
            "expires_at": record.model.expires_at,
            "rationale": "ok",
        },
        strict=False,
    )
    return ExceptionState(record, decision)


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (-8 * DAY, "active"),
        (-7 * DAY - SECOND, "active"),
        (-7 * DAY, "expiring"),
        (-SECOND, "expiring"),
        (dt.timedelta(0), "expired"),
        (DAY, "expired"),
    ],
)
def test_state_around_the_warning_window_and_expiry(offset: dt.timedelta, state: str) -> None:
    approved = _approved()
    assert status_of(approved, approved.exception.model.expires_at + offset).state == state


def test_exception_without_a_decision_is_unapproved() -> None:
    assert status_of(ExceptionState(exception(), None), NOW).state == "unapproved"


def test_exception_edited_after_approval_is_unapproved() -> None:
    approved = _approved()
    edited = ExceptionState(exception(justification="changed"), approved.decision)
    assert status_of(edited, NOW).state == "unapproved"


# --- end to end on the sandbox -------------------------------------------------------------


@pytest.fixture
def cab(tmp_path: Path) -> CabRepo:
    return make_cab_repo(tmp_path / "repo")


def test_sweep_opens_one_tracking_issue_and_updates_it(cab: CabRepo) -> None:
    cab.approve_exception()
    expires = dt.datetime(2026, 12, 19, 8, 0, tzinfo=dt.UTC)
    first = expiry.run(cab.forge, now=expires - 3 * DAY, identity=BOT)
    assert [s.id for s in first.expiring] == ["edge-proxy-nghttp2"] and first.issue is not None
    second = expiry.run(cab.forge, now=expires + DAY, identity=BOT)
    assert [s.id for s in second.expired] == ["edge-proxy-nghttp2"]
    assert second.issue == first.issue
    [issue] = cab.forge.issues()
    assert "### Expired (1)" in issue["body"]


def test_sweep_with_nothing_to_report_opens_no_issue(cab: CabRepo) -> None:
    cab.approve_exception()
    assert expiry.run(cab.forge, now=dt.datetime(2026, 11, 21, tzinfo=dt.UTC), identity=BOT).issue is None
    assert cab.forge.issues() == []


def test_editing_an_approved_exception_is_refused(cab: CabRepo) -> None:
    cab.approve_exception()
    edited = cab.example(EXCEPTION).replace(b"2026-12-19T08:00:00Z", b"2027-01-19T08:00:00Z")
    number = cab.submit(EXCEPTION, content=edited, branch="extend")
    result = cab.sync(number)
    assert result.status == "refused" and "Renew with a new exception id" in result.summary


def test_renewal_is_a_new_exception_and_the_old_one_stays(cab: CabRepo) -> None:
    cab.approve_exception()
    renewal = cab.example(EXCEPTION).replace(b"id: edge-proxy-nghttp2", b"id: edge-proxy-nghttp2-r2")
    path = "exceptions/2026-11/edge-proxy-nghttp2-r2.yaml"
    number = cab.submit(path, content=renewal)
    cab.sync(number)
    cab.forge.review(number, "sec-sam", "APPROVED")
    assert cab.sync(number).outcome == "approved"
    assert set(cab.main_files("exceptions")) == {EXCEPTION, path}


def test_exception_already_expired_at_approval_is_refused(cab: CabRepo) -> None:
    stale = exception_yaml(
        id="edge-proxy-nghttp2",
        requested_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
        expires_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )
    number = cab.submit("exceptions/2026-08/edge-proxy-nghttp2.yaml", content=stale)
    result = cab.sync(number)
    assert result.status == "refused" and "is in the past" in result.summary


def test_exception_expiring_more_than_90_days_after_approval_is_refused(cab: CabRepo) -> None:
    later = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    early = exception_yaml(id="edge-proxy-nghttp2", requested_at=later, expires_at=later + 60 * DAY)
    number = cab.submit("exceptions/2027-02/edge-proxy-nghttp2.yaml", content=early)
    result = cab.sync(number)
    assert result.status == "refused" and "more than 90 days after approval" in result.summary


def test_high_change_is_covered_only_while_the_exception_is_active(cab: CabRepo) -> None:
    cab.approve_exception()
    number = cab.submit(HIGH)
    cab.forge.review(number, "sec-sam", "APPROVED")
    cab.clock.now = dt.datetime(2026, 12, 19, 8, 0, tzinfo=dt.UTC)  # the exception's expiry
    assert cab.sync(number).status == "pending"
