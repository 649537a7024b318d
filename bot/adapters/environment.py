"""What the process environment says about who the bot is (`CAB_BOT_NAME`, `CAB_BOT_EMAIL`)."""

from __future__ import annotations

import os

from bot.domain.identity import BotIdentity


def bot_identity(environ: dict[str, str] | None = None) -> BotIdentity:
    env = os.environ if environ is None else environ
    return BotIdentity(
        name=env.get("CAB_BOT_NAME", "cab-bot"),
        email=env.get("CAB_BOT_EMAIL", "cab-bot@users.noreply.github.com"),
    )
