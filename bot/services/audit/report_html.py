"""One self-contained HTML file for an auditor: verdict, findings, every decision, four charts.

No scripts, fonts, stylesheets or images are fetched: the file opens offline and from an
artifact viewer. Links to commits and pull requests appear only when the repository's web
address is given (`cab audit --github OWNER/NAME`). Every string from the repository is
HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from html import escape

from bot import __version__
from bot.domain.findings import RULES
from bot.services.audit.merge_check import DecisionRow
from bot.services.audit.service import AuditReport
from bot.services.audit.stats import LEAD_TIME_BUCKETS, SCORE_BINS

TIER_COLOURS = {"low": "#4caf50", "medium": "#ff9800", "high": "#e53935"}
# Outcomes, approving ones in greens, a refusal in red: never one colour for both.
OUTCOME_COLOURS = {  # one of its own for every outcome (tests/test_audit_reports.py)
    "auto_approved": "#81c784",
    "standard": "#1565c0",
    "approved": "#2e7d32",
    "conditional": "#00897b",
    "emergency": "#f9a825",
    "rejected": "#c62828",
    "pending": "#9e9e9e",
}
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:1em}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32}.bad{color:#c62828}figure{display:inline-block;margin:1em 2em 1em 0}
.outcome{padding:1px 6px;border-radius:3px;color:#fff;white-space:nowrap}
code{font-family:ui-monospace,monospace}.meta{color:#555}td.when{white-space:nowrap}
"""


def _ticks(top: int) -> list[int]:
    """0 … a round maximum at or above `top`, in steps of 1, 2 or 5 x 10^k (at most 6 ticks)."""
    top = max(top, 1)
    magnitude = 10 ** max(int(math.log10(top)) - 1, 0)
    step = next(m * k for m in (magnitude, magnitude * 10) for k in (1, 2, 5) if top / (m * k) <= 5)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def bar_chart(title: str, labels: list[str], series: dict[str, list[int]], colours: dict[str, str]) -> str:
    """A stacked bar chart as an inline <svg>: one stack per label, a y-axis with ticks, a legend."""
    width, height, left, bottom = 600, 240, 44, 46
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0))
    top = ticks[-1]
    step = (width - left - 10) / max(len(labels), 1)
    bar = max(step * 0.7, 1)
    plot = height - bottom - 20
    base = height - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
    ]
    for tick in ticks:
        at = base - tick / top * plot
        parts.append(
            f'<line x1="{left}" y1="{at:.1f}" x2="{width - 5}" y2="{at:.1f}" stroke="#eee"/>'
            f'<line x1="{left - 4}" y1="{at:.1f}" x2="{left}" y2="{at:.1f}" stroke="#999"/>'
            f'<text x="{left - 6}" y="{at + 3:.1f}" text-anchor="end" font-size="10">{tick}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left}" y2="{base - plot}" stroke="#999"/>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#999"/>')
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y: float = base
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
            f'<text x="{x + bar / 2:.1f}" y="{base + 14}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    legend_x = left
    for name in series:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" '
            f'fill="{colours.get(name, "#607d8b")}"/>'
            f'<text x="{legend_x + 14}" y="{height - 5}" font-size="10">{escape(name)}</text>'
        )
        legend_x += 14 + 7 * len(name) + 16
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _by_outcome(rows: list[DecisionRow], labels: list[str], bucket: dict[int, str]) -> dict[str, list[int]]:
    """Counts per label, one series per outcome that occurs (in OUTCOME_COLOURS order)."""
    found = {outcome: [0] * len(labels) for outcome in OUTCOME_COLOURS}
    for index, row in enumerate(rows):
        if index in bucket:
            found.setdefault(row.outcome, [0] * len(labels))[labels.index(bucket[index])] += 1
    return {outcome: counts for outcome, counts in found.items() if any(counts)}


