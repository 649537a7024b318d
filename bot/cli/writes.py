"""File-system refusals while a command writes, as one line that names the path and what to do.

The services create files with the standard library and let `OSError` rise; only the command
knows which of its arguments the path came from, so the command turns it into a usage error.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from bot.domain.errors import UsageError

_NOT_A_DIRECTORY = (errno.ENOTDIR, errno.EEXIST)  # EEXIST: mkdir where a file is


@contextmanager
def writing(command: str, hint: str) -> Iterator[None]:
    """Run the body; an `OSError` becomes `cab COMMAND: cannot write PATH: reason; HINT` (exit 2)."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader of the output went away (`| head`): not a path's fault
    except OSError as exc:
        where = "" if exc.filename is None else f" {exc.filename}"
        reason = "a file is in the way of a directory" if exc.errno in _NOT_A_DIRECTORY else exc.strerror
        raise UsageError(f"cab {command}: cannot write{where}: {reason or exc}; {hint}") from None
