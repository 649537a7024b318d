"""Trivy JSON (`trivy image|fs|repo --format json`, SchemaVersion 2).

Severity mapping: CRITICAL, HIGH, MEDIUM and LOW map to the pack's severities of the same name;
UNKNOWN (Trivy has no severity from any source yet, typical of brand-new CVEs) stays `unknown`: it
is listed as a finding but counted in no severity bucket, because any bucket would be invented.
A finding is one (VulnerabilityID, PkgName, InstalledVersion) across all Results; the same pair in
two Results (e.g. two lockfiles) counts once. `FixedVersion` is kept as Trivy writes it.
"""

from __future__ import annotations

from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers._json import field_error, get_list, get_object, get_text, get_time
from bot.adapters.importers.interface import ScanFinding, ScanReport, Severity

SEVERITIES: dict[str, Severity] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "UNKNOWN": "unknown",
}
SUPPORTED_SCHEMA = 2


def load(path: Path) -> ScanReport:
    return from_input(detect.load(path, [detect.Format.TRIVY_JSON], "a Trivy report"))


def from_input(found: detect.Input) -> ScanReport:
    raw, source = found.raw, found.source
    report = get_object(found.json, raw, source, "the report")
    if report.get("SchemaVersion") != SUPPORTED_SCHEMA:
        raise field_error(
            raw,
            source,
            "SchemaVersion",
            f"Trivy SchemaVersion {report.get('SchemaVersion')!r} is not supported "
            f"(expected {SUPPORTED_SCHEMA}, written by Trivy 0.20 and later)",
        )
    findings = []
    for index, result in enumerate(get_list(report, "Results", raw, source, "")):
        result = get_object(result, raw, source, f"Results[{index}]")
        for vuln in get_list(result, "Vulnerabilities", raw, source, f"Results[{index}]."):
            vuln = get_object(vuln, raw, source, f"a vulnerability in Results[{index}]")
            where = f"Results[{index}].Vulnerabilities: "
            vuln_id = get_text(vuln, "VulnerabilityID", raw, source, where)
            if vuln_id is None:
                raise field_error(
                    raw, source, "Vulnerabilities", f"{where}a vulnerability has no VulnerabilityID"
                )
            severity_text = get_text(vuln, "Severity", raw, source, where)
            if severity_text not in SEVERITIES:
                raise field_error(
                    raw,
                    source,
                    f"{severity_text}" if severity_text else "Severity",
                    f"{where}{vuln_id} has severity {severity_text!r}; Trivy writes one of "
                    f"{', '.join(SEVERITIES)}",
                )
            findings.append(
                ScanFinding(
                    id=vuln_id,
                    severity=SEVERITIES[severity_text],
                    package=get_text(vuln, "PkgName", raw, source, where),
                    installed_version=get_text(vuln, "InstalledVersion", raw, source, where),
                    fixed_version=get_text(vuln, "FixedVersion", raw, source, where),
                    source=source,
                )
            )
    trivy = report.get("Trivy")
    version = get_text(trivy, "Version", raw, source, "Trivy.") if isinstance(trivy, dict) else None
    return ScanReport(
        tool="trivy",
        tool_version=version,
        scanned_at=get_time(report, "CreatedAt", raw, source, ""),
        findings=tuple(findings),
        source=source,
    )
