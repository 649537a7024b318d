"""`cab audit --jobs N`: history cut into ranges, audited at once, merged as if in one pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.adapters.environment import bot_identity, usable_cores
from bot.cli import audit_cmd, main
from bot.services.audit import ranges, service
from bot.services.audit.service import AuditOptions, AuditReport, run
from tests.builders import dump_yaml, history_policy
from tests.repo_builder import OUTSIDER, RepoBuilder, Tweak, honest_history


def audit_with(root: Path, jobs: int) -> AuditReport:
    return run(AuditOptions(root=root, bot=bot_identity({}), use_cache=False, jobs=jobs))


@pytest.fixture
def tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranges, "MIN_RANGE", 1)  # so that a test history is worth splitting


@pytest.mark.usefixtures("tiny_ranges")
def test_ranges_cover_the_history_newest_first_without_gaps() -> None:
    ids = [f"{n:040x}" for n in range(10, 0, -1)]
    parts = ranges.split(ids, 3)
    assert [(p.head, p.stop) for p in parts] == [(ids[0], ids[4]), (ids[4], ids[8]), (ids[8], None)]


def test_a_short_history_is_not_split() -> None:
    ids = [f"{n:040x}" for n in range(ranges.MIN_RANGE + 1, 0, -1)]
    assert ranges.split(ids, 4) == [ranges.Range(ids[0], None)]


@pytest.mark.usefixtures("tiny_ranges")
def test_a_clean_history_audits_clean_in_ranges(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    one, several = audit_with(builder.root, 1), audit_with(builder.root, 3)
    assert several.findings == one.findings == []
    assert (several.commits, several.stats.as_dict()) == (one.commits, one.stats.as_dict())


@pytest.mark.usefixtures("tiny_ranges")
def test_a_broken_link_on_a_range_boundary_is_found_as_in_one_pass(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    builder.decide("payments-api-2", "low", Tweak(previous=None))
    builder.decide("payments-api-3", "low")
    one = audit_with(builder.root, 1)
    every_commit_its_own_range = audit_with(builder.root, one.commits)
    assert {f.rule for f in one.findings} == {"chain.broken"}
    assert every_commit_its_own_range.findings == one.findings


def push(builder: RepoBuilder, path: str, text: str) -> str:
    builder.write(path, text)
    return builder.commit(f"Update {path}", who=OUTSIDER)


@pytest.mark.usefixtures("tiny_ranges")
def test_ranges_older_than_the_history_start_need_no_decision_as_in_one_pass(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    for n in range(3):  # the root, and two more commits before the CAB
        push(builder, "README.md", f"before the CAB ({n})\n")
    start = push(builder, "README.md", "still before the CAB\n")
    honest_history(builder)
    push(builder, "policy/history.yaml", dump_yaml(history_policy(start=start)))  # unaccounted itself
    one = audit_with(builder.root, 1)
    every_commit_its_own_range = audit_with(builder.root, one.commits)
    assert builder.head() in [f.commit for f in one.findings if f.rule == "history.unaccounted"]
    assert every_commit_its_own_range.findings == one.findings


@pytest.mark.usefixtures("tiny_ranges")
def test_spawned_workers_find_what_forked_ones_find(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the workers are spawned (macOS), all they are given and return crosses a pipe."""
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    builder.decide("payments-api-2", "low", Tweak(previous=None))
    forked = audit_with(builder.root, 2)
    monkeypatch.setattr(ranges, "START_METHOD", "spawn")
    spawned = audit_with(builder.root, 2)
    assert {f.rule for f in forked.findings} == {"chain.broken"}
    assert spawned.findings == forked.findings
    assert spawned.stats.as_dict() == forked.stats.as_dict()


# --- how many by default ---------------------------------------------------------------------


def test_auto_uses_the_usable_cores_up_to_the_cap() -> None:
    assert [audit_cmd.jobs_for("auto", cores) for cores in (1, 2, 16)] == [1, 2, audit_cmd.MAX_AUTO_JOBS]


def test_a_number_of_jobs_is_taken_as_given_whatever_the_cores() -> None:
    assert audit_cmd.jobs_for(8, 2) == 8


def test_the_usable_cores_are_the_affinity_not_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3}, raising=False)
    assert usable_cores() == 1


def test_cab_audit_asks_for_a_process_per_usable_core_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    asked: list[int] = []
    real = ranges.audit_in_parallel
    monkeypatch.setattr(service, "audit_in_parallel", lambda *a, **k: asked.append(a[3]) or real(*a, **k))
    monkeypatch.setattr("bot.adapters.environment.usable_cores", lambda: 3)
    assert main(["audit", "--no-cache", "--repo", str(builder.root)]) == 0
    assert main(["audit", "--no-cache", "--jobs", "1", "--repo", str(builder.root)]) == 0
    assert asked == [3]  # the second ran in one process, without the ranges


def test_jobs_refuses_what_is_neither_a_number_nor_auto(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--jobs", "all", "--repo", str(tmp_path)]) == 2
    assert "'all' is not a whole number from 1 to 64, nor auto" in capsys.readouterr().err
