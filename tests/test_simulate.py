"""`cab simulate`: re-scoring past decisions under a proposed model, from git history alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.repo_builder import PROJECT, RepoBuilder, honest_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> RepoBuilder:
    """One decision per tier (low, medium, high), as the lifecycle records them."""
    builder = RepoBuilder(tmp_path_factory.mktemp("cab"))
    honest_history(builder)
    return builder


def proposed_model(tmp_path: Path, *, low_max: int, medium_max: int, version: str = "9.0") -> Path:
    model = yaml.safe_load((PROJECT / "risk-model" / "v1.0.yaml").read_text())
    model["version"] = version
    model["thresholds"] = {"low_max": low_max, "medium_max": medium_max}
    path = tmp_path / f"v{version}.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False))
    return path


def simulate_json(repo: Path, model: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["simulate", "--repo", str(repo), "--model", str(model), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_current_model_moves_nothing(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = proposed_model(tmp_path, low_max=50, medium_max=75)
    result = simulate_json(history.root, same, capsys=capsys)
    assert (result["decisions"], result["moved"]) == (3, 0)
    assert [result["matrix"][tier][tier] for tier in ("low", "medium", "high")] == [1, 1, 1]


def test_a_stricter_model_shows_which_decisions_move_up_and_by_how_much(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = proposed_model(tmp_path, low_max=1, medium_max=2)
    result = simulate_json(history.root, strict, capsys=capsys)
    assert result["matrix"]["low"]["high"] + result["matrix"]["low"]["medium"] == 1
    assert result["matrix"]["medium"]["high"] == 1
    assert {m["change_id"] for m in result["movers"]} == {"payments-api-1", "identity-gw-1"}
    assert all(m["delta"] == "+0.00" for m in result["movers"])  # same factors: only the bands moved


def test_since_limits_the_simulation_to_decisions_that_landed_after_a_revision(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = proposed_model(tmp_path, low_max=1, medium_max=2)
    before_high = history.git("rev-parse", "HEAD~1")
    result = simulate_json(history.root, strict, "--since", before_high, capsys=capsys)
    assert result["decisions"] == 1
    assert result["moved"] == 0  # the high change stays high


def test_markdown_output_has_the_tier_shift_matrix_for_a_pr_comment(
    history: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = proposed_model(tmp_path, low_max=1, medium_max=2)
    assert (
        main(["simulate", "--repo", str(history.root), "--model", str(strict), "--format", "markdown"]) == 0
    )
    out = capsys.readouterr().out
    assert "| recorded \\ proposed | low | medium | high |" in out
    assert "| `identity-gw-1` | approved | medium" in out


def test_a_model_that_is_not_a_risk_model_is_refused_with_exit_2(
    history: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = history.root / "evidence" / "2026-11" / "payments-api-1.yaml"
    assert main(["simulate", "--repo", str(history.root), "--model", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(pack) in err


def test_a_decision_whose_evidence_is_gone_is_listed_as_unreadable_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    builder.git("rm", "-q", "evidence/2026-11/identity-gw-1.yaml")
    builder.commit("remove evidence")
    result = simulate_json(builder.root, proposed_model(tmp_path, low_max=50, medium_max=75), capsys=capsys)
    assert result["decisions"] == 2
    assert [u["change_id"] for u in result["unreadable"]] == ["identity-gw-1"]


def test_an_attested_change_keeps_its_tier_when_its_own_model_is_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's attested low change is low only because its bundle verifies: the simulation
    checks the attachments as the bot did, so re-running the model it was decided under moves nothing."""
    demo = tmp_path / "demo"
    assert main(["demo", str(demo)]) == 0
    capsys.readouterr()
    result = simulate_json(demo, demo / "risk-model" / "v1.1.yaml", capsys=capsys)
    assert (result["decisions"], result["moved"], result["matrix"]["low"]["low"]) == (7, 0, 1)
