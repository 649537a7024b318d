"""The decision as git trailers on the merge commit: written by the bot, read back by the audit.

Format and meaning are specified in docs/decision-records.md. Parsing follows git's rule that
trailers are the `Key: value` lines of the message's last paragraph.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:  # types only: the deployment gate reads trailers without loading pydantic
    from bot.domain.models import Decision, ExceptionDecision, PolicyDecision, RetroApproval

_TRAILER = re.compile(r"^(Cab-[A-Za-z0-9-]+): (.+)$")
_PARAGRAPHS = re.compile(r"\n\s*\n")


class DecisionTrailers(NamedTuple):
    decision: str
    change: str
    tier: str
    risk_score: str
    evidence_sha256: str
    model: str  # "v1.0 sha256:<hex>"
    record: str
    record_sha256: str
    previous: str  # record sha256 or "none"
    approved_by: tuple[str, ...] = ()  # "login (id)"
    exceptions: tuple[str, ...] = ()
    correlation_id: str | None = None

    def lines(self) -> list[str]:
        return _lines(self)


class ExceptionTrailers(NamedTuple):
    """Trailers of the merge that approves (or rejects) an accepted-risk exception."""

    decision: str
    exception: str
    exception_sha256: str
    expires_at: str
    record: str
    record_sha256: str
    previous: str
    approved_by: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return _lines(self)


class PolicyTrailers(NamedTuple):
    """Trailers of the merge that decides a policy change: every path it brings, with its blob."""

    decision: str
    policy: str
    paths_sha256: str
    record: str
    record_sha256: str
    previous: str
    paths: tuple[str, ...] = ()  # "<path> <blob id>" or "<path> deleted"
    approved_by: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return _lines(self)


class RetroTrailers(NamedTuple):
    """Trailers of the merge that records the CAB's retro-approval of an emergency change."""

    decision: str  # "retro-approved"
    retro: str  # the emergency change's id
    record: str
    record_sha256: str
    previous: str
    approved_by: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return _lines(self)


AnyTrailers = DecisionTrailers | ExceptionTrailers | PolicyTrailers | RetroTrailers
T = TypeVar("T", DecisionTrailers, ExceptionTrailers, PolicyTrailers, RetroTrailers)

_ONE, _MANY, _OPTIONAL = "one", "many", "optional"
_CHAIN = (  # every kind ends with its record and the hash chain
    ("record", "Cab-Record", _ONE),
    ("record_sha256", "Cab-Record-Sha256", _ONE),
    ("previous", "Cab-Previous", _ONE),
)
_APPROVED = ("approved_by", "Cab-Approved-By", _MANY)
# Each kind's trailers in the order a merge message carries them: (field, key, how many). A key
# that is `one` must appear exactly once for the message to count as that kind of decision.
_SPECS: dict[type, tuple[tuple[str, str, str], ...]] = {
    DecisionTrailers: (
        ("decision", "Cab-Decision", _ONE),
        ("change", "Cab-Change", _ONE),
        ("tier", "Cab-Tier", _ONE),
        ("risk_score", "Cab-Risk-Score", _ONE),
        ("evidence_sha256", "Cab-Evidence-Sha256", _ONE),
        ("model", "Cab-Model", _ONE),
        _APPROVED,
        ("exceptions", "Cab-Exception", _MANY),
        ("correlation_id", "Cab-Correlation-Id", _OPTIONAL),
        *_CHAIN,
    ),
    ExceptionTrailers: (
        ("decision", "Cab-Decision", _ONE),
        ("exception", "Cab-Exception-Decision", _ONE),
        ("exception_sha256", "Cab-Exception-Sha256", _ONE),
        ("expires_at", "Cab-Expires-At", _ONE),
        _APPROVED,
        *_CHAIN,
    ),
    PolicyTrailers: (
        ("decision", "Cab-Decision", _ONE),
        ("policy", "Cab-Policy-Decision", _ONE),
        ("paths_sha256", "Cab-Policy-Paths-Sha256", _ONE),
        ("paths", "Cab-Policy-Path", _MANY),
        _APPROVED,
        *_CHAIN,
    ),
    RetroTrailers: (
        ("decision", "Cab-Decision", _ONE),
        ("retro", "Cab-Retro-Approval", _ONE),
        _APPROVED,
        *_CHAIN,
    ),
}


