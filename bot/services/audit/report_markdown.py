"""The Markdown report, for a PR comment or a job summary."""

from __future__ import annotations

from bot.domain.findings import RULES
from bot.services.audit.service import AuditReport


def _cell(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("\n", " ")
        .replace("`", "'")
    )


def render(report: AuditReport) -> str:
    verdict = "✅ every decision verified" if report.ok else f"❌ {len(report.findings)} findings"
    out = [
        f"## CAB audit of `{report.head[:12]}`: {verdict}",
        "",
        f"{report.commits} first-parent commits, {report.stats.decisions} decisions"
        + (", reviews and teams cross-checked with GitHub." if report.online else "."),
        "",
    ]
    if report.findings:
        out += ["| rule | commit | file | finding |", "|---|---|---|---|"]
        for f in report.findings:
            path = f"`{_cell(f.path)}`" if f.path else ""
            out.append(f"| `{f.rule}` | `{f.commit[:12]}` | {path} | {_cell(f.message)} |")
        out += ["", "<details><summary>Rules</summary>", ""]
        out += [f"- `{rule}`: {RULES[rule]}" for rule in sorted({f.rule for f in report.findings})]
        out += ["", "</details>"]
    if report.notes:
        out += ["", "**Notes** (not findings):", ""]
        for n in report.notes:
            out.append(f"- `{n.kind}` `{n.commit[:12]}` `{_cell(n.path or '-')}`: {_cell(n.message)}")
    out += ["", "| tier | decisions |", "|---|---|"]
    totals: dict[str, int] = {}
    for tiers in report.stats.per_month.values():
        for tier, count in tiers.items():
            totals[tier] = totals.get(tier, 0) + count
    out += [f"| {tier} | {totals.get(tier, 0)} |" for tier in ("low", "medium", "high")]
    return "\n".join(out) + "\n"
