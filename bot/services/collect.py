"""`cab collect`: compose importer outputs into an evidence pack, validated by `EvidencePack`.

Only what the tools (and the command line) state reaches the pack; a section no input supplies is
left out, so the risk model scores its absence instead of a guess. The time of submission is passed
in; nothing here reads the clock. The YAML written is deterministic (the model's field order, one
layout) and is read back through the strict loader before it is returned, so every pack this
module produces is one `cab validate` and `cab score` accept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.adapters import sigstore_check
from bot.adapters.importers import artifact, cobertura, cyclonedx, grype, junit, lcov, plan, spdx, trivy
from bot.adapters.importers.detect import Format, Input, load
from bot.adapters.importers.interface import (
    SEVERITY_ORDER,
    CoverageSummary,
    SbomSummary,
    ScanFinding,
    ScanReport,
    TestTotals,
    read_tool_output,
)
from bot.domain import documents, layout
from bot.domain.errors import CabError, InputError, UsageError
from bot.domain.models import EvidencePack
from bot.domain.models.evidence import Finding

SCHEMA_FILE = "schemas/evidence-pack.schema.json"
# Keeps a pack with a huge scan under the 1 MiB limit every governed document has; counts still
# include every finding, the listing is what is cut (critical first).
MAX_LISTED_FINDINGS = 2000

SBOM_READERS: dict[Format, Callable[[Input], SbomSummary]] = {
    Format.CYCLONEDX_JSON: cyclonedx.from_input,
    Format.SPDX_JSON: spdx.from_input,
}
SCAN_READERS: dict[Format, Callable[[Input], ScanReport]] = {
    Format.TRIVY_JSON: trivy.from_input,
    Format.GRYPE_JSON: grype.from_input,
}
COVERAGE_READERS: dict[Format, Callable[[Input], CoverageSummary]] = {
    Format.COBERTURA_XML: cobertura.from_input,
    Format.LCOV: lcov.from_input,
}

# Command-line flags that fill top-level fields, to name them in validation errors.
_FLAGS = {
    "change_id": "--change-id",
    "title": "--title",
    "requester": "--requester",
    "submitted_at": "--submitted-at",
    "correlation_id": "--correlation-id",
    "description": "--description",
    "artifact.name": "--artifact-name",
    "artifact.version": "--artifact-version",
    "artifact.sha256": "--artifact-sha256",
    "artifact.publisher": "--publisher",
}


@dataclass(frozen=True)
class CollectRequest:
    """Everything `cab collect` was given; paths are read, strings are copied as they are."""

    change_id: str
    title: str
    requester: str
    submitted_at: dt.datetime
    artifact_name: str
    artifact_version: str
    artifact_path: Path | None = None
    artifact_sha256: str | None = None
    publisher: str | None = None
    correlation_id: str | None = None
    description: str | None = None
    sbom: Path | None = None
    scans: Sequence[Path] = ()
    tests: Sequence[Path] = ()
    coverage: Path | None = None
    plan: Path | None = None
    sigstore_bundle: Path | None = None


@dataclass(frozen=True)
class Collected:
    """The validated pack, its attachments (repository path -> bytes) and notes on how it was built."""

    pack: EvidencePack
    notes: tuple[str, ...] = field(default=())
    attachments: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class MergedScan:
    tool: str
    tool_version: str | None
    scanned_at: dt.datetime | None
    counts: dict[str, int]
    findings: tuple[ScanFinding, ...]


# How a pack names the detected format of an attached source.
SOURCE_FORMATS: dict[Format, str] = {
    Format.TRIVY_JSON: "trivy_json",
    Format.GRYPE_JSON: "grype_json",
    Format.CYCLONEDX_JSON: "cyclonedx_json",
    Format.SPDX_JSON: "spdx_json",
    Format.JUNIT_XML: "junit_xml",
    Format.COBERTURA_XML: "cobertura_xml",
    Format.LCOV: "lcov",
}
# A Trivy report of a large image with its package list runs to tens of MB, but an attachment is
# in the repository forever and read by every sync and audit: 4 MiB keeps 100,000 changes
# clonable, and `trivy --list-all-pkgs=false` or Grype's default output of even a big image fits.
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ToolInputs:
    """Tool outputs as detected and parsed, each with the attachment path it is kept under."""

    sbom: tuple[str, Input] | None = None
    scans: tuple[tuple[str, Input], ...] = ()
    tests: tuple[tuple[str, Input], ...] = ()
    coverage: tuple[str, Input] | None = None

    def all(self) -> list[tuple[str, Input]]:
        single = [x for x in (self.sbom, self.coverage) if x is not None]
        return [*single, *self.scans, *self.tests]


def _source(where: str, found: Input) -> dict[str, Any]:
    return {
        "path": where,
        "sha256": hashlib.sha256(found.raw).hexdigest(),
        "format": SOURCE_FORMATS[found.format],
    }


def sections_from(inputs: ToolInputs, notes: list[str]) -> dict[str, Any]:
    """The pack sections derived from tool outputs, each naming its sources: what `cab collect`
    writes and what the bot and the audit derive again from the attachments."""
    data: dict[str, Any] = {}
    if inputs.sbom is not None:
        where, found = inputs.sbom
        data["sbom"] = {**_sbom_section(SBOM_READERS[found.format](found)), "source": _source(where, found)}
    if inputs.scans:
        merged = merge_scans(SCAN_READERS[f.format](f) for _, f in inputs.scans)
        data["vulnerability_scan"] = {
            **_scan_section(merged, notes),
            "sources": [_source(where, found) for where, found in inputs.scans],
        }
    tests = _tests_section(inputs, notes)
    if tests:
        data["tests"] = tests
    return data


def _attachment_name(role: str, index: int | None, found: Input) -> str:
    extension = {"json": ".json", "xml": ".xml"}.get(found.format.name.rsplit("_", 1)[-1].lower(), ".lcov")
    return f"{role}{'' if index is None else f'-{index}'}{extension}"


def read_inputs(request: CollectRequest, folder: str) -> ToolInputs:
    def named(path: Path, expected: Collection[Format], role: str, index: int | None) -> tuple[str, Input]:
        found = load(path, expected, f"--{role}")
        if len(found.raw) > MAX_ATTACHMENT_BYTES:
            raise UsageError(
                f"{path} is {len(found.raw)} bytes; an attachment may be at most {MAX_ATTACHMENT_BYTES} "
                "bytes (it stays in the repository forever): trim the report, e.g. without the package list"
            )
        return f"{folder}/{_attachment_name(role, index, found)}", found

    return ToolInputs(
        sbom=None if request.sbom is None else named(request.sbom, SBOM_READERS, "sbom", None),
        scans=tuple(named(p, SCAN_READERS, "scan", i) for i, p in enumerate(request.scans, 1)),
        tests=tuple(named(p, [Format.JUNIT_XML], "tests", i) for i, p in enumerate(request.tests, 1)),
        coverage=None
        if request.coverage is None
        else named(request.coverage, COVERAGE_READERS, "coverage", None),
    )


def collect(request: CollectRequest) -> Collected:
    """Read every input, merge, and validate the result as an `EvidencePack`.

    Every tool output becomes an attachment in `evidence/<yyyy-mm>/<change-id>/`, and the sections
    derived from it name it as their source, so the bot can derive them again and compare.
    """
    notes: list[str] = []
    data: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "EvidencePack",
        "change_id": request.change_id,
        "title": request.title,
        "requester": request.requester,
        "submitted_at": request.submitted_at,
    }
    for key in ("correlation_id", "description"):
        if getattr(request, key) is not None:
            data[key] = getattr(request, key)
    data["artifact"] = _artifact(request)
    month = request.submitted_at.astimezone(dt.UTC).strftime("%Y-%m")
    folder = layout.attachments_dir(request.change_id, month)
    attachments: dict[str, bytes] = {}
    if request.sigstore_bundle is not None:
        where = f"{folder}/{layout.SIGSTORE_BUNDLE_NAME}"
        attachments[where] = read_tool_output(request.sigstore_bundle, sigstore_check.MAX_BUNDLE_BYTES)
        data["artifact"]["signature"] = {"method": "sigstore", "bundle": where}
    inputs = read_inputs(request, folder)
    attachments.update((where, found.raw) for where, found in inputs.all())
    data.update(sections_from(inputs, notes))
    if request.plan is not None:
        change_plan = plan.load(request.plan)
        for section in plan.PLAN_SECTIONS:
            if section in change_plan.model_fields_set:
                data[section] = getattr(change_plan, section)
    return Collected(_validate(data), tuple(notes), attachments)


def _artifact(request: CollectRequest) -> dict[str, Any]:
    section: dict[str, Any] = {"name": request.artifact_name, "version": request.artifact_version}
    if request.artifact_path is not None:
        facts = artifact.digest(request.artifact_path)
        if request.artifact_sha256 is not None and request.artifact_sha256 != facts.sha256:
            raise UsageError(
                f"--artifact-sha256 {request.artifact_sha256} does not match {request.artifact_path}, "
                f"whose sha256 is {facts.sha256}"
            )
        section["sha256"], section["size_bytes"] = facts.sha256, facts.size_bytes
    elif request.artifact_sha256 is not None:
        section["sha256"] = request.artifact_sha256
    else:
        raise UsageError(
            "an evidence pack needs the artifact's sha256: pass --artifact FILE or --artifact-sha256"
        )
    if request.publisher is not None:
        section["publisher"] = request.publisher
    return section


def _sbom_section(summary: SbomSummary) -> dict[str, Any]:
    section: dict[str, Any] = {"format": summary.format}
    if summary.spec_version is not None:
        section["spec_version"] = summary.spec_version
    section["component_count"] = summary.component_count
    section["digest"] = summary.digest
    return section


def merge_scans(reports: Iterable[ScanReport]) -> MergedScan:
    """Union of findings across reports; the same (id, package, version) counts once.

    When two reports disagree on a duplicate, the higher severity and any known fix are kept (a
    scanner that knows more wins; neither is invented). Tools are named in sorted order joined by
    "+"; the version only when all reports come from one version of one tool; the scan time is the
    oldest one any report states, since the evidence is as old as its oldest part.
    """
    reports = list(reports)
    merged: dict[tuple[str, str | None, str | None], ScanFinding] = {}
    for report in reports:
        for finding in report.findings:
            seen = merged.get(finding.key)
            if seen is None:
                merged[finding.key] = finding
                continue
            severity = min(seen.severity, finding.severity, key=SEVERITY_ORDER.index)
            merged[finding.key] = ScanFinding(
                id=seen.id,
                severity=severity,
                package=seen.package,
                installed_version=seen.installed_version,
                fixed_version=seen.fixed_version or finding.fixed_version,
                source=seen.source,
            )
    findings = tuple(
        sorted(merged.values(), key=lambda f: (SEVERITY_ORDER.index(f.severity), f.id, f.package or ""))
    )
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("critical", "high", "medium", "low")}
    tools = sorted({r.tool for r in reports})
    versions = {(r.tool, r.tool_version) for r in reports}
    times = [r.scanned_at for r in reports if r.scanned_at is not None]
    return MergedScan(
        tool="+".join(tools),
        tool_version=next(iter(versions))[1] if len(versions) == 1 else None,
        scanned_at=min(times) if times else None,
        counts=counts,
        findings=findings,
    )


def _scan_section(scan: MergedScan, notes: list[str]) -> dict[str, Any]:
    section: dict[str, Any] = {"tool": scan.tool}
    if scan.tool_version is not None:
        section["tool_version"] = scan.tool_version
    if scan.scanned_at is not None:
        section["scanned_at"] = scan.scanned_at
    section["counts"] = scan.counts
    listed = []
    unknown = sum(1 for f in scan.findings if f.severity == "unknown")
    if unknown:
        notes.append(f"{unknown} finding(s) have unknown severity: listed, but counted in no severity")
    for finding in scan.findings:
        entry = {
            k: v
            for k, v in (
                ("id", finding.id),
                ("severity", finding.severity),
                ("package", finding.package),
                ("installed_version", finding.installed_version),
                ("fixed_version", finding.fixed_version),
            )
            if v is not None
        }
        try:
            Finding.model_validate(entry)
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in reason["loc"])
            notes.append(
                f"{finding.source}: {finding.id} is counted but not listed ({where}: {reason['msg']})"
            )
            continue
        listed.append(entry)
    if len(listed) > MAX_LISTED_FINDINGS:
        notes.append(
            f"{len(listed)} findings; the pack lists the first {MAX_LISTED_FINDINGS} by severity, "
            "counts include all"
        )
        listed = listed[:MAX_LISTED_FINDINGS]
    section["findings"] = listed
    return section


def _tests_section(inputs: ToolInputs, notes: list[str]) -> dict[str, Any]:
    section: dict[str, Any] = {}
    coverage = None
    sources = []
    if inputs.coverage is not None:
        where, found = inputs.coverage
        coverage = COVERAGE_READERS[found.format](found)
        sources.append(_source(where, found))
        if coverage.percent is None:
            notes.append(f"{coverage.source}: the report covers no lines; coverage left out")
        else:
            rounded = coverage.percent.quantize(Decimal("0.01"), ROUND_HALF_UP)
            section["coverage_percent"] = float(rounded)
    if inputs.tests:
        totals = TestTotals()
        for where, found in inputs.tests:
            totals = totals + junit.from_input(found)
            sources.append(_source(where, found))
        notes.extend(totals.notes)
        section.update(
            passed=totals.passed, failed=totals.failed, errored=totals.errored, skipped=totals.skipped
        )
    elif section:
        # The pack's test counts default to 0, which the risk model reads as "no failures".
        notes.append("coverage without --tests: the scorer will read the absent test counts as 0 failures")
    if sources:
        section["sources"] = sources
    return section


def _validate(data: dict[str, Any]) -> EvidencePack:
    try:
        return EvidencePack.model_validate(data)
    except ValidationError as exc:
        messages = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"])
            flag = _FLAGS.get(where, where)
            messages.append(f"{flag}: {error['msg']} (got {error['input']!r})")
        raise UsageError("cannot build a valid evidence pack:\n" + "\n".join(messages)) from None


# --- writing -------------------------------------------------------------------------------------


def default_path(root: Path, change_id: str, submitted_at: dt.datetime) -> Path:
    """`evidence/<yyyy-mm>/<id>.yaml`, the month being the submission month in UTC."""
    month = submitted_at.astimezone(dt.UTC).strftime("%Y-%m")
    return root / layout.evidence_path(change_id, month)


class _PackDumper(yaml.SafeDumper):
    """Block-style YAML whose plain scalars read back as the same values under YAML 1.2 core."""


# PyYAML already quotes what its YAML 1.1 resolver would read as a non-string; this also quotes what
# a YAML 1.2 reader such as `bot.domain.strict_yaml` could (`1e3` is a float there but not in 1.1). Versions
# and dates are made only of these characters; hex digests with other letters stay plain.
_AMBIGUOUS = re.compile(r"^(?:[-+.0-9][-+.0-9_eE:]*|~|y|n|yes|no|on|off|true|false|null)$", re.IGNORECASE)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if _AMBIGUOUS.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.ScalarNode:
    text = value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)


_PackDumper.add_representer(str, _represent_str)
_PackDumper.add_representer(dt.datetime, _represent_datetime)


def render(pack: EvidencePack, schema_ref: str) -> str:
    """The pack as YAML: a schema header for editors, then the fields in the model's order."""
    data = pack.model_dump(mode="python", by_alias=True, exclude_unset=True, exclude_none=True)
    body = yaml.dump(
        data, Dumper=_PackDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
    )
    header = (
        f"# yaml-language-server: $schema={schema_ref}\n"
        "# Generated by `cab collect` from tool output; sections no tool supplied are absent.\n"
    )
    return header + body


