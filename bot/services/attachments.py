"""Derive a pack's sections again from its attachments, with the importers `cab collect` used.

A section that names its sources (`sbom.source`, `vulnerability_scan.sources`, `tests.sources`) is
only as good as the files it names: each is read (from the PR head for the bot, from the decision
commit for the audit, from the working tree for `cab score`), its sha256 and detected format must
be the ones declared, and the section built from it by `collect.sections_from` must equal the
pack's. Every difference is one `Mismatch` (field, declared value, derived value). Pure apart from
`read`, which the caller supplies, so the bot, the audit and the CLI share this one comparison.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.adapters.importers.detect import Input, sniff
from bot.adapters.importers.interface import ToolOutputError
from bot.domain.models import EvidencePack
from bot.domain.models.base import CabModel
from bot.domain.models.evidence import QaResults, Sbom, Source, VulnerabilityScan
from bot.services import collect

Read = Callable[[str], bytes | None]
_SECTIONS: dict[str, type[CabModel]] = {
    "sbom": Sbom,
    "vulnerability_scan": VulnerabilityScan,
    "tests": QaResults,
}
# Fields a derived section does not speak to: declared by the team (pilot stages) or the sources.
_NOT_DERIVED = {"source", "sources", "lab", "ring0", "path"}


@dataclass(frozen=True)
class Mismatch:
    field: str
    declared: str
    derived: str

    def __str__(self) -> str:
        return f"{self.field}: the pack says {self.declared}, its attachments give {self.derived}"


def sources_of(pack: EvidencePack) -> list[Source]:
    found: list[Source] = []
    if pack.sbom is not None and pack.sbom.source is not None:
        found.append(pack.sbom.source)
    if pack.vulnerability_scan is not None:
        found.extend(pack.vulnerability_scan.sources)
    if pack.tests is not None:
        found.extend(pack.tests.sources)
    return found


def attachment_paths(pack: EvidencePack) -> list[str]:
    """Every attachment the pack names (its sources and its Sigstore bundle)."""
    paths = [source.path for source in sources_of(pack)]
    signature = pack.artifact.signature
    if signature is not None and signature.bundle is not None:
        paths.append(signature.bundle)
    return paths


def compare(pack: EvidencePack, read: Read) -> list[Mismatch]:
    """Every difference between the pack's sourced sections and what their attachments give."""
    if not sources_of(pack):
        return []  # nothing declared as derived: nothing to derive (every v1.0 pack)
    mismatches: list[Mismatch] = []
    expected_folder = f"{_folder_of(pack)}/"
    parsed: dict[str, Input] = {}
    for source in sources_of(pack):
        where = f"{_field_of(pack, source)}.path"
        if not source.path.startswith(expected_folder):
            mismatches.append(Mismatch(where, source.path, f"attachments must be under {expected_folder}"))
            continue
        raw = read(source.path)
        if raw is None:
            mismatches.append(Mismatch(where, source.path, "no such file"))
            continue
        actual = hashlib.sha256(raw).hexdigest()
        if actual != source.sha256:
            mismatches.append(Mismatch(f"{_field_of(pack, source)}.sha256", source.sha256, actual))
            continue
        try:
            found = sniff(raw, source.path)
        except ToolOutputError as exc:
            mismatches.append(
                Mismatch(f"{_field_of(pack, source)}.format", source.format, f"unreadable: {exc}")
            )
            continue
        if collect.SOURCE_FORMATS.get(found.format) != source.format:
            mismatches.append(Mismatch(f"{_field_of(pack, source)}.format", source.format, found.describe()))
            continue
        parsed[source.path] = found
    if mismatches:
        return mismatches
    try:
        derived = collect.sections_from(_inputs(pack, parsed), [])
    except ToolOutputError as exc:
        return [Mismatch("attachments", "readable tool output", str(exc))]
    for name, model in _SECTIONS.items():
        declared = getattr(pack, name)
        sourced = declared is not None and (
            declared.source is not None if name == "sbom" else bool(declared.sources)
        )
        if not sourced:
            continue
        again = model.model_validate(derived.get(name, {})) if name in derived else None
        mismatches.extend(_differences(name, declared, again))
    return mismatches


def _differences(name: str, declared: Any, derived: Any) -> list[Mismatch]:
    if derived is None:
        return [Mismatch(name, "a section", "nothing")]
    found = []
    for field in type(declared).model_fields:
        if field in _NOT_DERIVED:
            continue
        mine, theirs = getattr(declared, field), getattr(derived, field)
        if mine != theirs:
            found.append(Mismatch(f"{name}.{field}", _show(mine), _show(theirs)))
    return found


def _show(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} entries"
    if hasattr(value, "model_dump"):
        return str(value.model_dump(mode="json", exclude_defaults=False))
    return repr(value)


def _folder_of(pack: EvidencePack) -> str:
    return f"evidence/{pack.submitted_at.strftime('%Y-%m')}/{pack.change_id}"


def _field_of(pack: EvidencePack, source: Source) -> str:
    if pack.sbom is not None and pack.sbom.source == source:
        return "sbom.source"
    if pack.vulnerability_scan is not None and source in pack.vulnerability_scan.sources:
        return f"vulnerability_scan.sources[{pack.vulnerability_scan.sources.index(source)}]"
    assert pack.tests is not None
    return f"tests.sources[{pack.tests.sources.index(source)}]"


def _inputs(pack: EvidencePack, parsed: dict[str, Input]) -> collect.ToolInputs:
    def pair(source: Source) -> tuple[str, Input]:
        return source.path, parsed[source.path]

    scans = pack.vulnerability_scan.sources if pack.vulnerability_scan else []
    tests = pack.tests.sources if pack.tests else []
    return collect.ToolInputs(
        sbom=pair(pack.sbom.source) if pack.sbom is not None and pack.sbom.source is not None else None,
        scans=tuple(pair(s) for s in scans),
        tests=tuple(pair(s) for s in tests if s.format == "junit_xml"),
        coverage=next((pair(s) for s in tests if s.format != "junit_xml"), None),
    )
