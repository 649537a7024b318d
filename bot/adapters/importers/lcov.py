"""lcov tracefiles (`geninfo`, Istanbul/nyc, c8, `coverage lcov`, grcov).

Line coverage is Σ LH / Σ LF over all records. A record without LF/LH (some writers omit the
summaries) is summarised from its DA lines: lines found = DA lines, lines hit = DA lines with a
non-zero count. Records must end with `end_of_record`; a file that stops inside a record is
reported as truncated, since its last record's numbers are unknown.
Written by hand (about 40 lines): the PyPI lcov parsers are unmaintained or pull in a CLI stack.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers.interface import CoverageSummary, fail

_KNOWN = frozenset(
    {"TN", "SF", "VER", "FN", "FNDA", "FNF", "FNH", "FNL", "FNA", "DA", "LF", "LH", "BRDA", "BRF", "BRH"}
)


def load(path: Path) -> CoverageSummary:
    return from_input(detect.load(path, [detect.Format.LCOV], "an lcov tracefile"))


def from_input(found: detect.Input) -> CoverageSummary:
    assert found.text is not None  # detect read it as lcov text
    source = found.source
    found_total = hit_total = 0
    record: str | None = None  # the SF of the record being read
    record_start = 0
    lf: int | None = None
    lh: int | None = None
    da_found = da_hit = 0
    for number, line in enumerate(found.text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line == "end_of_record":
            if record is None:
                raise fail(source, "end_of_record without a record (no SF: line before it)", number, 1)
            found_total += lf if lf is not None else da_found
            hit_total += lh if lh is not None else da_hit
            record, lf, lh, da_found, da_hit = None, None, None, 0, 0
            continue
        key, sep, value = line.partition(":")
        if not sep or key not in _KNOWN:
            raise fail(source, f"not an lcov line: {line[:60]!r}", number, 1)
        if key == "SF":
            if record is not None:
                raise fail(source, f"SF:{value} starts before the record for {record} ended", number, 1)
            record, record_start = value, number
        elif key in ("LF", "LH", "DA") and record is None:
            raise fail(source, f"{key} line outside a record (no SF: line before it)", number, 1)
        elif key == "LF":
            lf = _number(source, number, key, value)
        elif key == "LH":
            lh = _number(source, number, key, value)
        elif key == "DA":
            fields = value.split(",")
            hits = _number(source, number, key, fields[1] if len(fields) >= 2 else "")
            da_found += 1
            da_hit += 1 if hits > 0 else 0
        if lf is not None and lh is not None and lh > lf:
            raise fail(source, f"LH:{lh} exceeds LF:{lf} in the record for {record}", number, 1)
    if record is not None:
        raise fail(
            source,
            f"the record for {record} (line {record_start}) has no end_of_record: is the file truncated?",
            record_start,
            1,
        )
    percent = None if found_total == 0 else Decimal(100) * hit_total / found_total
    return CoverageSummary(percent, hit_total, found_total, source)


def _number(source: str, line: int, key: str, text: str) -> int:
    if not text.isdigit() or len(text) > 30:
        raise fail(source, f"{key}: {text!r} is not a whole number", line, len(key) + 2)
    return int(text)
