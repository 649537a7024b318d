"""JUnit XML: outcomes counted from the test cases themselves; XML attacks and corruption refused."""

import pytest

from bot.adapters.importers import junit
from bot.adapters.importers.interface import TestTotals, ToolOutputError
from tests.tool_fixtures import tool


def counts(totals: TestTotals) -> tuple[int, int, int, int]:
    return (totals.passed, totals.failed, totals.errored, totals.skipped)


@pytest.mark.parametrize(
    ("fixture", "passed", "failed", "errored", "skipped"),
    [
        ("junit/jenkins-android-skips.xml", 8, 0, 0, 3),
        ("junit/jenkins-ant-errors.xml", 5, 0, 3, 0),
        ("junit/junitparser-jasmine-fail-skip.xml", 1, 1, 0, 1),
        ("junit/pytest-failures.xml", 1, 2, 0, 0),
    ],
)
def test_outcomes_match_the_fixture(
    fixture: str, passed: int, failed: int, errored: int, skipped: int
) -> None:
    assert counts(junit.load(tool(fixture))) == (passed, failed, errored, skipped)


def test_test_cases_win_over_a_suite_attribute_that_disagrees_and_a_note_says_so() -> None:
    totals = junit.load(tool("junit/jenkins-android-skips.xml"))
    assert totals.skipped == 3
    assert len(totals.notes) == 1
    assert "says skipped=2 but 3 test cases are skipped" in totals.notes[0]


def test_reports_that_agree_with_their_attributes_carry_no_notes() -> None:
    assert junit.load(tool("junit/pytest-failures.xml")).notes == ()


def test_reports_add_up_when_merged() -> None:
    merged = junit.load(tool("junit/jenkins-android-skips.xml")) + junit.load(
        tool("junit/pytest-failures.xml")
    )
    assert counts(merged) == (9, 2, 0, 3)


def test_corrupt_surefire_report_names_line_and_column() -> None:
    # expat says "line 18, column 25" counting from 0; cab counts columns from 1.
    with pytest.raises(
        ToolOutputError, match=r"surefire-corrupt-unclosed-cdata\.xml:18:26: .*unclosed CDATA"
    ):
        junit.load(tool("junit/surefire-corrupt-unclosed-cdata.xml"))


def test_truncated_report_is_not_well_formed() -> None:
    with pytest.raises(ToolOutputError, match=r"junit-truncated\.xml:\d+:\d+: not well-formed XML"):
        junit.load(tool("variants/junit-truncated.xml"))


@pytest.mark.parametrize("fixture", ["variants/junit-billion-laughs.xml", "variants/junit-xxe.xml"])
def test_entity_declarations_are_refused(fixture: str) -> None:
    with pytest.raises(ToolOutputError, match=r":[2-3]:\d+: XML declares entities, which are refused"):
        junit.load(tool(fixture))
