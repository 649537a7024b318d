"""One exception tree for the project; the CLI maps these to exit codes.

Every error carries a message a human can act on. `InputError` is for documents a user wrote
(exit 2); `FindingError` for "the input is valid but the answer is no" (exit 1).
"""

from __future__ import annotations

from typing import NamedTuple


class CabError(Exception):
    """Base of every error CAB Bot raises on purpose."""

    exit_code = 2

    def diagnostics(self) -> str:
        return str(self)


class Problem(NamedTuple):
    """One thing wrong with an input document, located for an editor."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class InputError(CabError):
    """A document is malformed or breaks the schema; carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def at(cls, source: str, line: int, column: int, message: str) -> InputError:
        return cls([Problem(source, line, column, message)])


class UsageError(CabError):
    """The command line itself is wrong."""

    exit_code = 2


class FindingError(CabError):
    """Valid input whose answer is "no" (not approved, tampered, expired)."""

    exit_code = 1