def _lines(trailers: AnyTrailers) -> list[str]:
    out = []
    for field, key, count in _SPECS[type(trailers)]:
        value = getattr(trailers, field)
        if count == _MANY:
            out += [f"{key}: {item}" for item in value]
        elif value or count == _ONE:
            out.append(f"{key}: {value}")
    return out


def _read(kind: type[T], message: str) -> T | None:
    """The trailers of `kind` in a merge message, or None unless each key it needs once is there
    exactly once: the one completeness rule of every kind of decision merge."""
    found = parse(message)
    values: dict[str, Any] = {}  # each field as its spec reads it
    for field, key, count in _SPECS[kind]:
        got = found.get(key, [])
        if count == _ONE and len(got) != 1:
            return None
        values[field] = tuple(got) if count == _MANY else got[0] if got else None
    return kind(**values)


def merge_message(subject: str, rationale: str, trailers: AnyTrailers) -> str:
    body = rationale.strip().replace("\nCab-", "\n Cab-")  # a rationale can never forge a trailer
    return f"{subject}\n\n{body}\n\n" + "\n".join(trailers.lines()) + "\n"


BASE = "Cab-Base"  # the branch tip the bot found accounted for before it merged (`history.tip_unaccounted`)


def with_base(message: str, base: str) -> str:
    """A merge message that also names the base the bot checked. A forge that cannot merge
    conditionally on it (GitHub) may merge onto a newer tip; the next check then sees the merge's
    first parent differ from what it names, and walks on below it."""
    return f"{message.rstrip()}\n{BASE}: {base}\n"


def checked_base(message: str) -> str | None:
    """The `Cab-Base` a merge names, if exactly one (merges made before it was written name none)."""
    found = parse(message).get(BASE, [])
    return found[0] if len(found) == 1 else None


def parse(message: str) -> dict[str, list[str]]:
    """All `Cab-*` trailers of the message's last paragraph, in order, by key."""
    return {key: list(values) for key, values in _parsed(message)}


