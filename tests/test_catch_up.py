"""Catching up: after its own PR, a run syncs the other open PRs whose runs may have been cancelled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.adapters.environment import bot_identity
from bot.domain.errors import CabError
from bot.services.catch_up import catch_up

NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


class OpenPulls:
    """The one forge call catching up makes itself."""

    def __init__(self, numbers: list[int]) -> None:
        self.numbers = numbers
        self.limits: list[int] = []

    def open_pull_requests(self, limit: int) -> Sequence[int]:
        self.limits.append(limit)
        return self.numbers[:limit]


def test_every_open_pr_but_the_runs_own_is_synced_in_the_forges_order() -> None:
    synced: list[int] = []

    def sync(_forge: Any, number: int, **_: Any) -> str:
        synced.append(number)
        return "merged"

    forge = OpenPulls([9, 7, 5, 3])
    done = catch_up(forge, sync, done=[7], now=NOW, identity=bot_identity({}), limit=3)  # type: ignore[arg-type]
    assert synced == [9, 5]
    assert forge.limits == [3]
    assert [(c.number, c.result) for c in done] == [(9, "merged"), (5, "merged")]


def test_a_pr_whose_sync_fails_is_reported_and_the_others_still_run() -> None:
    def sync(_forge: Any, number: int, **_: Any) -> str:
        if number == 2:
            raise CabError("evidence/2026-11/x.yaml:1:1: not a mapping")
        return "pending"

    done = catch_up(OpenPulls([1, 2, 3]), sync, done=[], now=NOW, identity=bot_identity({}))  # type: ignore[arg-type]
    assert [(c.number, c.error is None) for c in done] == [(1, True), (2, False), (3, True)]
    assert "not a mapping" in (done[1].error or "")
