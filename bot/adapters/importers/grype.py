"""Grype JSON (`grype -o json`).

Severity mapping: Critical, High, Medium and Low map to the pack's severities of the same name.
Negligible (Debian's "no real security impact", below Low) counts as `low`: it is still a known
vulnerability and low is the smallest bucket the pack has. Unknown stays `unknown`: listed as a
finding, counted in no bucket, because any bucket would be invented.
A finding is one (vulnerability id, artifact name, artifact version). Grype may report the same flaw
under a GHSA and a CVE id ("relatedVulnerabilities"); those stay two findings, as Grype counts them.
Fixed versions are `fix.versions` joined with ", "; none when Grype lists none.
The descriptor's version "[not provided]" (Grype's placeholder) and an empty timestamp mean absent.
"""

from __future__ import annotations

from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers._json import field_error, get_list, get_object, get_text, get_time
from bot.adapters.importers.interface import ScanFinding, ScanReport, Severity

SEVERITIES: dict[str, Severity] = {
    "Critical": "critical",
    "High": "high",
    "Medium": "medium",
    "Low": "low",
    "Negligible": "low",
    "Unknown": "unknown",
}
_PLACEHOLDER_VERSION = "[not provided]"


def load(path: Path) -> ScanReport:
    return from_input(detect.load(path, [detect.Format.GRYPE_JSON], "a Grype report"))


def from_input(found: detect.Input) -> ScanReport:
    raw, source = found.raw, found.source
    report = get_object(found.json, raw, source, "the report")
    findings = []
    for index, match in enumerate(get_list(report, "matches", raw, source, "")):
        match = get_object(match, raw, source, f"matches[{index}]")
        where = f"matches[{index}]: "
        vuln = get_object(match.get("vulnerability"), raw, source, f"matches[{index}].vulnerability")
        artifact = get_object(match.get("artifact"), raw, source, f"matches[{index}].artifact")
        vuln_id = get_text(vuln, "id", raw, source, where)
        if vuln_id is None:
            raise field_error(raw, source, "matches", f"{where}the vulnerability has no id")
        severity_text = get_text(vuln, "severity", raw, source, where) or "Unknown"
        if severity_text not in SEVERITIES:
            raise field_error(
                raw,
                source,
                severity_text,
                f"{where}{vuln_id} has severity {severity_text!r}; "
                f"Grype writes one of {', '.join(SEVERITIES)}",
            )
        findings.append(
            ScanFinding(
                id=vuln_id,
                severity=SEVERITIES[severity_text],
                package=get_text(artifact, "name", raw, source, where + "artifact."),
                installed_version=get_text(artifact, "version", raw, source, where + "artifact."),
                fixed_version=_fixed_versions(vuln, raw, source, where),
                source=source,
            )
        )
    descriptor = get_object(report.get("descriptor"), raw, source, "descriptor")
    version = get_text(descriptor, "version", raw, source, "descriptor.")
    return ScanReport(
        tool="grype",
        tool_version=None if version == _PLACEHOLDER_VERSION else version,
        scanned_at=get_time(descriptor, "timestamp", raw, source, "descriptor."),
        findings=tuple(findings),
        source=source,
    )


def _fixed_versions(vuln: dict[str, object], raw: bytes, source: str, where: str) -> str | None:
    fix = vuln.get("fix")
    if fix is None:
        return None
    fix = get_object(fix, raw, source, f"{where}vulnerability.fix")
    versions = get_list(fix, "versions", raw, source, f"{where}vulnerability.fix.")
    if not all(isinstance(v, str) for v in versions):
        raise field_error(raw, source, "versions", f"{where}fix.versions should be a list of text")
    return ", ".join(versions) or None
