"""`cab export`: the population of decisions, each re-verified by the audit, written as CSV, JSON
Lines or SQLite. Rows come newest first, as git's first-parent log streams them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.adapters.git.object_store import GitRepository
from bot.domain import documents
from bot.domain.errors import CabError
from bot.domain.git_objects import Change
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.models import Decision, ExceptionDecision
from bot.domain.population import COLUMNS, Row, row_of, unreadable_row, within
from bot.services.audit.service import AuditOptions
from bot.services.audit.service import run as run_audit

FORMATS = ("csv", "jsonl", "sqlite")
_KINDS = {"Decision": "change", "ExceptionDecision": "exception"}


def rows(
    root: Path,
    bot: BotIdentity,
    ref: str = "HEAD",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    use_cache: bool = True,
) -> Iterator[Row]:
    """Every decision that landed on REF's first-parent history, marked with what the audit found
    at its merge commit or later on its record."""
    report = run_audit(AuditOptions(root=root, bot=bot, ref=ref, use_cache=use_cache))
    by_commit: dict[str, list[str]] = {}
    by_path: dict[str, list[str]] = {}
    for finding in report.findings:
        text = f"{finding.rule}: {finding.message}"
        by_commit.setdefault(finding.commit, []).append(text)
        if finding.path is not None:
            by_path.setdefault(finding.path, []).append(text)
    with GitRepository(root) as repo:
        for entry in repo.first_parent_log(report.head):
            for change in entry.changes:
                governed = classify(change.path)
                if change.status != "A" or governed is None or governed.kind not in _KINDS:
                    continue
                at_merge = by_commit.get(entry.sha, []) + by_path.get(change.path, [])
                try:
                    record = documents.parse(repo.blob(change.new_oid), change.path).model
                except CabError as exc:
                    why = f"unreadable record: {str(exc).splitlines()[0]}"
                    row = unreadable_row(_KINDS[governed.kind], governed.id, change.path, entry.sha, why)
                else:
                    assert isinstance(record, Decision | ExceptionDecision)
                    row = row_of(record, change.path, entry.sha, ())
                # the decision's own commit, and anything later done to its record or its evidence
                later = by_path.get(row.evidence_path, []) if row.evidence_path else []
                pack = _pack(repo, entry.changes, row.evidence_path)
                row = replace(
                    row,
                    problems=(*row.problems, *dict.fromkeys(at_merge + later)),
                    submitted_at=_submitted(pack),
                    fixes=tuple(getattr(pack, "fixes", ())),
                    rolls_back=getattr(pack, "rolls_back", None),
                )
                if within(row, since, until):
                    yield row


def _pack(repo: GitRepository, changes: Iterable[Change], evidence_path: str) -> object | None:
    """The pack (or exception) the decision merged, if it is readable."""
    for change in changes:
        if change.path == evidence_path and change.status in ("A", "M"):
            try:
                model: object = documents.parse(repo.blob(change.new_oid), change.path).model
            except CabError:
                return None
            return model
    return None


def _submitted(model: object | None) -> dt.datetime | None:
    """When the pack (or exception) was submitted (requested)."""
    moment = getattr(model, "submitted_at", None) or getattr(model, "requested_at", None)
    return moment if isinstance(moment, dt.datetime) else None


def write_text(found: Iterable[Row], fmt: str, out: TextIO) -> tuple[int, int]:
    """CSV or JSON Lines to a stream; (rows, rows that failed verification)."""
    count = failed = 0
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in found:
        count += 1
        failed += not row.verified
        if writer is not None:
            writer.writerow(row.flat())
        else:
            out.write(json.dumps(row.as_dict(), sort_keys=False) + "\n")
    return count, failed


def write_file(found: Iterable[Row], fmt: str, path: Path) -> tuple[int, int]:
    """Write the whole export next to `path` and move it into place: a failed run leaves no half file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        if fmt == "sqlite":
            counts = _write_sqlite(found, Path(temporary))
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as out:
                counts = write_text(found, fmt, out)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return counts


_SCHEMA = """
CREATE TABLE decisions (
  kind TEXT NOT NULL, id TEXT NOT NULL, outcome TEXT NOT NULL, tier TEXT, score TEXT,
  model_version TEXT, model_sha256 TEXT, evidence_path TEXT, evidence_sha256 TEXT,
  decided_at TEXT, pull_request INTEGER, record_path TEXT NOT NULL, merge_commit TEXT NOT NULL,
  verified INTEGER NOT NULL, problems TEXT NOT NULL
);
CREATE TABLE approvals (
  record_path TEXT NOT NULL, login TEXT NOT NULL, team TEXT NOT NULL, approved_at TEXT NOT NULL,
  review_id INTEGER NOT NULL
);
CREATE TABLE decision_exceptions (record_path TEXT NOT NULL, exception_id TEXT NOT NULL);
"""


def _write_sqlite(found: Iterable[Row], path: Path) -> tuple[int, int]:
    count = failed = 0
    connection = sqlite3.connect(path)
    try:
        connection.executescript(_SCHEMA)
        for row in found:
            count += 1
            failed += not row.verified
            flat = row.flat()
            connection.execute(
                "INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.kind,
                    row.id,
                    row.outcome,
                    row.tier,
                    row.score,
                    row.model_version,
                    row.model_sha256,
                    row.evidence_path,
                    row.evidence_sha256,
                    flat["decided_at"] or None,
                    row.pull_request,
                    row.record_path,
                    row.merge_commit,
                    int(row.verified),
                    flat["problems"],
                ),
            )
            connection.executemany(
                "INSERT INTO approvals VALUES (?,?,?,?,?)",
                [(row.record_path, a.login, a.team, a.at, a.review_id) for a in row.approvers],
            )
            connection.executemany(
                "INSERT INTO decision_exceptions VALUES (?,?)", [(row.record_path, e) for e in row.exceptions]
            )
        connection.commit()
    finally:
        connection.close()
    return count, failed


def to_string(found: Iterable[Row], fmt: str) -> str:
    """The CSV or JSON Lines text (tests, small exports)."""
    out = io.StringIO()
    write_text(found, fmt, out)
    return out.getvalue()
