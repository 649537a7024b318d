"""Build and serialize decision records. Pure: every input, including time, is passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import yaml

from bot.domain import documents
from bot.domain.documents import Loaded
from bot.domain.identity import BotIdentity
from bot.domain.layout import RECORD_KINDS, classify, decision_path, exception_decision_path
from bot.domain.models import (
    Decision,
    EvidencePack,
    ExceptionDecision,
    ExceptionRecord,
    PolicyDecision,
    RetroApproval,
)
from bot.domain.models.decision import (
    Approval,
    ChangeAuthor,
    EmergencyRef,
    EvidenceRef,
    ExceptionRef,
    Outcome,
    PullRequestRef,
    RiskAssessment,
    StandardChangeRef,
    TeamMembership,
)
from bot.domain.models.policy_decision import PolicyPath
from bot.domain.pull_request import Commit
from bot.domain.rules import policy_changes

HEADER = "# Written by CAB Bot. Do not edit: the audit verifies this record against git history.\n"


RecordKind = Literal["Decision", "ExceptionDecision", "PolicyDecision", "RetroApproval"]
AnyRecord = Decision | ExceptionDecision | PolicyDecision | RetroApproval


def is_own_record(path: str, record_id: str, kind: RecordKind | None = None) -> bool:
    """Whether a path is this decision's record (any tier: a pending record may move tiers)."""
    governed = classify(path)
    return (
        governed is not None
        and governed.kind in ((kind,) if kind else RECORD_KINDS)
        and governed.id == record_id
    )


def written_by_bot(commit: Commit | None, identity: BotIdentity, bot_login: str | None) -> bool:
    """Whether the commit that wrote a record is the bot's own: authored by the bot's identity and,
    where the forge links commits to accounts, by the bot's account. Only then are its bytes reused;
    anyone can put a record of their own on a PR branch."""
    if commit is None or commit.author_email.lower() != identity.email.lower():
        return False
    if bot_login is None:
        return True
    return commit.author is not None and commit.author.login.lower() == bot_login.lower()


def differs_only_by_own_record(paths: Iterable[str], record_id: str, kind: RecordKind) -> bool:
    """An approval given on a commit still counts when the head differs from it only by this
    decision's record: the bot writing its record invalidates nothing."""
    return all(is_own_record(path, record_id, kind) for path in paths)


def month_of(pack: EvidencePack) -> str:
    return pack.submitted_at.astimezone(dt.UTC).strftime("%Y-%m")


def record_path(pack: EvidencePack, tier: str) -> str:
    return decision_path(pack.change_id, tier, month_of(pack))


def build(
    *,
    evidence: Loaded[EvidencePack],
    evidence_path: str,
    risk: RiskAssessment,
    outcome: Outcome,
    rationale: str,
    approvals: Sequence[Approval] = (),
    exceptions: Sequence[Loaded[ExceptionRecord]] = (),
    conditions: Sequence[str] = (),
    decided_at: dt.datetime | None = None,
    decided_by: str | None = None,
    pull_request: PullRequestRef | None = None,
    previous: str | None = None,
    membership: Sequence[TeamMembership] = (),
    authors: Sequence[tuple[int, str]] = (),
    standard_change: StandardChangeRef | None = None,
    emergency: EmergencyRef | None = None,
) -> Decision:
    pack = evidence.model
    return Decision.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "Decision",
            "change_id": pack.change_id,
            "outcome": outcome,
            "evidence": EvidenceRef(path=evidence_path, sha256=evidence.sha256),
            "risk": risk,
            "exceptions": [
                ExceptionRef(id=e.model.id, sha256=e.sha256, expires_at=e.model.expires_at)
                for e in exceptions
            ],
            "approvals": list(approvals),
            "conditions": list(conditions),
            "rationale": rationale[:4000],
            "decided_at": decided_at,
            "decided_by": decided_by,
            "correlation_id": pack.correlation_id,
            "pull_request": pull_request,
            "previous": previous,
            "membership": list(membership),
            "authors": _authors(authors),
            "standard_change": standard_change,
            "emergency": emergency,
        },
        strict=False,  # nested models are passed as instances; the result is re-validated on read
    )


