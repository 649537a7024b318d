"""Progress of long work, on a terminal only: quiet in CI and whenever stderr is not a TTY.

Drawn with `rich` (imported only when a bar is really shown: it costs more to load than a short
command takes), never a hand-made bar. Output goes to stderr, so piped reports stay clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
Advance = Callable[[int], None]
EVERY = 64  # items between redraws of a counting bar: its cost stays far below the work's


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def interactive() -> bool:
    """A person is watching: stderr is a terminal and no CI system says it runs us."""
    return _stderr_is_terminal() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def notice(text: str) -> None:
    """One line for the person at the terminal (a retry, a wait); nothing in CI."""
    if interactive():
        print(text, file=sys.stderr, flush=True)


def _progress(*, transfer: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    columns += [DownloadColumn(), TransferSpeedColumn()] if transfer else [MofNCompleteColumn()]
    return Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)


@contextmanager
def bar(description: str, total: int | None = None, *, transfer: bool = False) -> Iterator[Advance]:
    """A bar for `total` steps (bytes when `transfer`); yields `advance(n)`. A no-op off a TTY."""
    if not interactive():
        yield lambda _n: None
        return
    with _progress(transfer=transfer) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def counting(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """`items`, unchanged, with a bar counting them on a TTY (redrawn every EVERY items)."""
    if not interactive():
        yield from items
        return
    with bar(description, total) as advance:
        pending = 0
        for item in items:
            yield item
            pending += 1
            if pending == EVERY:
                advance(pending)
                pending = 0
        advance(pending)