def _score_chart(rows: list[DecisionRow]) -> str:
    labels = [f"{i * 10}-{i * 10 + 10}" for i in range(SCORE_BINS)]
    bins = {
        i: labels[min(int(Decimal(r.score) // 10), SCORE_BINS - 1)]
        for i, r in enumerate(rows)
        if r.score is not None
    }
    return bar_chart(
        "Risk score distribution, by outcome", labels, _by_outcome(rows, labels, bins), OUTCOME_COLOURS
    )


def _lead_time_chart(rows: list[DecisionRow]) -> str:
    labels = [name for name, _limit in LEAD_TIME_BUCKETS]  # in time order, never sorted by name
    buckets = {
        i: next(name for name, limit in LEAD_TIME_BUCKETS if r.lead_hours < limit)
        for i, r in enumerate(rows)
        if r.lead_hours is not None
    }
    title = "Time from evidence submission to decision, by outcome"
    return bar_chart(title, labels, _by_outcome(rows, labels, buckets), OUTCOME_COLOURS)


def _link(text: str, url: str | None) -> str:
    return f'<a href="{escape(url)}">{text}</a>' if url else text


def decisions_table(rows: list[DecisionRow], web: str | None) -> str:
    """Every decision, oldest first: what was decided, by whom, relying on which exceptions."""
    if not rows:
        return "<p>No decisions in this stretch of history.</p>"
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "decided at",
            "id",
            "kind",
            "outcome",
            "tier",
            "score",
            "approvers",
            "exceptions",
            "commit",
            "PR",
        )
    )
    body = []
    for row in sorted(rows, key=lambda r: (r.decided_at or "", r.id)):
        colour = OUTCOME_COLOURS.get(row.outcome, "#607d8b")
        commit = _link(f"<code>{escape(row.commit[:12])}</code>", web and f"{web}/commit/{row.commit}")
        pr = (
            _link(f"#{row.pull_request}", web and f"{web}/pull/{row.pull_request}")
            if row.pull_request
            else "-"
        )
        body.append(
            f"<tr><td class=when>{escape(row.decided_at or '-')}</td><td><code>{escape(row.id)}</code></td>"
            f"<td>{escape(row.kind)}</td>"
            f'<td><span class="outcome" style="background:{colour}">{escape(row.outcome)}</span></td>'
            f"<td>{escape(row.tier)}</td><td class=num>{escape(row.score or '-')}</td>"
            f"<td>{escape(', '.join(row.approvers) or '-')}</td>"
            f"<td>{escape(', '.join(row.exceptions) or '-')}</td><td>{commit}</td><td>{pr}</td></tr>"
        )
    return f'<table id="decisions"><tr>{head}</tr>{"".join(body)}</table>'


def render(report: AuditReport, *, generated_at: dt.datetime | None = None, web: str | None = None) -> str:
    """The page; `generated_at` is printed as given (the caller's clock), `web` enables links."""
    stats = report.stats
    months = sorted(stats.per_month)
    per_tier = {tier: [stats.per_month[m].get(tier, 0) for m in months] for tier in TIER_COLOURS}
    active = stats.exceptions_active()
    charts = [
        bar_chart("Change decisions per tier and month", months, per_tier, TIER_COLOURS),
        _score_chart(stats.rows),
        _lead_time_chart(stats.rows),
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
        "<h2>Findings</h2><table><tr><th>rule</th><th>commit</th><th>file</th><th>finding</th>"
        f"<th>rule means</th></tr>{rows}</table>"
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
    when = generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if generated_at else "-"
    counts = (
        f"{report.commits} first-parent commits; {stats.decisions} change decisions and "
        f"{stats.exception_decisions} exception decisions "
        f"({stats.decisions + stats.exception_decisions} in all)."
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>CAB audit {escape(report.head[:12])}</title><style>{_STYLE}</style></head><body>"
        f"<h1>CAB audit of <code>{escape(report.head)}</code></h1>{verdict}<p>{counts}</p>"
        f'<p class="meta">Generated {escape(when)} by cab {escape(__version__)}.</p>'
        f"{table}<h2>Decisions</h2>{decisions_table(stats.rows, web)}<h2>Charts</h2>{''.join(charts)}"
        "</body></html>\n"
    )
