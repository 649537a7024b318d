"""Builders for valid documents, so each test states only what it changes.

`evidence_pack()` returns a complete, valid pack (low tier under risk model v1.0) as the plain dict
the strict loader would produce; `changed(doc, {"a.b.0.c": value})` applies edits by dotted path
(`REMOVE` deletes a key). `dump_yaml`/`write_yaml` serialise a dict in a chosen style (quoting,
flow or block, indentation, comments) so tests can prove that formatting never changes meaning.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.domain.errors import InputError
from bot.domain.strict_yaml import load_bytes

UTC = dt.UTC
REMOVE = object()
SHA_A = "3f1d2a9c8b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c"
SHA_B = "7c6b5a4938271605f4e3d2c1b0a9f8e77c6b5a4938271605f4e3d2c1b0a9f8e7"
GIT_SHA = "0123456789abcdef0123456789abcdef01234567"


def changed(doc: Mapping[str, Any], edits: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of `doc` with each dotted path set to its value (or removed with REMOVE)."""
    result = copy.deepcopy(dict(doc))
    for dotted, value in (edits or {}).items():
        *parents, last = dotted.split(".")
        node: Any = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        key: Any = int(last) if isinstance(node, list) else last
        if value is REMOVE:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)
    return result


def evidence_pack(edits: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid, complete evidence pack; keyword fields replace top-level fields, `edits` nested ones."""
    pack: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "EvidencePack",
        "change_id": "payments-api-7.4.2",
        "title": "Payments API 7.4.2 patch release",
        "requester": "alice-eng",
        "submitted_at": dt.datetime(2026, 11, 3, 9, 15, tzinfo=UTC),
        "correlation_id": "build-48213",
        "description": "Fixes rounding in currency conversion.",
        "artifact": {
            "name": "payments-api",
            "version": "7.4.2",
            "sha256": SHA_A,
            "size_bytes": 48213904,
            "publisher": "Example Corp Platform Team",
            "signature": {"method": "cosign", "verified": True, "signer": "release-bot@example.com"},
        },
        "sbom": {"format": "cyclonedx", "spec_version": "1.5", "component_count": 212, "digest": SHA_B},
        "vulnerability_scan": {
            "tool": "trivy",
            "tool_version": "0.56.2",
            "scanned_at": dt.datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
            "counts": {"critical": 0, "high": 1, "medium": 3, "low": 7},
            "findings": [{"id": "CVE-2026-1111", "severity": "high", "package": "libxml2"}],
        },
        "tests": {
            "coverage_percent": 91.5,
            "passed": 1204,
            "failed": 0,
            "errored": 0,
            "skipped": 3,
            "lab": {"status": "passed", "devices": 8},
            "ring0": {"status": "passed", "devices": 50, "failures": 0},
        },
        "install": {"command": "helm upgrade payments-api ./chart --version 7.4.2", "timeout_seconds": 600},
        "uninstall": {"command": "helm rollback payments-api", "timeout_seconds": 300},
        "detection": {"method": "http", "query": "GET https://payments.internal/version reports 7.4.2"},
        "rollout": {
            "rings": [
                {"name": "ring0", "audience": "internal staff", "percent": 5, "hold_hours": 24},
                {"name": "ring1", "audience": "everyone", "percent": 100},
            ]
        },
        "rollback": {"plan": "helm rollback to 7.4.1", "tested": True, "estimated_minutes": 10},
        "scope": {"affected_components": ["payments-api"], "affected_users": 80},
        "complexity": "low",
        "policy": {"tool": "conftest", "violations": []},
        "exceptions": [],
        "links": [{"title": "Release notes", "url": "https://example.com/payments/7.4.2"}],
    }
    return changed(pack, {**fields, **(edits or {})})


def exception_record(edits: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid accepted-risk exception (30 days, two compensating controls)."""
    record: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "Exception",
        "id": "edge-proxy-nghttp2",
        "title": "Ship the edge proxy hotfix with unpatched nghttp2 CVEs",
        "scope": {"change_ids": ["edge-proxy-hotfix"], "vulnerability_ids": ["CVE-2026-3301"]},
        "justification": "The outage affects every customer; server push is disabled at the edge.",
        "compensating_controls": [
            {"control": "HTTP/2 server push disabled", "verification": "CI config check"},
            {"control": "WAF rule for malformed SETTINGS", "verification": "Synthetic probe"},
        ],
        "requested_by": "carol-eng",
        "requested_at": dt.datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
        "expires_at": dt.datetime(2026, 12, 19, 8, 0, tzinfo=UTC),
    }
    return changed(record, {**fields, **(edits or {})})


