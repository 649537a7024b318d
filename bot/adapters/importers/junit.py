"""JUnit XML test reports: `<testsuites>` or a bare `<testsuite>` root, suites nested at any depth.

Counts come from the `<testcase>` elements, not from the suites' `tests`/`failures`/`skipped`
attributes: reporters write those totals separately and sometimes get them wrong (the Jenkins
Android fixture says skipped="2" over three skipped test cases), while each test case's outcome is
the fact itself. Where the attributes disagree, a note says so. A test case's outcome is its first
child among `<error>` (errored), `<failure>` (failed), `<skipped>` (skipped), else passed; when a
case carries both an error and a failure, errored wins, as the stronger signal.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.etree.ElementTree import Element

from bot.adapters.importers import detect
from bot.adapters.importers.interface import TestTotals, fail, position_of


def load(path: Path) -> TestTotals:
    return from_input(detect.load(path, [detect.Format.JUNIT_XML], "a JUnit report"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def from_input(found: detect.Input) -> TestTotals:
    assert found.xml is not None  # detect parsed it as JUnit XML
    totals = TestTotals()
    notes: list[str] = []
    # iter() includes the root itself, so a bare <testsuite> and nested suites are handled alike;
    # each suite counts only its own test cases, nested suites are visited on their own.
    for suite in found.xml.iter():
        if _local(suite.tag) != "testsuite":
            continue
        counted = _count(child for child in suite if _local(child.tag) == "testcase")
        totals = totals + counted
        notes.extend(_disagreements(suite, counted, found))
    return TestTotals(totals.passed, totals.failed, totals.errored, totals.skipped, tuple(notes))


def _count(cases: Iterable[Element]) -> TestTotals:
    passed = failed = errored = skipped = 0
    for case in cases:
        children = {_local(child.tag) for child in case}
        if "error" in children:
            errored += 1
        elif "failure" in children:
            failed += 1
        elif "skipped" in children:
            skipped += 1
        else:
            passed += 1
    return TestTotals(passed, failed, errored, skipped)


_ATTRIBUTES = (("tests", "total"), ("failures", "failed"), ("errors", "errored"), ("skipped", "skipped"))


def _disagreements(suite: Element, counted: TestTotals, found: detect.Input) -> list[str]:
    notes = []
    name = suite.get("name") or "(unnamed)"
    has_nested = any(_local(e.tag) == "testsuite" for e in suite)
    if has_nested:
        return []  # totals of a parent suite include its children's; not comparable case by case
    for attribute, field in _ATTRIBUTES:
        text = suite.get(attribute)
        if text is None:
            continue
        try:
            claimed = int(text)
        except ValueError:
            line, column = position_of(found.raw, f'{attribute}="{text}"')
            raise fail(
                found.source, f'testsuite {name}: {attribute}="{text}" is not a whole number', line, column
            ) from None
        actual = getattr(counted, field)
        if claimed != actual:
            notes.append(
                f"{found.source}: testsuite {name} says {attribute}={claimed} but {actual} test cases "
                f"are {field}; counted the test cases"
            )
    return notes
