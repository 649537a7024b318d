"""Shared helpers for the audit tests: run the audit on a built repository."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.environment import bot_identity
from bot.domain.findings import Finding
from bot.services.audit.service import AuditOptions, AuditReport, run


def audit_repo(
    root: Path, *, anchor: str | None = None, since: str | None = None, cache: bool = False
) -> AuditReport:
    return run(AuditOptions(root=root, bot=bot_identity({}), anchor=anchor, since=since, use_cache=cache))


def rules_of(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}
