"""`cab validate`: every governed file parses, fits its schema and sits where its content says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import documents
from bot.errors import InputError, Problem
from bot.layout import GOVERNED_DIRS, GovernedPath, classify, is_documentation
from bot.models import Decision, EvidencePack, ExceptionDecision, ExceptionRecord, RiskModel

_EXPECTED_KIND: dict[str, type[EvidencePack | ExceptionRecord | Decision | ExceptionDecision | RiskModel]] = {
    "ExceptionDecision": ExceptionDecision,
    "EvidencePack": EvidencePack,
    "Exception": ExceptionRecord,
    "Decision": Decision,
    "RiskModel": RiskModel,
}


@dataclass
class ValidationReport:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


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


def discover(root: Path) -> Iterator[Path]:
    for top in GOVERNED_DIRS:
        directory = root / top
        if directory.is_dir():
            # A symlinked directory is yielded (and refused when read), never silently skipped.
            yield from sorted(p for p in directory.rglob("*") if p.is_symlink() or not p.is_dir())


def validate(paths: Iterable[Path], root: Path) -> ValidationReport:
    report = ValidationReport()
    for path in paths:
        report.checked.append(str(path))
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = None
        if relative is not None and is_documentation(relative):
            continue
        governed = classify(relative) if relative is not None else None
        if relative is not None and governed is None and relative.split("/", 1)[0] in GOVERNED_DIRS:
            report.problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    "not a governed path: expected evidence/<yyyy-mm>/<id>.yaml, "
                    "exceptions/<yyyy-mm>/<id>.yaml, decisions/<tier>/<yyyy-mm>/<id>.yaml "
                    "or risk-model/vX.Y.yaml",
                )
            )
            continue
        expect = _EXPECTED_KIND[governed.kind] if governed else None
        try:
            loaded = documents.load(path, expect)
        except InputError as exc:
            report.problems.extend(exc.problems)
            continue
        if governed and relative is not None:
            for message in placement_problems(governed, loaded.model):
                report.problems.append(Problem(str(path), 1, 1, message))
    return report
