"""Cobertura XML coverage (coverage.py `coverage xml`, JaCoCo/Istanbul converters, gcovr).

Line coverage is `lines-covered / lines-valid` when the root carries both (exact counts), else the
root's `line-rate` (a fraction that coverage.py rounds to four digits). A report of 0 valid lines
has no coverage figure, so the percentage is absent rather than 0 or 100.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers.interface import CoverageSummary, fail, position_of

_HUNDRED = Decimal(100)


def load(path: Path) -> CoverageSummary:
    return from_input(detect.load(path, [detect.Format.COBERTURA_XML], "a Cobertura report"))


def from_input(found: detect.Input) -> CoverageSummary:
    assert found.xml is not None  # detect parsed it as Cobertura XML
    attrib = found.xml.attrib
    covered = _count(found, "lines-covered", attrib.get("lines-covered"))
    valid = _count(found, "lines-valid", attrib.get("lines-valid"))
    if covered is not None and valid is not None:
        if covered > valid:
            line, column = position_of(found.raw, "lines-covered=")
            raise fail(found.source, f"lines-covered={covered} exceeds lines-valid={valid}", line, column)
        percent = None if valid == 0 else _HUNDRED * covered / valid
        return CoverageSummary(percent, covered, valid, found.source)
    rate_text = attrib.get("line-rate")
    if rate_text is None:
        raise fail(found.source, "the <coverage> root has neither lines-covered/lines-valid nor line-rate")
    try:
        rate = Decimal(rate_text)
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= 1:
        line, column = position_of(found.raw, f'line-rate="{rate_text}"')
        raise fail(found.source, f"line-rate {rate_text!r} is not a fraction between 0 and 1", line, column)
    return CoverageSummary(rate * _HUNDRED, None, None, found.source)


def _count(found: detect.Input, name: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        line, column = position_of(found.raw, f'{name}="{text}"')
        raise fail(found.source, f"{name} {text!r} is not a whole number", line, column)
    return int(text)
