"""Who the bot is when it commits; the audit checks decision commits against this."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BotIdentity:
    name: str
    email: str
    # The settings (CAB_BOT_LOGIN, CAB_BOT_NAME, CAB_BOT_EMAIL) a GitHub run was not given. Without
    # them the bot cannot tell its own comments, records and merges from anyone's, so changes that
    # need reviewers wait (`bot.services.sync`); set only where the Action runs.
    unset: tuple[str, ...] = field(default=(), compare=False)