def exception_record_path(record: ExceptionRecord) -> str:
    return exception_decision_path(record.id, record.requested_at.astimezone(dt.UTC).strftime("%Y-%m"))


def build_exception(
    *,
    exception: Loaded[ExceptionRecord],
    exception_path: str,
    outcome: Literal["pending", "approved", "rejected"],
    rationale: str,
    approvals: Sequence[Approval] = (),
    decided_at: dt.datetime | None = None,
    decided_by: str | None = None,
    pull_request: PullRequestRef | None = None,
    previous: str | None = None,
    membership: Sequence[TeamMembership] = (),
    authors: Sequence[tuple[int, str]] = (),
) -> ExceptionDecision:
    return ExceptionDecision.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "ExceptionDecision",
            "exception_id": exception.model.id,
            "outcome": outcome,
            "exception": {"path": exception_path, "sha256": exception.sha256},
            "approvals": list(approvals),
            "expires_at": exception.model.expires_at,
            "rationale": rationale[:4000],
            "decided_at": decided_at,
            "decided_by": decided_by,
            "pull_request": pull_request,
            "previous": previous,
            "membership": list(membership),
            "authors": _authors(authors),
        },
        strict=False,
    )


def build_policy(
    *,
    decision_id: str,
    paths: Sequence[PolicyPath],
    outcome: Literal["pending", "approved", "rejected"],
    rationale: str,
    approvals: Sequence[Approval] = (),
    decided_at: dt.datetime | None = None,
    decided_by: str | None = None,
    pull_request: PullRequestRef | None = None,
    previous: str | None = None,
    membership: Sequence[TeamMembership] = (),
    authors: Sequence[tuple[int, str]] = (),
) -> PolicyDecision:
    return PolicyDecision.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "PolicyDecision",
            "id": decision_id,
            "outcome": outcome,
            "paths": list(paths),
            "paths_sha256": policy_changes.paths_sha256(paths),
            "approvals": list(approvals),
            "rationale": rationale[:4000],
            "decided_at": decided_at,
            "decided_by": decided_by,
            "pull_request": pull_request,
            "previous": previous,
            "membership": list(membership),
            "authors": _authors(authors),
        },
        strict=False,
    )


def _authors(authors: Sequence[tuple[int, str]]) -> list[ChangeAuthor]:
    """The accounts that wrote the change, as `rules.approval` judged them (id, why), for a record."""
    return [ChangeAuthor(user_id=user_id, why=why[:4000]) for user_id, why in authors]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Never anchors: one time object used twice (a member's `since` and its snapshot's
    `observed_at`) would otherwise come out as `&id001`, which the strict loader refuses."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(record: AnyRecord) -> bytes:
    """YAML text of a record; reading it back with the strict loader yields the same model."""
    data = _plain(record.model_dump(mode="python", by_alias=True))
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return (HEADER + body).encode("utf-8")


def parse(raw: bytes, source: str) -> Loaded[Decision]:
    loaded: Loaded[Decision] = documents.parse(raw, source, Decision)
    return loaded


def parse_exception_decision(raw: bytes, source: str) -> Loaded[ExceptionDecision]:
    loaded: Loaded[ExceptionDecision] = documents.parse(raw, source, ExceptionDecision)
    return loaded


def parse_policy_decision(raw: bytes, source: str) -> Loaded[PolicyDecision]:
    loaded: Loaded[PolicyDecision] = documents.parse(raw, source, PolicyDecision)
    return loaded


def record_sha256(raw: bytes, source: str = "<decision>") -> str:
    """The record's hash in the chain: the canonical content hash of what is committed."""
    return documents.parse(raw, source).sha256
