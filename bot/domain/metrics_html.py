"""`cab metrics --format html`: the metrics table and a chart of decisions per month by tier.

Self-contained (inline SVG and CSS, no script, nothing fetched), so it opens from a CI artifact.
"""

from __future__ import annotations

from html import escape

from bot.domain.metrics import TIERS, Metrics, summary_rows

COLOURS = {"low": "#2e7d32", "medium": "#f9a825", "high": "#c62828"}
_BAR, _GAP, _HEIGHT, _LEFT, _BOTTOM = 28, 12, 180, 36, 40


def _chart(m: Metrics) -> str:
    months = sorted(m.per_month)
    if not months:
        return "<p>No decisions in this period.</p>"
    peak = max(sum(m.per_month[month].values()) for month in months) or 1
    step = max(1, -(-peak // 5))  # about five ticks, whole decisions
    top = step * -(-peak // step)
    width = _LEFT + len(months) * (_BAR + _GAP) + _GAP
    parts = [
        f'<svg role="img" aria-label="decisions per month by tier" width="{width}" '
        f'height="{_HEIGHT + _BOTTOM}" viewBox="0 0 {width} {_HEIGHT + _BOTTOM}">'
    ]
    for tick in range(0, top + 1, step):
        y = _HEIGHT - tick * _HEIGHT / top + 10
        parts.append(f'<line x1="{_LEFT - 4}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>')
    for index, month in enumerate(months):
        x = _LEFT + _GAP + index * (_BAR + _GAP)
        base = _HEIGHT + 10.0
        for tier in TIERS:
            count = m.per_month[month].get(tier, 0)
            if not count:
                continue
            height = count * _HEIGHT / top
            base -= height
            parts.append(
                f'<rect x="{x}" y="{base:.1f}" width="{_BAR}" height="{height:.1f}" fill="{COLOURS[tier]}">'
                f"<title>{escape(month)} {tier}: {count}</title></rect>"
            )
        label = f'x="{x + _BAR / 2}" y="{_HEIGHT + 26}" text-anchor="middle" font-size="11"'
        parts.append(f"<text {label}>{escape(month)}</text>")
    parts.append("</svg>")
    legend = " ".join(
        f'<span><span class="swatch" style="background:{COLOURS[t]}"></span>{t}</span>' for t in TIERS
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def render(m: Metrics, generated_by: str) -> str:
    rows = "".join(f"<tr><th scope=row>{escape(a)}</th><td>{escape(b)}</td></tr>" for a, b in summary_rows(m))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CAB metrics</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: .3rem .8rem; border-bottom: 1px solid #eee; }}
.swatch {{ display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 1rem; }}
footer {{ color: #777; font-size: .8rem; margin-top: 2rem; }}
</style></head><body>
<h1>CAB metrics</h1>
<table>{rows}</table>
<h2>Decisions per month, by tier</h2>
{_chart(m)}
<footer>Generated {escape(str(m.as_dict()["now"]))} by {escape(generated_by)}.</footer>
</body></html>
"""
