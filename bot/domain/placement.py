"""A governed document must sit where its content says: id = file name, month, tier. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.domain.layout import GovernedPath
from bot.domain.models import Decision


def placement_problems(governed: GovernedPath, model: Any) -> list[str]:
    """Content must agree with the path: file name = id, month = submission month, tier dir = tier."""
    problems = []
    own_id = next(
        (getattr(model, a) for a in ("change_id", "exception_id", "id", "version") if hasattr(model, a)), None
    )
    if own_id != governed.id:
        problems.append(f"file name says {governed.id!r} but the document's id is {own_id!r}")
    submitted = {"EvidencePack": "submitted_at", "Exception": "requested_at"}.get(governed.kind)
    if submitted and governed.month:
        month = getattr(model, submitted).astimezone(dt.UTC).strftime("%Y-%m")
        if month != governed.month:
            problems.append(f"{submitted} is in {month} (UTC) but the file is under {governed.month}/")
    if isinstance(model, Decision) and governed.tier != model.risk.tier:
        problems.append(f"risk tier is {model.risk.tier} but the record is under decisions/{governed.tier}/")
    return problems
