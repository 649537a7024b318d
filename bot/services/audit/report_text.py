"""The terminal report: a verdict line, one line per finding (rule, commit, file, message), then
one line per note (information from `--online` that is not a finding)."""

from __future__ import annotations

import re

from bot.services.audit.service import AuditReport

_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """Escape control, bidi and invisible characters so a path cannot rewrite the terminal."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render(report: AuditReport) -> str:
    lines = [
        f"cab audit of {report.head[:12]}: {report.commits} first-parent commits "
        f"({report.checked} checked now), {report.stats.decisions} decisions, "
        f"{len(report.findings)} findings" + (f", {len(report.notes)} notes" if report.online else ""),
    ]
    for finding in report.findings:
        where = finding.path or "-"
        lines.append(
            f"{finding.rule}  {finding.commit[:12]}  {printable(where)}: {printable(finding.message)}"
        )
    for note in report.notes:
        where = note.path or "-"
        lines.append(f"note {note.kind}  {note.commit[:12]}  {printable(where)}: {printable(note.message)}")
    lines.append("OK: every decision verified" if report.ok else "FAILED: see the findings above")
    return "\n".join(lines) + "\n"
