"""The decision records a governed file can have: what a forge reads beside it, before it is scored."""

from __future__ import annotations

import pytest

from bot.domain.layout import records_of


def test_an_evidence_pack_can_have_a_record_in_each_tier_of_its_month() -> None:
    assert records_of("evidence/2026-11/payments-api-7.4.2.yaml") == (
        "decisions/low/2026-11/payments-api-7.4.2.yaml",
        "decisions/medium/2026-11/payments-api-7.4.2.yaml",
        "decisions/high/2026-11/payments-api-7.4.2.yaml",
    )


def test_an_exception_can_have_one_exception_decision_of_its_month() -> None:
    assert records_of("exceptions/2026-11/db-freeze.yaml") == ("decisions/exceptions/2026-11/db-freeze.yaml",)


@pytest.mark.parametrize(
    "path",
    [
        "decisions/low/2026-11/payments-api-7.4.2.yaml",
        "risk-model/v1.0.yaml",
        "evidence/README.md",
        "src/app.py",
        "Evidence/2026-11/payments-api-7.4.2.yaml",
    ],
)
def test_records_records_and_other_files_have_none(path: str) -> None:
    assert records_of(path) == ()
