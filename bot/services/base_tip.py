"""Whether the bot may lay a decision merge on the base branch's tip (`history.tip_unaccounted`).

Asked only when a plan merges, through the forge: the tip's commit with its signature (checked
with the keys of `policy/signers.yaml` at the tip's first parent, as the audit checks every bot
commit), and `policy/history.yaml` at the tip; on GitHub all three come with the sync's snapshot,
so the check costs no request. Only a tip that policy accepts, or the bot's merge that landed
on another tip than the one it names (`Cab-Base`), sends the walk further down, a commit and its
signers file per step, to the bot's last decision merge.

Where the forge merges conditionally on the base (the sandbox), a push after the check fails the
merge and the next sync asks again. GitHub has no such merge: a push in that window lies below
the bot's merge, whose `Cab-Base` then differs from its first parent, so the next check walks
through the merge and holds on the push.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.forge.interface import Forge, NotARegularFile
from bot.adapters.git.signatures import trusted_keys
from bot.domain.errors import InputError
from bot.domain.git_objects import CommitHeader
from bot.domain.identity import BotIdentity
from bot.domain.rules.commit_signatures import signature_problem
from bot.domain.rules.history import HISTORY_PATH, HistoryPolicy, parse_policy, tip_unaccounted
from bot.domain.rules.trailers import parse
from bot.services.signature import SIGNERS_PATH


class UnreadablePolicy(ValueError):
    """`policy/history.yaml` is there but is no history policy: nothing it says can be relied on."""


def history_policy(raw: bytes | None, where: str) -> HistoryPolicy:
    """`rules.history.parse_policy`, whose refusal holds the branch with the file's first problem."""
    try:
        return parse_policy(raw, where)
    except InputError as exc:
        raise UnreadablePolicy(f"{HISTORY_PATH} at {where} cannot be read: {exc.problems[0]}") from None


def _read(forge: Forge, sha: str, path: str) -> bytes | None:
    try:
        return forge.read_file(sha, path)
    except NotARegularFile as exc:
        raise UnreadablePolicy(f"{path} at {sha[:12]} {exc.why}") from None


def _unsigned(forge: Forge, header: CommitHeader) -> str | None:
    """Why the tip, shaped as the bot's decision merge, is not signed as the bot's; None: it is."""
    if "Cab-Decision" not in parse(header.message):
        return None  # not shaped as a decision merge: `unaccounted` says so first
    parent = header.parents[0]
    keys = trusted_keys(_read(forge, parent, SIGNERS_PATH), f"base {parent[:12]}")
    problem = signature_problem(header, "decision merge", keys.verify(header))
    return None if problem is None else f"{problem[1]} ({problem[0]})"


def _signers_changed(forge: Forge, header: CommitHeader) -> bool:
    return _read(forge, header.sha, SIGNERS_PATH) != _read(forge, header.parents[0], SIGNERS_PATH)


def _walk(forge: Forge, tip: str, identity: BotIdentity, policy: HistoryPolicy) -> str | None:
    return tip_unaccounted(
        tip,
        forge.commit_header,
        identity,
        policy,
        lambda header: _unsigned(forge, header),
        lambda header: _signers_changed(forge, header),
    )


def untrusted_tip(forge: Forge, tip: str, identity: BotIdentity) -> str | None:
    """Why the bot must not merge onto `tip`, or None. A policy file it cannot read holds too."""
    try:
        why = _walk(forge, tip, identity, history_policy(_read(forge, tip, HISTORY_PATH), tip[:12]))
    except UnreadablePolicy as exc:
        return str(exc)
    if why is not None and identity.unset:
        why += f" (this run was not told the bot's identity: {', '.join(identity.unset)})"
    return why


def under_proposed(
    forge: Forge, blobs: Mapping[str, bytes | None], tip: str, identity: BotIdentity
) -> str | None:
    """Why `tip` is still not accounted for under the `policy/history.yaml` a policy change brings
    (`blobs`: its files at the head, `policy/history.yaml` among them, None if it deletes it), or
    None: it is, and that decision may merge onto the tip."""
    try:
        return _walk(forge, tip, identity, history_policy(blobs[HISTORY_PATH], "the pull request's head"))
    except UnreadablePolicy as exc:
        return str(exc)
