"""`cab validate`: every governed file parses, fits its schema and sits where its content says."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters import files
from bot.domain.errors import InputError, Problem
from bot.domain.layout import GOVERNED_DIRS, classify, is_documentation
from bot.domain.models import Decision, EvidencePack, ExceptionDecision, ExceptionRecord, RiskModel
from bot.domain.placement import placement_problems

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


def discover(root: Path) -> Iterator[Path]:
    for top in GOVERNED_DIRS:
        directory = root / top
        if directory.is_dir():
            # A symlinked directory is yielded (and refused when read), never silently skipped.
            yield from sorted(p for p in directory.rglob("*") if p.is_symlink() or not p.is_dir())


def validate(paths: Iterable[Path], root: Path) -> ValidationReport:
    report = ValidationReport()
    top = root.resolve()  # once, not once per file
    for path in paths:
        report.checked.append(str(path))
        try:
            relative = path.resolve().relative_to(top).as_posix()
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
            model = files.load_checked(path, expect)  # the hash would be thrown away
        except InputError as exc:
            report.problems.extend(exc.problems)
            continue
        if governed and relative is not None:
            for message in placement_problems(governed, model):
                report.problems.append(Problem(str(path), 1, 1, message))
    return report
