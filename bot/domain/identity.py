"""Who the bot is when it commits; the audit checks decision commits against this."""

from __future__ import annotations

from typing import NamedTuple


class BotIdentity(NamedTuple):
    """A tuple, not a dataclass: `cab verify` needs it, and the dataclasses module costs its start."""

    name: str
    email: str
    # The settings (CAB_BOT_LOGIN, CAB_BOT_NAME, CAB_BOT_EMAIL) a GitHub run was not given. Without
    # them the bot cannot tell its own comments, records and merges from anyone's, so changes that
    # need reviewers wait (`bot.services.sync`); set only where the Action runs.
    unset: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:  # who the bot is, not how it was configured
        return isinstance(other, BotIdentity) and (self.name, self.email) == (other.name, other.email)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.name, self.email))
