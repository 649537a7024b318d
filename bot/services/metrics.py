"""`cab metrics`: the metrics of the decision population on a branch (see `bot.domain.metrics`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.domain.identity import BotIdentity
from bot.domain.metrics import Metrics, measure
from bot.services import export


def run(
    root: Path, bot: BotIdentity, now: dt.datetime, ref: str = "HEAD", since: dt.datetime | None = None
) -> Metrics:
    # Every row, not only those after `since`: an exception approved before `since` may still be open.
    return measure(export.rows(root, bot, ref), now, since)
