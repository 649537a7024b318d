"""Catching up on the PRs whose own runs GitHub cancelled.

The decide job runs in one repository-wide concurrency group (`cab-merge`), so two decisions
never race for the same previous record. But GitHub keeps at most one running and one pending
run per group: when twenty approvals land within a minute, every pending run but the newest is
cancelled. So each run, after its own PR, also re-syncs the other open PRs (most recently
updated first, at most `LIMIT`), one after the other inside the same group: a decision whose
own run was cancelled is taken by the next run that does get to run. A re-sync with nothing new
reads two GraphQL requests and writes nothing.

The scheduled run catches up too, after its expiry sweep: a change that a freeze window holds
(`policy/freeze.yaml`) has no event of its own when the window ends, and merges at the first
scheduled run after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.adapters.forge.interface import Forge
from bot.domain.errors import CabError
from bot.domain.identity import BotIdentity

LIMIT = 20  # PRs re-synced per run: 1 list call + 2 reads each when nothing is new


@dataclass(frozen=True)
class CaughtUp:
    number: int
    result: Any | None  # the sync's result, or None when it failed with `error`
    error: str | None = None


SyncStep = Callable[..., Any]


def catch_up(
    forge: Forge,
    sync: SyncStep,
    *,
    done: Iterable[int],
    now: dt.datetime,
    identity: BotIdentity,
    limit: int = LIMIT,
) -> list[CaughtUp]:
    """Sync every open PR not in `done`; one PR's failure is reported and does not stop the rest."""
    skip = set(done)
    out = []
    for number in forge.open_pull_requests(limit):
        if number in skip:
            continue
        try:
            out.append(CaughtUp(number, sync(forge, number, now=now, identity=identity)))
        except CabError as exc:  # its own run (or the next event) reports it on the PR
            out.append(CaughtUp(number, None, exc.diagnostics()))
    return out
