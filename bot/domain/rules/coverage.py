"""Which exceptions are active and what they cover. Pure; `now` is passed in.

An exception is active when it is merged on the base branch (the forge only gives us base-branch
exceptions, and CODEOWNERS makes security approve them) and `now` is before its expiry. It covers
a change by change id, by artifact sha256, or by covering every critical and high vulnerability
id the change's scan lists. A sha256 in a pack is only a claim: an exception scoped to a digest
covers the change only when a verified signature proves the artifact has that digest, otherwise
anyone could copy a covered digest into an unrelated pack. Coverage is reported per exception,
with what is left uncovered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.documents import Loaded
from bot.domain.models import EvidencePack, ExceptionRecord
from bot.domain.signature_proof import NOT_CHECKED, SignatureCheck


@dataclass(frozen=True)
class Coverage:
    covering: tuple[Loaded[ExceptionRecord], ...]
    reasons: tuple[str, ...]  # "edge-proxy-nghttp2 covers the change id"
    gaps: tuple[str, ...]  # what remains uncovered when nothing covers


def is_active(record: ExceptionRecord, now: dt.datetime) -> bool:
    return now < record.expires_at


def _serious_vuln_ids(pack: EvidencePack) -> set[str]:
    scan = pack.vulnerability_scan
    if scan is None:
        return set()
    return {f.id for f in scan.findings if f.severity in ("critical", "high")}


def _serious_count(pack: EvidencePack) -> int:
    scan = pack.vulnerability_scan
    return 0 if scan is None else scan.counts.critical + scan.counts.high


def coverage(
    pack: EvidencePack,
    exceptions: Sequence[Loaded[ExceptionRecord]],
    now: dt.datetime,
    signature: SignatureCheck = NOT_CHECKED,
) -> Coverage:
    covering = []
    reasons = []
    unproven: list[str] = []
    serious = _serious_vuln_ids(pack)
    # Findings may be a truncated list: vuln-id coverage needs every serious finding to be listed.
    all_listed = len(serious) >= _serious_count(pack) > 0
    uncovered_vulns = set(serious)
    for loaded in exceptions:
        record = loaded.model
        if not is_active(record, now):
            continue
        scope = record.scope
        if pack.change_id in scope.change_ids:
            covering.append(loaded)
            reasons.append(f"{record.id} covers change {pack.change_id}")
        elif pack.artifact.sha256 in scope.artifact_sha256s and signature.proves_digest:
            covering.append(loaded)
            reasons.append(
                f"{record.id} covers artifact sha256 {pack.artifact.sha256[:12]}… (signature verified)"
            )
        else:
            if pack.artifact.sha256 in scope.artifact_sha256s:
                unproven.append(
                    f"{record.id} covers artifact sha256 {pack.artifact.sha256[:12]}… only with a verified "
                    f"signature, and the signature is {signature.display()}"
                )
            matched = serious & set(scope.vulnerability_ids)
            if matched:
                uncovered_vulns -= matched
                if all_listed and not (serious - set(scope.vulnerability_ids)):
                    covering.append(loaded)
                    reasons.append(f"{record.id} covers every critical/high finding")
    if not covering and all_listed and serious and not uncovered_vulns:
        # Several exceptions together cover every serious finding.
        for loaded in exceptions:
            if is_active(loaded.model, now) and serious & set(loaded.model.scope.vulnerability_ids):
                covering.append(loaded)
        reasons.append(
            "together, " + ", ".join(e.model.id for e in covering) + " cover every critical/high finding"
        )
    gaps: tuple[str, ...] = ()
    if not covering:
        gaps_list = [f"change {pack.change_id}", *unproven]
        if uncovered_vulns:
            gaps_list.append("vulnerabilities " + ", ".join(sorted(uncovered_vulns)))
        elif serious and not all_listed:
            gaps_list.append("unlisted critical/high findings (the scan lists fewer ids than its counts)")
        gaps = tuple(gaps_list)
    return Coverage(tuple(covering), tuple(reasons), gaps)
