"""Who made a commit: the one rule the audit and the deployment gate share.

A bot commit is authored by the bot and committed by the bot, or by GitHub itself: GitHub's REST
merge endpoint and GraphQL `createCommitOnBranch` cannot set the committer, so a merge or
final-record commit made through them is committed by `GitHub <noreply@github.com>`. Only that
exact identity is accepted, and only as committer.
"""

from __future__ import annotations

from bot.domain.git_objects import CommitHeader, Ident
from bot.domain.identity import BotIdentity

GITHUB_COMMITTER = Ident("GitHub", "noreply@github.com")


def same(ident: Ident, bot: BotIdentity) -> bool:
    return ident.name == bot.name and ident.email.lower() == bot.email.lower()


def is_github(ident: Ident) -> bool:
    return ident.name == GITHUB_COMMITTER.name and ident.email.lower() == GITHUB_COMMITTER.email


def made_by_bot(header: CommitHeader, bot: BotIdentity) -> bool:
    """Authored by the bot, and committed by the bot or by GitHub on the bot's behalf."""
    return same(header.author, bot) and (same(header.committer, bot) or is_github(header.committer))


def merge_identity_problem(header: CommitHeader, bot: BotIdentity) -> str | None:
    """None when the bot made the merge: author and committer the bot, or committer GitHub's merge API."""
    if made_by_bot(header, bot):
        return None
    return (
        f"author {header.author.name} <{header.author.email}>, committer {header.committer.name} "
        f"<{header.committer.email}>; expected {bot.name} <{bot.email}> (committer may be GitHub's merge API)"
    )
