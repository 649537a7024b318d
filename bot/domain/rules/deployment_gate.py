"""The deployment gate: is this change approved, unexpired and untampered? Pure; `now` passed in.

A record alone proves nothing: anyone can write one on a branch or push one. The gate accepts a
record only as it arrived through a decision merge on the default branch's first-parent line that
the bot made (`provenance`), with an outcome its tier allows (`verify`); who "the bot" is comes
from `bot.domain.rules.bot_commits`, the audit's rule.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple, Protocol

from bot.domain.git_objects import CommitHeader
from bot.domain.identity import BotIdentity
from bot.domain.outcomes import APPROVING_OUTCOMES, outcome_allowed
from bot.domain.rules.bot_commits import made_by_bot, merge_identity_problem

if TYPE_CHECKING:  # types only: defining Protocol classes costs the gate's start-up time
    from collections.abc import Sequence

    # What `verify` reads of a record: a `Decision` model has it, and so has the light reading of
    # bot.domain.rules.gate_record (which `cab verify` uses so that it never loads pydantic).
    class _Risk(Protocol):
        @property
        def tier(self) -> str: ...
        @property
        def score(self) -> str: ...

    class _Evidence(Protocol):
        @property
        def path(self) -> str: ...
        @property
        def sha256(self) -> str: ...

    class _ExceptionRef(Protocol):
        @property
        def id(self) -> str: ...
        @property
        def expires_at(self) -> dt.datetime: ...

    class GatedRecord(Protocol):
        @property
        def change_id(self) -> str: ...
        @property
        def outcome(self) -> str: ...
        @property
        def risk(self) -> _Risk: ...
        @property
        def evidence(self) -> _Evidence: ...
        @property
        def exceptions(self) -> Sequence[_ExceptionRef]: ...
        @property
        def conditions(self) -> Sequence[str]: ...


class Verdict(NamedTuple):
    ok: bool
    reason: str


class Arrival(NamedTuple):
    """How the record reached the branch tip: the newest first-parent commit that changed it."""

    path: str
    commit: CommitHeader
    added: bool  # the record is absent at the commit's first parent
    record_commit: CommitHeader | None  # the merge's second parent (the final-record commit)


def provenance(arrival: Arrival | None, path: str, bot: BotIdentity) -> Verdict | None:
    """None when the record arrived through the bot's decision merge; else why it did not count."""
    if arrival is None:
        return Verdict(False, f"{path} was never added by a first-parent commit of the branch")
    sha = arrival.commit.sha[:12]
    if len(arrival.commit.parents) != 2:
        return Verdict(
            False, f"{path} was written by commit {sha}, not by a decision merge (pushed directly?)"
        )
    if not arrival.added:
        return Verdict(False, f"{path} was changed by merge {sha} after it was decided")
    problem = merge_identity_problem(arrival.commit, bot)
    if problem is not None:
        return Verdict(False, f"{path} was added by merge {sha}, which the bot did not make: {problem}")
    record_commit = arrival.record_commit
    if record_commit is None or not made_by_bot(record_commit, bot):
        who = (
            ""
            if record_commit is None
            else f": author {record_commit.author.name} <{record_commit.author.email}>"
        )
        shown = "?" if record_commit is None else record_commit.sha[:12]
        return Verdict(
            False,
            f"{path} was merged by {sha} from final-record commit {shown}, which the bot did not make{who}",
        )
    return None


def verify(
    record: GatedRecord,
    evidence_sha256: str | None,
    now: dt.datetime,
    expired_exceptions: frozenset[str] = frozenset(),
) -> Verdict:
    """`evidence_sha256` is the canonical hash of the evidence file as it is now (None if gone)."""
    if record.outcome not in APPROVING_OUTCOMES:
        return Verdict(False, f"{record.change_id} is {record.outcome}, not approved")
    if not outcome_allowed(record.risk.tier, record.outcome):
        return Verdict(
            False,
            f"{record.change_id} is {record.outcome} at tier {record.risk.tier}, "
            "which that tier never allows",
        )
    if evidence_sha256 is None:
        return Verdict(
            False, f"{record.evidence.path} is missing: the evidence was deleted after the decision"
        )
    if evidence_sha256 != record.evidence.sha256:
        return Verdict(
            False,
            f"{record.evidence.path} changed after the decision "
            f"(sha256 {evidence_sha256[:12]}…, decided on {record.evidence.sha256[:12]}…)",
        )
    for exception in record.exceptions:
        if exception.id in expired_exceptions or now >= exception.expires_at:
            return Verdict(
                False,
                f"exception {exception.id} expired at {exception.expires_at.isoformat()}; "
                "the change is no longer covered",
            )
    conditions = f" with conditions: {'; '.join(record.conditions)}" if record.conditions else ""
    return Verdict(
        True,
        f"{record.change_id} {record.outcome} (risk {record.risk.score}, {record.risk.tier}){conditions}",
    )
