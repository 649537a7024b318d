"""The decision as git trailers on the merge commit: written by the bot, read back by the audit.

Format and meaning are specified in docs/decision-records.md. Parsing follows git's rule that
trailers are the `Key: value` lines of the message's last paragraph.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

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
        out = [
            f"Cab-Decision: {self.decision}",
            f"Cab-Change: {self.change}",
            f"Cab-Tier: {self.tier}",
            f"Cab-Risk-Score: {self.risk_score}",
            f"Cab-Evidence-Sha256: {self.evidence_sha256}",
            f"Cab-Model: {self.model}",
        ]
        out += [f"Cab-Approved-By: {who}" for who in self.approved_by]
        out += [f"Cab-Exception: {exc}" for exc in self.exceptions]
        if self.correlation_id:
            out.append(f"Cab-Correlation-Id: {self.correlation_id}")
        out += [
            f"Cab-Record: {self.record}",
            f"Cab-Record-Sha256: {self.record_sha256}",
            f"Cab-Previous: {self.previous}",
        ]
        return out


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
        out = [
            f"Cab-Decision: {self.decision}",
            f"Cab-Exception-Decision: {self.exception}",
            f"Cab-Exception-Sha256: {self.exception_sha256}",
            f"Cab-Expires-At: {self.expires_at}",
        ]
        out += [f"Cab-Approved-By: {who}" for who in self.approved_by]
        out += [
            f"Cab-Record: {self.record}",
            f"Cab-Record-Sha256: {self.record_sha256}",
            f"Cab-Previous: {self.previous}",
        ]
        return out


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
        out = [
            f"Cab-Decision: {self.decision}",
            f"Cab-Policy-Decision: {self.policy}",
            f"Cab-Policy-Paths-Sha256: {self.paths_sha256}",
        ]
        out += [f"Cab-Policy-Path: {item}" for item in self.paths]
        out += [f"Cab-Approved-By: {who}" for who in self.approved_by]
        out += [
            f"Cab-Record: {self.record}",
            f"Cab-Record-Sha256: {self.record_sha256}",
            f"Cab-Previous: {self.previous}",
        ]
        return out


class RetroTrailers(NamedTuple):
    """Trailers of the merge that records the CAB's retro-approval of an emergency change."""

    decision: str  # "retro-approved"
    retro: str  # the emergency change's id
    record: str
    record_sha256: str
    previous: str
    approved_by: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        out = [f"Cab-Decision: {self.decision}", f"Cab-Retro-Approval: {self.retro}"]
        out += [f"Cab-Approved-By: {who}" for who in self.approved_by]
        out += [
            f"Cab-Record: {self.record}",
            f"Cab-Record-Sha256: {self.record_sha256}",
            f"Cab-Previous: {self.previous}",
        ]
        return out


AnyTrailers = DecisionTrailers | ExceptionTrailers | PolicyTrailers | RetroTrailers


def merge_message(subject: str, rationale: str, trailers: AnyTrailers) -> str:
    body = rationale.strip().replace("\nCab-", "\n Cab-")  # a rationale can never forge a trailer
    return f"{subject}\n\n{body}\n\n" + "\n".join(trailers.lines()) + "\n"


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


def _complete(message: str, required: Sequence[str]) -> dict[str, list[str]] | None:
    """The message's trailers when each `required` key is there exactly once, else None: the one
    completeness rule of every kind of decision merge."""
    found = parse(message)
    return found if all(len(found.get(key, [])) == 1 for key in required) else None


def from_message(message: str) -> DecisionTrailers | None:
    """The decision trailers of a merge message, or None if it carries no complete decision."""
    required = (
        "Cab-Decision",
        "Cab-Change",
        "Cab-Tier",
        "Cab-Risk-Score",
        "Cab-Evidence-Sha256",
        "Cab-Model",
        "Cab-Record",
        "Cab-Record-Sha256",
        "Cab-Previous",
    )
    found = _complete(message, required)
    if found is None:
        return None

    def one(key: str) -> str:
        return found[key][0]

    def many(key: str) -> tuple[str, ...]:
        values: Sequence[str] = found.get(key, [])
        return tuple(values)

    correlation = found.get("Cab-Correlation-Id")
    return DecisionTrailers(
        decision=one("Cab-Decision"),
        change=one("Cab-Change"),
        tier=one("Cab-Tier"),
        risk_score=one("Cab-Risk-Score"),
        evidence_sha256=one("Cab-Evidence-Sha256"),
        model=one("Cab-Model"),
        record=one("Cab-Record"),
        record_sha256=one("Cab-Record-Sha256"),
        previous=one("Cab-Previous"),
        approved_by=many("Cab-Approved-By"),
        exceptions=many("Cab-Exception"),
        correlation_id=correlation[0] if correlation else None,
    )


_EXCEPTION_REQUIRED = (
    "Cab-Decision",
    "Cab-Exception-Decision",
    "Cab-Exception-Sha256",
    "Cab-Expires-At",
    "Cab-Record",
    "Cab-Record-Sha256",
    "Cab-Previous",
)


def exception_from_message(message: str) -> ExceptionTrailers | None:
    """The exception-decision trailers of a merge message, or None if they are incomplete or doubled."""
    found = _complete(message, _EXCEPTION_REQUIRED)
    if found is None:
        return None
    return ExceptionTrailers(
        decision=found["Cab-Decision"][0],
        exception=found["Cab-Exception-Decision"][0],
        exception_sha256=found["Cab-Exception-Sha256"][0],
        expires_at=found["Cab-Expires-At"][0],
        record=found["Cab-Record"][0],
        record_sha256=found["Cab-Record-Sha256"][0],
        previous=found["Cab-Previous"][0],
        approved_by=tuple(found.get("Cab-Approved-By", [])),
    )


_POLICY_REQUIRED = (
    "Cab-Decision",
    "Cab-Policy-Decision",
    "Cab-Policy-Paths-Sha256",
    "Cab-Record",
    "Cab-Record-Sha256",
    "Cab-Previous",
)


def policy_from_message(message: str) -> PolicyTrailers | None:
    """The policy-decision trailers of a merge message, or None if they are incomplete or doubled."""
    found = _complete(message, _POLICY_REQUIRED)
    if found is None:
        return None
    return PolicyTrailers(
        decision=found["Cab-Decision"][0],
        policy=found["Cab-Policy-Decision"][0],
        paths_sha256=found["Cab-Policy-Paths-Sha256"][0],
        record=found["Cab-Record"][0],
        record_sha256=found["Cab-Record-Sha256"][0],
        previous=found["Cab-Previous"][0],
        paths=tuple(found.get("Cab-Policy-Path", [])),
        approved_by=tuple(found.get("Cab-Approved-By", [])),
    )


_RETRO_REQUIRED = ("Cab-Decision", "Cab-Retro-Approval", "Cab-Record", "Cab-Record-Sha256", "Cab-Previous")


def retro_from_message(message: str) -> RetroTrailers | None:
    """The retro-approval trailers of a merge message, or None if they are incomplete or doubled."""
    found = _complete(message, _RETRO_REQUIRED)
    if found is None:
        return None
    return RetroTrailers(
        decision=found["Cab-Decision"][0],
        retro=found["Cab-Retro-Approval"][0],
        record=found["Cab-Record"][0],
        record_sha256=found["Cab-Record-Sha256"][0],
        previous=found["Cab-Previous"][0],
        approved_by=tuple(found.get("Cab-Approved-By", [])),
    )


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
