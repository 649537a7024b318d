"""Builders for exception documents and packs with chosen findings, as YAML bytes or models."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from bot.domain import documents
from bot.domain.documents import Loaded
from bot.domain.models import EvidencePack, ExceptionRecord

REQUESTED = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC)
ARTIFACT = "c0ffee00" * 8


def exception_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "Exception",
        "id": "accept-nghttp2",
        "title": "Accept nghttp2 CVEs on the edge",
        "scope": {"vulnerability_ids": ["CVE-2026-3301"]},
        "justification": "Server push is disabled.",
        "compensating_controls": [{"control": "push disabled", "verification": "CI config check"}],
        "requested_by": "carol-eng",
        "requested_at": REQUESTED,
        "expires_at": REQUESTED + dt.timedelta(days=30),
    }
    data.update(overrides)
    return data


def exception_yaml(**overrides: Any) -> bytes:
    return yaml.safe_dump(exception_data(**overrides), sort_keys=False).encode()


def exception(**overrides: Any) -> Loaded[ExceptionRecord]:
    loaded: Loaded[ExceptionRecord] = documents.parse(exception_yaml(**overrides), "x.yaml", ExceptionRecord)
    return loaded


def pack(
    findings: list[tuple[str, str]], critical: int | None = None, high: int | None = None
) -> EvidencePack:
    """A minimal pack whose scan lists `findings` as (id, severity)."""
    crit = critical if critical is not None else sum(1 for _, s in findings if s == "critical")
    hi = high if high is not None else sum(1 for _, s in findings if s == "high")
    return EvidencePack.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "EvidencePack",
            "change_id": "edge-proxy-hotfix",
            "title": "t",
            "requester": "alice-eng",
            "submitted_at": REQUESTED,
            "artifact": {"name": "edge", "version": "1", "sha256": ARTIFACT},
            "vulnerability_scan": {
                "tool": "trivy",
                "counts": {"critical": crit, "high": hi},
                "findings": [{"id": i, "severity": s} for i, s in findings],
            },
        }
    )
