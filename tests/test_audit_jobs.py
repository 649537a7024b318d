"""`cab audit --jobs N`: history cut into ranges, audited at once, merged as if in one pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.environment import bot_identity
from bot.services.audit import ranges
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