def decision_record(edits: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid medium-tier `approved` decision with one approval."""
    record: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "Decision",
        "change_id": "payments-api-7.4.2",
        "outcome": "approved",
        "evidence": {"path": "evidence/2026-11/payments-api-7.4.2.yaml", "sha256": SHA_A},
        "risk": {
            "score": "55.25",
            "tier": "medium",
            "model_version": "1.0",
            "model_sha256": SHA_B,
            "breakdown": [
                {
                    "factor": "vulnerabilities",
                    "raw": "0.5",
                    "normalized": 20,
                    "weight": 20,
                    "contribution": "4.00",
                }
            ],
        },
        "approvals": [
            {
                "login": "dave-cab",
                "user_id": 4242,
                "team": "example/cab",
                "team_id": 7,
                "team_members": ["dave-cab", "erin-cab"],
                "review_id": 99,
                "reviewed_sha": GIT_SHA,
                "evidence_sha256": SHA_A,
                "approved_at": dt.datetime(2026, 11, 4, 10, 0, tzinfo=UTC),
            }
        ],
        "rationale": "Medium risk; approved by the CAB.",
        "decided_at": dt.datetime(2026, 11, 4, 10, 5, tzinfo=UTC),
        "decided_by": "cab-bot",
        "previous": None,
    }
    return changed(record, {**fields, **(edits or {})})


def history_policy(start: str | None = None, accepted: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A `policy/history.yaml` document: `accepted` maps commit ids to the reason each was accepted."""
    doc: dict[str, Any] = {"apiVersion": "cab/v1", "kind": "History"}
    if start is not None:
        doc["start"] = start
    doc["bootstrap"] = [{"commit": sha, "reason": why} for sha, why in (accepted or {}).items()]
    return doc


def freeze_window(**fields: Any) -> dict[str, Any]:
    """One window of `policy/freeze.yaml`: 2026-11-20 12:00-18:00 Berlin time, on every component."""
    window: dict[str, Any] = {
        "name": "release-day",
        "reason": "Release day: no changes",
        "start": dt.datetime(2026, 11, 20, 12, 0),
        "end": dt.datetime(2026, 11, 20, 18, 0),
        "time_zone": "Europe/Berlin",
        "components": "all",
    }
    return {**window, **fields}


def freeze_calendar(*windows: Mapping[str, Any]) -> dict[str, Any]:
    """A `policy/freeze.yaml` document (kind FreezeCalendar) with these windows."""
    return {"apiVersion": "cab/v1", "kind": "FreezeCalendar", "windows": [dict(w) for w in windows]}


def two_factor_model(weights: tuple[int, int], low_max: int = 50, medium_max: int = 75) -> dict[str, Any]:
    """A RiskModel whose normalized values are set directly by the pack, for exact-score tests.

    Factor `a` maps `scope.affected_users` = n (0..100) to risk n; factor `b` maps
    `tests.failed` = n to risk n. Use `pack_with_risks(a, b)` to build the matching pack.
    """

    return {
        "apiVersion": "cab/v1",
        "kind": "RiskModel",
        "version": "9.0",
        "description": "Test model: two factors whose risks the pack sets exactly.",
        "thresholds": {"low_max": low_max, "medium_max": medium_max},
        "factors": [
            {
                "name": "a_users",
                "description": "Affected users, read as risk.",
                "measure": "affected_users",
                "weight": weights[0],
                "rubric": _exact_bands(),
            },
            {
                "name": "b_failures",
                "description": "Failed tests, read as risk.",
                "measure": "test_failures",
                "weight": weights[1],
                "rubric": _exact_bands(),
            },
        ],
    }


EXACT_RISKS = (0, 20, 49, 50, 51, 60, 74, 75, 76, 100)


def _exact_bands() -> dict[str, Any]:
    """Raw value r ∈ EXACT_RISKS maps to risk r (bands are capped at 20 per rubric)."""
    bands: list[dict[str, Any]] = [{"max": r, "risk": r} for r in EXACT_RISKS[:-1]]
    return {"type": "bands", "bands": [*bands, {"risk": 100}], "missing": 100}


def pack_with_risks(a: int, b: int) -> dict[str, Any]:
    """A pack whose two_factor_model risks are exactly `a` and `b` (each one of EXACT_RISKS)."""
    if a not in EXACT_RISKS or b not in EXACT_RISKS:
        raise ValueError(f"risks must be among {EXACT_RISKS}")
    return evidence_pack(
        {
            "scope.affected_users": a,
            "tests.failed": b,
            "tests.errored": 0,
            "tests.lab": REMOVE,
            "tests.ring0": REMOVE,
        }
    )


class _StyledDumper(yaml.SafeDumper):
    """SafeDumper that writes strings in a chosen quoting style and never resolves them as 1.1 types."""

    string_style: str | None = None


def _represent_str(dumper: _StyledDumper, value: str) -> yaml.ScalarNode:
    style = dumper.string_style
    if style is None and _reads_as_non_string(value):
        style = '"'  # a plain `1e3` or `NO` would be read back as something else
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _reads_as_non_string(value: str) -> bool:
    try:
        return load_bytes(f"k: {value}\n".encode(), "<probe>").data["k"] != value
    except InputError:
        return True


_StyledDumper.add_representer(str, _represent_str)


def dump_yaml(
    data: Mapping[str, Any],
    *,
    quote: str | None = None,
    flow: bool | None = False,
    indent: int = 2,
    sort_keys: bool = False,
    comments: bool = False,
    blank_lines: bool = False,
    seed: int = 0,
) -> str:
    """Serialise `data` in one of many equivalent YAML styles.

    `quote` is None (plain where safe), `'"'` or `"'"` for every string; `flow` False writes block
    style, None puts innermost collections inline (`{a: 1}`), True all of it (datetimes then need
    `!!timestamp`, which the strict loader rejects); `comments` inserts full-line comments and a
    header; `blank_lines` adds empty lines; `seed` picks where.
    """
    dumper = type("Dumper", (_StyledDumper,), {"string_style": quote})
    text = yaml.dump(
        dict(data),
        Dumper=dumper,
        default_flow_style=flow,
        indent=indent,
        sort_keys=sort_keys,
        allow_unicode=True,
        width=1_000_000,
    )
    if not (comments or blank_lines):
        return text
    rng = random.Random(seed)
    lines = text.splitlines()
    out = ["# yaml-language-server: $schema=../../schemas/evidence-pack.schema.json"] if comments else []
    for line in lines:
        if comments and rng.random() < 0.3:
            out.append(" " * rng.randint(0, 6) + "# a comment that must not matter: key: value")
        if blank_lines and rng.random() < 0.3:
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


def write_yaml(path: Path, data: Mapping[str, Any], **style: Any) -> Path:
    """Write `data` as YAML at `path` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(data, **style), encoding="utf-8")
    return path


def standard_change(edits: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid standard-change template for the payments patch releases (fields replace its own)."""
    template: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "StandardChange",
        "name": "payments-patch",
        "description": "Routine patch releases of the payments API, piloted in ring 0.",
        "components": ["payments-api"],
        "max_score": 60,
        "required_attachments": [],
    }
    return changed({**template, **fields}, edits)


def emergency_policy(**fields: Any) -> dict[str, Any]:
    """A valid emergency policy: the CAB team is on call, retro-review within 5 days."""
    return {
        "apiVersion": "cab/v1",
        "kind": "EmergencyPolicy",
        "on_call": ["@example/cab"],
        "retro_review_days": 5,
        **fields,
    }
