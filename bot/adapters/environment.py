"""What the process environment says: who the bot is (`CAB_BOT_NAME`, `CAB_BOT_EMAIL`, and on
GitHub `CAB_BOT_LOGIN`), and how many cores this process may use."""

from __future__ import annotations

import os

from bot.domain.identity import BotIdentity

IDENTITY_SETTINGS = ("CAB_BOT_LOGIN", "CAB_BOT_NAME", "CAB_BOT_EMAIL")


def bot_identity(environ: dict[str, str] | None = None) -> BotIdentity:
    env = os.environ if environ is None else environ
    return BotIdentity(
        name=env.get("CAB_BOT_NAME") or "cab-bot",
        email=env.get("CAB_BOT_EMAIL") or "cab-bot@users.noreply.github.com",
    )


def action_identity(environ: dict[str, str]) -> BotIdentity:
    """The identity of a run in GitHub Actions, noting which of the three settings it lacks."""
    found = bot_identity(environ)
    unset = tuple(name for name in IDENTITY_SETTINGS if not environ.get(name, "").strip())
    return BotIdentity(found.name, found.email, unset=unset)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and `taskset` narrow),
    not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - macOS and Windows have no affinity call
