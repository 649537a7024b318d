"""One self-contained HTML file for humans: verdict, findings and four inline SVG charts.

No scripts, fonts, stylesheets or images are fetched: the file opens offline and from an
artifact viewer. Every string from the repository is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from bot.domain.findings import RULES
from bot.services.audit.service import AuditReport
from bot.services.audit.stats import SCORE_BINS

TIER_COLOURS = {"low": "#4caf50", "medium": "#ff9800", "high": "#e53935"}
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
.ok{color:#2e7d32}.bad{color:#c62828}figure{display:inline-block;margin:1em 2em 1em 0}
code{font-family:ui-monospace,monospace}
"""


def bar_chart(title: str, labels: list[str], series: dict[str, list[int]], colours: dict[str, str]) -> str:
    """A stacked bar chart as an inline <svg> (one stack per label)."""
    width, height, left, bottom = 560, 220, 40, 40
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    step = (width - left - 10) / max(len(labels), 1)
    bar = max(step * 0.7, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" stroke="#999"/>',
        f'<text x="{left - 5}" y="15" text-anchor="end" font-size="10">{top}</text>',
    ]
    plot = height - bottom - 20
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y: float = height - bottom
        for name, values in series.items():
            h = values[i] / top * plot
            if h > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{colours.get(name, "#607d8b")}"><title>{escape(label)} {escape(name)}: '
                    f"{values[i]}</title></rect>"
                )
            y -= h
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    legend_x = left
    for name in series:
        if len(series) > 1:
            parts.append(
                f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" '
                f'fill="{colours.get(name, "#607d8b")}"/>'
                f'<text x="{legend_x + 14}" y="{height - 5}" font-size="10">{escape(name)}</text>'
            )
            legend_x += 80
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def render(report: AuditReport) -> str:
    stats = report.stats
    months = sorted(stats.per_month)
    per_tier = {tier: [stats.per_month[m].get(tier, 0) for m in months] for tier in TIER_COLOURS}
    score_labels = [f"{i * 10}-{i * 10 + 10}" for i in range(SCORE_BINS)]
    active = stats.exceptions_active()
    charts = [
        bar_chart("Decisions per tier and month", months, per_tier, TIER_COLOURS),
        bar_chart("Risk score distribution", score_labels, {"decisions": stats.scores}, {}),
        bar_chart(
            "Time from evidence submission to decision",
            list(stats.lead_time),
            {"decisions": list(stats.lead_time.values())},
            {},
        ),
        bar_chart(
            "Exceptions active per month",
            list(active),
            {"exceptions": list(active.values())},
            {"exceptions": "#8e24aa"},
        ),
    ]
    verdict = (
        '<p class="ok">Every decision verified: no findings.</p>'
        if report.ok
        else f'<p class="bad">{len(report.findings)} findings.</p>'
    )
    rows = "".join(
        f"<tr><td><code>{escape(f.rule)}</code></td><td><code>{escape(f.commit[:12])}</code></td>"
        f"<td><code>{escape(f.path or '')}</code></td><td>{escape(f.message)}</td>"
        f"<td>{escape(RULES[f.rule])}</td></tr>"
        for f in report.findings
    )
    table = (
        "<table><tr><th>rule</th><th>commit</th><th>file</th><th>finding</th><th>rule means</th></tr>"
        f"{rows}</table>"
        if rows
        else ""
    )
    notes = "".join(
        f"<li><code>{escape(n.kind)}</code> <code>{escape(n.commit[:12])}</code> "
        f"<code>{escape(n.path or '')}</code>: {escape(n.message)}</li>"
        for n in report.notes
    )
    if notes:
        table += f"<h2>Notes (not findings)</h2><ul>{notes}</ul>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>CAB audit {escape(report.head[:12])}</title><style>{_STYLE}</style></head><body>"
        f"<h1>CAB audit of <code>{escape(report.head)}</code></h1>{verdict}"
        f"<p>{report.commits} first-parent commits, {stats.decisions} decisions.</p>"
        f"{table}<h2>Decisions</h2>{''.join(charts)}</body></html>\n"
    )
