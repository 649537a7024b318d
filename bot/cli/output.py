"""The command's standard output, guarded so that failing to write it never changes the verdict.

A command's exit code is its answer (`cab verify`: 0 only when approved). When the reader of its
output goes away (`cab verify X | head -c 0`, or a pipeline step that exits early), writing
raises `BrokenPipeError` wherever the command happens to be; left to rise, it would end a refusal
with whatever code catches it first. Here the rest of the output is dropped instead (written to
the null device), so the command ends as it would have, with its own exit code. Any other failure
to write (a full disk) is remembered, and the command then ends with exit 2 even if its answer was
yes: output that was asked for and lost is not success.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: every command passes here, `cab --help` too
if TYPE_CHECKING:
    from typing import Any, TextIO


class GuardedOutput:
    """A text stream that forwards to `stream` until writing fails, then drops what follows."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.failure: OSError | None = None  # the first failure that was not a closed reader

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._drop(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._drop(exc)

    def _drop(self, exc: OSError) -> None:
        if not isinstance(exc, BrokenPipeError) and self.failure is None:
            self.failure = exc
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())  # what is still buffered goes there too
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> GuardedOutput | None:
    """Put a GuardedOutput in place of `sys.stdout` (None when there is no stdout to guard)."""
    stream = sys.stdout
    if stream is None or isinstance(stream, GuardedOutput):
        return None
    try:
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return None  # not a file descriptor (an embedding that replaced stdout): nothing to guard
    guarded = GuardedOutput(stream)
    sys.stdout = guarded
    return guarded


def exit_code(code: int, guarded: GuardedOutput | None) -> int:
    """The command's code, unless its output was lost to something other than a closed reader."""
    if guarded is None:
        return code
    guarded.flush()
    if guarded.failure is None:
        return code
    print(f"cab: could not write the output: {guarded.failure.strerror or guarded.failure}", file=sys.stderr)
    return code or 2
