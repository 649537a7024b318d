"""`cab export`: one row per decision, each re-verified by the audit; a failing row is marked, never dropped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from tests.repo_builder import RepoBuilder, honest_history

IDS = {"payments-api-1", "identity-gw-1", "edge-proxy-1", "edge-nghttp2"}


@pytest.fixture
def history(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    return builder


def export(repo: Path, *args: str, capsys: pytest.CaptureFixture[str], code: int = 0) -> str:
    """The export's stdout; its summary line on stderr is checked to count what it wrote."""
    assert main(["export", "--repo", str(repo), *args]) == code
    out, err = capsys.readouterr()
    assert err.startswith("cab export: ")
    return out


def test_csv_has_one_verified_row_per_change_and_exception_decision(
    history: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(export(history.root, capsys=capsys))))
    assert {r["id"] for r in rows} == IDS
    assert {r["verified"] for r in rows} == {"yes"}
    medium = next(r for r in rows if r["id"] == "identity-gw-1")
    assert (medium["tier"], medium["outcome"], medium["approvers"].split(" (")[0]) == (
        "medium",
        "approved",
        "carol-cab",
    )


def test_each_row_names_its_merge_commit_and_evidence_hash(
    history: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        json.loads(line) for line in export(history.root, "--format", "jsonl", capsys=capsys).splitlines()
    ]
    low = next(r for r in rows if r["id"] == "payments-api-1")
    merge = history.git("log", "--first-parent", "--format=%H", "--", low["record_path"]).splitlines()[-1]
    assert low["merge_commit"] == merge
    assert len(low["evidence_sha256"]) == 64 and low["verified"] is True


def test_a_decision_whose_evidence_was_edited_later_is_marked_not_dropped(
    history: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "evidence/2026-11/identity-gw-1.yaml"
    history.write(path, history.read(path).decode().replace("title:", "title: edited", 1))
    history.commit("edit decided evidence")
    assert main(["export", "--repo", str(history.root), "--format", "jsonl"]) == 1
    out, err = capsys.readouterr()
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == IDS
    assert rows["identity-gw-1"]["verified"] is False and rows["identity-gw-1"]["problems"]
    assert rows["payments-api-1"]["verified"] is True
    assert err == "cab export: 4 decisions, 1 failed verification\n"


def test_since_and_until_bound_the_decision_time(
    history: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        json.loads(line) for line in export(history.root, "--format", "jsonl", capsys=capsys).splitlines()
    ]
    times = sorted(dt.datetime.fromisoformat(r["decided_at"]) for r in rows)
    middle = times[1].isoformat()
    later = [
        json.loads(x)
        for x in export(history.root, "--format", "jsonl", "--since", middle, capsys=capsys).splitlines()
    ]
    earlier = [
        json.loads(x)
        for x in export(history.root, "--format", "jsonl", "--until", middle, capsys=capsys).splitlines()
    ]
    assert (len(later), len(earlier)) == (len(rows) - 1, 1)


def test_sqlite_export_can_be_queried_with_plain_sql(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "population.sqlite"
    export(history.root, "--format", "sqlite", "-o", str(db), capsys=capsys)
    with sqlite3.connect(db) as connection:
        tiers = dict(
            connection.execute("SELECT tier, count(*) FROM decisions WHERE kind = 'change' GROUP BY tier")
        )
        approvers = connection.execute(
            "SELECT a.login FROM approvals a JOIN decisions d USING (record_path) WHERE d.tier = 'high'"
        ).fetchall()
        relied = connection.execute("SELECT exception_id FROM decision_exceptions").fetchall()
    assert tiers == {"low": 1, "medium": 1, "high": 1}
    assert approvers == [("sam-sec",)]
    assert relied == [("edge-nghttp2",)]


def test_sqlite_needs_an_output_file(history: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--repo", str(history.root), "--format", "sqlite"]) == 2
    assert "needs -o FILE" in capsys.readouterr().err


def test_an_export_that_cannot_be_written_leaves_no_partial_file(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    assert main(["export", "--repo", str(history.root), "--ref", "nosuch", "-o", str(target)]) == 2
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []
