"""Every first-parent commit of the default branch is accounted for. Pure.

After the recorded start, a first-parent commit is either the bot's decision merge or a commit
policy accepted by name (`policy/history.yaml`, `bot.domain.models.history`). Anything else (a
direct push, a merge by a person, a squash) is a finding whatever paths it touches: git
identities and tree contents are claims, and a commit nobody accounts for may have changed
CODEOWNERS, the bot's code or a workflow as easily as a record.

`bot_decision_merge` is the one place that says what a bot decision merge is; the audit and the
deployment gate ask it, so a stronger proof (a verified signature) plugs in here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from bot.domain.git_objects import CommitHeader, LogEntry
from bot.domain.identity import BotIdentity
from bot.domain.layout import RECORD_KINDS, SIGNERS_PATH, classify
from bot.domain.rules.bot_commits import made_by_bot
from bot.domain.rules.trailers import checked_base, parse, policy_from_message

if TYPE_CHECKING:  # types only: the deployment gate reads the policy without loading pydantic
    from bot.domain.models.history import History

HISTORY_PATH = "policy/history.yaml"


def is_decision_candidate(entry: LogEntry, header: CommitHeader) -> bool:
    """A first-parent merge that claims to be a decision (trailers) or adds a decision record."""
    claims = "Cab-Decision" in parse(header.message)
    adds = any(
        c.status == "A" and (g := classify(c.path)) is not None and g.kind in RECORD_KINDS
        for c in entry.changes
    )
    return claims or adds


def bot_decision_merge(entry: LogEntry, header: CommitHeader, bot: BotIdentity) -> bool:
    """A two-parent merge that is a decision and that the bot made."""
    return len(entry.parents) == 2 and is_decision_candidate(entry, header) and made_by_bot(header, bot)


class HistoryPolicy(NamedTuple):
    """What the audited tip's `policy/history.yaml` says; the default is the strictest reading."""

    start: str | None = None  # None: the root commit of the first-parent line
    accepted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, document: History | None) -> HistoryPolicy:
        return cls() if document is None else cls(document.start, document.accepted())


STRICT = HistoryPolicy()  # no policy file: start at the root, accept nothing


def parse_policy(raw: bytes | None, where: str) -> HistoryPolicy:
    """`policy/history.yaml`'s bytes at `where` (None: absent, the strictest reading), as the
    audit, the gate and the bot all read it; InputError when it is no history policy. The model
    is imported on use: the gate's light path reads the file without pydantic."""
    if raw is None:
        return STRICT
    from bot.domain import documents
    from bot.domain.models.history import History

    return HistoryPolicy.of(documents.parse(raw, f"{where}:{HISTORY_PATH}", History).model)


def unaccounted(entry: LogEntry, header: CommitHeader, bot: BotIdentity, policy: HistoryPolicy) -> str | None:
    """Why a first-parent commit after the start is not accounted for, or None when it is."""
    if not entry.parents or entry.sha in policy.accepted or bot_decision_merge(entry, header, bot):
        return None
    if len(entry.parents) == 1:
        shape = "a non-merge commit (a direct push or a squash merge)"
    elif is_decision_candidate(entry, header):
        shape = "a decision merge the bot did not make"
    else:
        shape = f"a {len(entry.parents)}-parent merge that is no decision"
    return (
        f"{shape}, by {header.author.name} <{header.author.email}>: after the recorded start, every "
        f"first-parent commit must be the bot's decision merge or be listed in {HISTORY_PATH}"
    )


def policy_unaccounted(
    entry: LogEntry, header: CommitHeader, bot: BotIdentity, policy: HistoryPolicy
) -> str | None:
    """Why a first-parent commit that changed the CAB's policy (`layout.POLICY_PREFIXES`) cannot
    stand behind a later decision, or None: only a commit policy accepts, or the bot's merge of
    a policy decision, may change the rules a decision was judged by. The gate asks this of every
    such commit before a decision's base, so a pushed CODEOWNERS fails the changes decided under it.
    Signatures are checked beside it (`commit_signatures`), as for every bot commit."""
    why = unaccounted(entry, header, bot, policy)
    if why is not None or not entry.parents or entry.sha in policy.accepted:
        return why
    trailers = policy_from_message(header.message)
    if trailers is None:
        return "a bot decision merge that changed the CAB's policy without being a policy decision"
    if trailers.decision != "approved":
        return f"policy decision {trailers.policy} was {trailers.decision}, yet its merge changed policy"
    return None


