"""Human and machine renderings of scoring results: terminal text, JSON and Markdown.

The Markdown table is the same one the bot posts on pull requests, so what `cab score` prints
locally is exactly what reviewers see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.domain.models.decision import RiskAssessment

TIER_MEANING = {
    "low": "auto-approved",
    "medium": "needs CAB approval",
    "high": "needs security approval and an active exception",
}


@dataclass(frozen=True)
class ScoredPack:
    source: str
    change_id: str
    title: str
    evidence_sha256: str
    risk: RiskAssessment
    missing: tuple[str, ...]


def _escape_md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def markdown(item: ScoredPack) -> str:
    risk = item.risk
    lines = [
        f"### `{item.change_id}`: {_escape_md(item.title)}",
        "",
        f"**Risk score {risk.score} / 100 → `risk:{risk.tier}`** ({TIER_MEANING[risk.tier]}), "
        f"model v{risk.model_version} (`{risk.model_sha256[:12]}`)",
        "",
        "| factor | raw | risk (0-100) | weight | contribution |",
        "|---|---|---:|---:|---:|",
    ]
    for line in risk.breakdown:
        cells = (line.factor, _escape_md(line.raw), line.normalized, line.weight, line.contribution)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines.append(f"| **total** | | | | **{risk.score}** |")
    if item.missing:
        lines += [
            "",
            "Missing from the evidence (scored as risk): " + ", ".join(f"`{m}`" for m in item.missing),
        ]
    lines += ["", f"Evidence sha256 `{item.evidence_sha256}`"]
    return "\n".join(lines)


def text(item: ScoredPack) -> str:
    risk = item.risk
    rows = [
        (line.factor, line.raw, str(line.normalized), str(line.weight), line.contribution)
        for line in risk.breakdown
    ]
    header = ("factor", "raw", "risk", "weight", "contribution")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]

    def fmt(row: tuple[str, ...]) -> str:
        return "  " + "  ".join(
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )

    out = [
        f"{item.source}",
        f"  {item.change_id}: {item.title}",
        f"  score {risk.score} → {risk.tier} ({TIER_MEANING[risk.tier]}); model v{risk.model_version}",
        fmt(header),
        *[fmt(r) for r in rows],
    ]
    if item.missing:
        out.append("  missing: " + ", ".join(item.missing))
    return "\n".join(out)


def as_json(items: list[ScoredPack]) -> str:
    return json.dumps(
        [
            {
                "source": item.source,
                "change_id": item.change_id,
                "evidence_sha256": item.evidence_sha256,
                "missing": list(item.missing),
                "risk": item.risk.model_dump(mode="json"),
            }
            for item in items
        ],
        indent=2,
        sort_keys=True,
    )
