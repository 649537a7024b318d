"""The JSON report: a stable, documented schema (docs/audit-report.md) for tools."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from bot import __version__
from bot.domain.findings import RULES
from bot.services.audit.service import AuditReport

SCHEMA = "cab-audit/v1"


def as_data(report: AuditReport) -> dict[str, Any]:
    by_rule = Counter(f.rule for f in report.findings)
    return {
        "schema": SCHEMA,
        "tool": {"name": "cab", "version": __version__},
        "repository": {"head": report.head, "since": report.since, "anchor": report.anchor},
        "summary": {
            "ok": report.ok,
            "commits": report.commits,
            "commits_checked": report.checked,
            "decisions": report.stats.decisions,
            "findings": len(report.findings),
            "findings_by_rule": dict(sorted(by_rule.items())),
            "online": report.online,
            "notes": len(report.notes),
        },
        "findings": [f.as_dict() for f in report.findings],
        "notes": [n.as_dict() for n in report.notes],
        "stats": report.stats.as_dict(),
        "rules": {rule: RULES[rule] for rule in sorted(by_rule)},
    }


def render(report: AuditReport) -> str:
    return json.dumps(as_data(report), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
