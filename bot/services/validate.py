"""`cab validate`: every governed file parses, fits its schema and sits where its content says."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters import files
from bot.domain import layout
from bot.domain.errors import InputError, Problem
from bot.domain.layout import GOVERNED_DIRS, attachment_of, classify, is_documentation
from bot.domain.models import (
    Decision,
    EvidencePack,
    ExceptionDecision,
    ExceptionRecord,
    PolicyDecision,
    RetroApproval,
    RiskModel,
)
from bot.domain.placement import placement_problems

_EXPECTED_KIND: dict[
    str,
    type[
        EvidencePack
        | ExceptionRecord
        | Decision
        | ExceptionDecision
        | PolicyDecision
        | RetroApproval
        | RiskModel
    ],
] = {
    "ExceptionDecision": ExceptionDecision,
    "PolicyDecision": PolicyDecision,
    "RetroApproval": RetroApproval,
    "EvidencePack": EvidencePack,
    "Exception": ExceptionRecord,
    "Decision": Decision,
    "RiskModel": RiskModel,
}


@dataclass
class ValidationReport:
    checked: int = 0  # a count, not a list: 100,000 paths would be kept for nothing
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def discover(root: Path) -> Iterator[Path]:
    """Every file under the governed directories, in path order, one directory listing at a time
    (memory follows the largest directory, not the whole history)."""
    for top in GOVERNED_DIRS:
        directory = root / top
        if directory.is_dir():
            yield from _files(directory)


def _files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.iterdir()):
        if path.is_symlink() or not path.is_dir():
            yield path  # a symlinked directory is yielded (and refused when read), never skipped
        else:
            yield from _files(path)


def validate(paths: Iterable[Path], root: Path) -> ValidationReport:
    report = ValidationReport()
    top = root.resolve()  # once, not once per file
    for path in paths:
        report.checked += 1
        try:
            relative = path.resolve().relative_to(top).as_posix()
        except ValueError:
            relative = None
        if relative is not None and is_documentation(relative):
            continue
        if relative is not None and attachment_of(relative) is not None:
            report.problems.extend(_orphan(path, relative, root))
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
        if isinstance(model, EvidencePack):
            report.problems.extend(_attachment_problems(path, model, root))
    return report


def repository_of(pack_path: Path, root: Path) -> Path:
    """The repository a pack at `evidence/<yyyy-mm>/<id>.yaml` sits in (its attachments' base),
    else `root`: attachment paths in a pack are relative to the repository, not to `--repo`."""
    parts = pack_path.resolve().parts
    if len(parts) >= 3 and parts[-3] == "evidence":
        return Path(*parts[:-3])
    return root


def _orphan(path: Path, relative: str, root: Path) -> list[Problem]:
    month, change_id = attachment_of(relative) or ("", "")
    if (root / layout.evidence_path(change_id, month)).is_file():
        return []  # checked with its pack
    return [
        Problem(str(path), 1, 1, f"an attachment without its pack {layout.evidence_path(change_id, month)}")
    ]


def _attachment_problems(path: Path, pack: EvidencePack, root: Path) -> list[Problem]:
    """Each sourced section must be what its attached tool output gives (`bot.services.attachments`)."""
    from bot.services import attachments, collect

    base = repository_of(path, root)

    def read(relative: str) -> bytes | None:
        target = base / relative
        if target.is_symlink() or not target.is_file():
            return None
        return target.read_bytes()[: collect.MAX_ATTACHMENT_BYTES + 1]

    return [Problem(str(path), 1, 1, f"attachment mismatch: {m}") for m in attachments.compare(pack, read)]
