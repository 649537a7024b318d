"""Who the bot is when it commits; the audit checks decision commits against this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BotIdentity:
    name: str
    email: str
