"""Who the bot is when it commits; the audit checks decision commits against this."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class BotIdentity:
    name: str
    email: str


def bot_identity(environ: dict[str, str] | None = None) -> BotIdentity:
    env = os.environ if environ is None else environ
    return BotIdentity(
        name=env.get("CAB_BOT_NAME", "cab-bot"),
        email=env.get("CAB_BOT_EMAIL", "cab-bot@users.noreply.github.com"),
    )