def signers_unaccounted(entry: LogEntry, header: CommitHeader, bot: BotIdentity) -> str | None:
    """Why a first-parent commit that changed `policy/signers.yaml` (after its first version)
    cannot stand as a change of who signs for the bot, or None: only the bot's merge of an
    approved policy decision that names the file may make one. A commit `policy/history.yaml`
    accepts may not, and neither may one before the recorded start: both are vouched for only by
    later signed commits, and a key that such a commit brought would vouch for itself (a key
    pushed, then a merge signed with it that accepts the push, or moves the start past it).
    Signatures are checked beside it, with the keys of the version before."""
    if not bot_decision_merge(entry, header, bot):
        return (
            f"not the bot's decision merge, and only an approved policy decision may change {SIGNERS_PATH} "
            f"(not a push, even one {HISTORY_PATH} accepts)"
        )
    trailers = policy_from_message(header.message)
    if trailers is None:
        return "a bot decision merge that is no policy decision"
    if trailers.decision != "approved":
        return f"policy decision {trailers.policy} was {trailers.decision}"
    if not any(path.split(" ", 1)[0] == SIGNERS_PATH for path in trailers.paths):
        return f"policy decision {trailers.policy} does not name {SIGNERS_PATH}"
    return None


ACCEPTED_RUN_MAX = 100  # commits accepted in a row below a tip the bot walks before it holds


def tip_unaccounted(
    tip: str,
    header_of: Callable[[str], CommitHeader],
    bot: BotIdentity,
    policy: HistoryPolicy,
    unsigned: Callable[[CommitHeader], str | None],
    signers_changed: Callable[[CommitHeader], bool],
) -> str | None:
    """Why the bot must not lay a decision merge on the default branch's `tip`, or None. The bot
    only ever merges onto an accounted tip, so every first-parent commit stays accounted, decision
    after decision: deciding on top of a push nobody decided (a CODEOWNERS handing a tier to
    another team, say) would put the bot's signature behind rules the CAB never approved, and
    bury the push below a commit that looks accounted. So a tip that `policy` (`policy/history.yaml`
    at the tip, or a policy change's) accepts is followed down its first parents to the bot's last
    merge: accepting one harmless push must not bury the one below it, nor vouch for a change of
    who signs for the bot (`signers_unaccounted`: only an approved policy decision may make one).
    The bot's merge ends the walk when it landed on the tip it checked (its `Cab-Base`, or none:
    merges made before the trailer); one that landed on a newer tip (GitHub cannot merge
    conditionally on the base) is walked through, so a push in that window holds the next one.
    `header_of` reads a commit; `unsigned` says why a commit's signature is not trusted for the
    bot (None: it is), asked only of one that is otherwise the bot's decision merge;
    `signers_changed` whether a commit changed `policy/signers.yaml`, asked of accepted ones."""
    sha = tip
    for _ in range(ACCEPTED_RUN_MAX + 1):
        header = header_of(sha)
        if not header.parents or header.sha == policy.start:
            return None
        if header.sha not in policy.accepted:
            why = unaccounted(LogEntry(header.sha, header.parents, ()), header, bot, policy)
            if why is None and (problem := unsigned(header)) is not None:
                why = f"a decision merge whose signature is not trusted for the bot: {problem}"
            if why is not None:
                return f"{_where(tip, sha)} is {why}"
            checked = checked_base(header.message)
            if checked is None or checked == header.parents[0]:
                return None  # the bot's merge onto the tip it checked: all below was accounted for
            sha = header.parents[0]  # it landed on a newer tip than it checked: what came between?
            continue
        if signers_changed(header):
            return (
                f"{_where(tip, sha)} is accepted by {HISTORY_PATH} but changed {SIGNERS_PATH}, which only "
                "an approved policy decision may change (not a push, even one that is accepted)"
            )
        sha = header.parents[0]
    return (
        f"below its tip {tip[:12]}, more than {ACCEPTED_RUN_MAX} commits in a row are accepted by "
        f"{HISTORY_PATH} with no decision merge between them: move its `start` past them instead"
    )


def _where(tip: str, sha: str) -> str:
    return f"its tip {tip[:12]}" if sha == tip else f"below its tip {tip[:12]}, {sha[:12]}"
