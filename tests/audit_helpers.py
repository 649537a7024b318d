"""Shared helpers for the audit tests: run the audit on a built repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.environment import bot_identity
from bot.domain.findings import Finding
from bot.services.audit.service import AuditOptions, AuditReport, run


def audit_repo(
    root: Path, *, anchor: str | None = None, since: str | None = None, cache: bool = False
) -> AuditReport:
    return run(AuditOptions(root=root, bot=bot_identity({}), anchor=anchor, since=since, use_cache=cache))


def rules_of(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def verify_line(
    root: Path, change_id: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """`cab verify` on a repository: its exit code and its one line of output."""
    from bot.cli import main

    code = main(["verify", change_id, "--repo", str(root), *extra])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert len(lines) == 1, lines
    return code, lines[0]
