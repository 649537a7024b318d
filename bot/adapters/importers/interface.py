"""Value types every importer returns, the one base error they raise, and safe file reading.

Values are frozen dataclasses, not the pack's pydantic models: importers report what a tool said
(including ids or names the pack's schema would refuse), and `bot.services.collect` decides what reaches the
pack. Anything an importer cannot read becomes a `ToolOutputError` naming the file, line and column.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from bot.domain.errors import InputError, Problem

# Tool outputs can be much larger than hand-written YAML (a Trivy report of a big image with the
# package list is tens of MB), but they are parsed in memory, so there is still a ceiling.
MAX_TOOL_OUTPUT_BYTES = 64 * 1024 * 1024

Severity = Literal["critical", "high", "medium", "low", "unknown"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "unknown")


class ToolOutputError(InputError):
    """A tool's output file cannot be read as what it should be; names the file, line and column."""


class WrongFormatError(ToolOutputError):
    """A file is readable but is not the kind of file it was passed as (e.g. a scan given as an SBOM)."""


def fail(source: str, message: str, line: int = 1, column: int = 1) -> ToolOutputError:
    return ToolOutputError([Problem(source, line, column, message)])


def position_of(raw: bytes, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of `needle`, or 1:1 if it does not occur.

    JSON and ElementTree keep no positions for values, so a semantic error (an unknown severity, a
    rate that is not a number) is pointed at the first place its text appears in the file.
    """
    index = raw.find(needle.encode("utf-8"))
    if index < 0:
        return (1, 1)
    line = raw.count(b"\n", 0, index) + 1
    column = index - (raw.rfind(b"\n", 0, index) + 1) + 1
    return (line, column)


def open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading; anything else (a FIFO, a device, /dev/zero) is refused.

    Opened non-blocking first, so that checking a FIFO does not wait forever for a writer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise fail(str(path), "is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_tool_output(path: Path, limit: int = MAX_TOOL_OUTPUT_BYTES) -> bytes:
    """Read a regular file of at most `limit` bytes; anything else is a clear error, not a hang."""
    source = str(path)
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise fail(source, f"file is {size} bytes; the limit is {limit} bytes")
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise fail(source, "file not found") from None
    except IsADirectoryError:
        raise fail(source, "is a directory, not a file") from None
    except PermissionError:
        raise fail(source, "permission denied") from None
    if len(raw) > limit:
        raise fail(source, f"file grew past the limit of {limit} bytes while being read")
    return raw


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class SbomSummary:
    format: Literal["cyclonedx", "spdx"]
    spec_version: str | None
    component_count: int
    digest: str


@dataclass(frozen=True)
class ScanFinding:
    """One (vulnerability, package) pair as a scanner reported it."""

    id: str
    severity: Severity
    package: str | None
    installed_version: str | None
    fixed_version: str | None
    source: str

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """Identity for de-duplication across files: the same vulnerability in the same package."""
        return (self.id, self.package, self.installed_version)


@dataclass(frozen=True)
class ScanReport:
    tool: str
    tool_version: str | None
    scanned_at: dt.datetime | None
    findings: tuple[ScanFinding, ...]
    source: str


@dataclass(frozen=True)
class TestTotals:
    """Counts of test cases by outcome, plus notes on what the reports said that we did not trust."""

    __test__ = False  # not a pytest test class despite the name

    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    notes: tuple[str, ...] = ()

    def __add__(self, other: TestTotals) -> TestTotals:
        return TestTotals(
            passed=self.passed + other.passed,
            failed=self.failed + other.failed,
            errored=self.errored + other.errored,
            skipped=self.skipped + other.skipped,
            notes=self.notes + other.notes,
        )

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errored + self.skipped


@dataclass(frozen=True)
class CoverageSummary:
    """Line coverage; `percent` is None when the report covers no lines at all (0 of 0)."""

    percent: Decimal | None
    lines_covered: int | None
    lines_valid: int | None
    source: str
