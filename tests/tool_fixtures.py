"""Paths of the real tool outputs in tests/fixtures/tools and a builder for `cab collect` argv."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.adapters.importers.interface import ScanReport

TOOLS = Path(__file__).resolve().parent / "fixtures" / "tools"


def tool(relative: str) -> Path:
    path = TOOLS / relative
    assert path.is_file(), f"missing fixture {path}"
    return path


def severities(report: ScanReport) -> dict[str, int]:
    return dict(Counter(f.severity for f in report.findings))


def collect_argv(root: Path, *extra: str, change_id: str = "demo-service-1.2.0") -> list[str]:
    """The smallest valid `cab collect` command line, plus `extra` arguments."""
    artifact = root / "artifact.bin"
    if not artifact.exists():
        root.mkdir(parents=True, exist_ok=True)
        artifact.write_bytes(b"release artifact bytes\n")
    return [
        "collect",
        "--change-id",
        change_id,
        "--title",
        "Demo service 1.2.0",
        "--requester",
        "alice-eng",
        "--submitted-at",
        "2026-11-05T10:00:00Z",
        "--artifact",
        str(artifact),
        "--artifact-name",
        "demo-service",
        "--artifact-version",
        "1.2.0",
        "--repo",
        str(root),
        *extra,
    ]