def render_checked(pack: EvidencePack, schema_ref: str, source: str) -> str:
    """`render`, then read the text back with the strict loader and require the same pack."""
    text = render(pack, schema_ref)
    try:
        again = documents.parse(text.encode("utf-8"), source, EvidencePack).model
    except InputError as exc:
        raise CabError(f"the generated pack does not load back (a bug in cab collect):\n{exc}") from None
    if again != pack:
        raise CabError("the generated pack loads back with different values (a bug in cab collect)")
    return text


def schema_ref(root: Path, output: Path) -> str:
    """Path from the output's directory to the repository's schema file, for editors."""
    return Path(os.path.relpath(root / SCHEMA_FILE, output.parent)).as_posix()


def write_attachments(root: Path, attachments: dict[str, bytes], *, force: bool) -> list[Path]:
    """Write each attachment under `root`, refusing to replace one unless `force`."""
    written = []
    for relative, body in sorted(attachments.items()):
        path = root / relative
        if path.exists() and not force:
            raise UsageError(f"{path} already exists; pass --force to replace it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written.append(path)
    return written


def write_new(path: Path, text: str, *, force: bool) -> None:
    """Create `path` with `text`; an existing file is an error unless `force` (then replaced atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not force:
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            raise UsageError(f"{path} already exists; pass --force to replace it") from None
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