@functools.lru_cache(maxsize=16)
def _parsed(message: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`parse`, kept for the last few messages: the audit asks about each merge's message from
    several checks (history, trailers, the record), and the answer is returned as a fresh dict."""
    paragraphs = [p for p in _PARAGRAPHS.split(message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return ()
    found: dict[str, list[str]] = {}
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line.strip())
        if match:
            found.setdefault(match.group(1), []).append(match.group(2).strip())
    return tuple((key, tuple(values)) for key, values in found.items())


_GIT_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")


def git_trailers(message: str, key: str) -> list[str]:
    """The values of trailer `key` (case-insensitive) as `git interpret-trailers --parse` finds them.

    git's rules: trailers are the last paragraph, never the subject paragraph; a line starting with
    blanks continues the trailer before it; the paragraph is a trailer block when every line is a
    trailer, or when at least a quarter are and one is git-generated (`Signed-off-by: `).
    """
    lines = [line for line in message.replace("\r\n", "\n").split("\n") if not line.startswith("#")]
    while lines and not lines[-1].strip():
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0:  # one paragraph: the subject, which git never reads as trailers
        return []
    block = lines[start:]
    entries: list[tuple[str, str]] = []
    others = generated = 0
    for line in block:
        if line[:1] in (" ", "\t") and entries:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line.strip()}")
            continue
        match = _GIT_TRAILER.match(line)
        if match:
            entries.append((match.group(1), match.group(2).strip()))
            generated += line.startswith(_GIT_GENERATED)
        else:
            others += 1
    if not entries or (others and not (generated and len(entries) * 3 >= others)):
        return []
    return [value for name, value in entries if name.lower() == key.lower()]


def from_message(message: str) -> DecisionTrailers | None:
    """The decision trailers of a merge message, or None if it carries no complete decision."""
    return _read(DecisionTrailers, message)


def exception_from_message(message: str) -> ExceptionTrailers | None:
    """The exception-decision trailers of a merge message, or None if they are incomplete or doubled."""
    return _read(ExceptionTrailers, message)


def policy_from_message(message: str) -> PolicyTrailers | None:
    """The policy-decision trailers of a merge message, or None if they are incomplete or doubled."""
    return _read(PolicyTrailers, message)


def retro_from_message(message: str) -> RetroTrailers | None:
    """The retro-approval trailers of a merge message, or None if they are incomplete or doubled."""
    return _read(RetroTrailers, message)


def of_retro_approval(record: RetroApproval, record_sha256: str, path: str) -> RetroTrailers:
    """The trailers a retro-approval's merge carries."""
    return RetroTrailers(
        decision="retro-approved",
        retro=record.change_id,
        record=path,
        record_sha256=record_sha256,
        previous=record.previous or "none",
        approved_by=tuple(f"{a.login} ({a.user_id})" for a in record.approvals),
    )


_KEYS = {
    "decision": "Cab-Decision",
    "change": "Cab-Change",
    "tier": "Cab-Tier",
    "risk_score": "Cab-Risk-Score",
    "evidence_sha256": "Cab-Evidence-Sha256",
    "model": "Cab-Model",
    "record": "Cab-Record",
    "record_sha256": "Cab-Record-Sha256",
    "previous": "Cab-Previous",
    "approved_by": "Cab-Approved-By",
    "exceptions": "Cab-Exception",
    "correlation_id": "Cab-Correlation-Id",
    "exception": "Cab-Exception-Decision",
    "exception_sha256": "Cab-Exception-Sha256",
    "expires_at": "Cab-Expires-At",
    "policy": "Cab-Policy-Decision",
    "paths_sha256": "Cab-Policy-Paths-Sha256",
    "paths": "Cab-Policy-Path",
    "retro": "Cab-Retro-Approval",
}


def _approvers(record: Decision | ExceptionDecision | PolicyDecision) -> tuple[str, ...]:
    return tuple(f"{a.login} ({a.user_id})" for a in record.approvals)


def of_decision(record: Decision, record_sha256: str, path: str) -> DecisionTrailers:
    """The trailers a change decision's merge carries: what the bot writes and the audit expects."""
    return DecisionTrailers(
        decision=record.outcome,
        change=record.change_id,
        tier=record.risk.tier,
        risk_score=record.risk.score,
        evidence_sha256=record.evidence.sha256,
        model=f"v{record.risk.model_version} sha256:{record.risk.model_sha256}",
        record=path,
        record_sha256=record_sha256,
        previous=record.previous or "none",
        approved_by=_approvers(record),
        exceptions=tuple(e.id for e in record.exceptions),
        correlation_id=record.correlation_id,
    )


def of_exception_decision(record: ExceptionDecision, record_sha256: str, path: str) -> ExceptionTrailers:
    """The trailers an exception decision's merge carries."""
    return ExceptionTrailers(
        decision=record.outcome,
        exception=record.exception_id,
        exception_sha256=record.exception.sha256,
        expires_at=record.expires_at.isoformat(),
        record=path,
        record_sha256=record_sha256,
        previous=record.previous or "none",
        approved_by=_approvers(record),
    )


def of_policy_decision(record: PolicyDecision, record_sha256: str, path: str) -> PolicyTrailers:
    """The trailers a policy decision's merge carries."""
    return PolicyTrailers(
        decision=record.outcome,
        policy=record.id,
        paths_sha256=record.paths_sha256,
        record=path,
        record_sha256=record_sha256,
        previous=record.previous or "none",
        paths=tuple(f"{p.path} {p.blob or 'deleted'}" for p in record.paths),
        approved_by=_approvers(record),
    )


def differences(said: AnyTrailers, expected: AnyTrailers) -> list[tuple[str, object, object]]:
    """(trailer key, what the message says, what the record implies) for each trailer that differs."""
    out = []
    for name in said._fields:
        have, want = getattr(said, name), getattr(expected, name)
        if have != want:
            as_list = isinstance(have, tuple)
            out.append((_KEYS[name], list(have) if as_list else have, list(want) if as_list else want))
    return out
