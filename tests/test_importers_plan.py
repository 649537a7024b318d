"""The team-kept change plan: strict YAML, the pack's own section models, located errors."""

from pathlib import Path

import pytest

from bot.adapters.importers import plan
from bot.adapters.importers.interface import ToolOutputError, WrongFormatError
from tests.tool_fixtures import tool


def test_plan_supplies_every_section_it_states() -> None:
    loaded = plan.load(tool("plan/change-plan.yaml"))
    assert loaded.rollback is not None
    assert loaded.rollback.tested
    assert loaded.install is not None
    assert loaded.install.timeout_seconds == 600
    assert loaded.rollout is not None
    assert [r.name for r in loaded.rollout.rings] == ["ring0", "ring1"]
    assert loaded.complexity == "low"


def test_sections_a_plan_leaves_out_stay_unset(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("apiVersion: cab/v1\nkind: ChangePlan\ncomplexity: medium\n")
    loaded = plan.load(path)
    assert loaded.model_fields_set == {"api_version", "kind", "complexity"}
    assert loaded.rollback is None


def test_unknown_field_is_an_error_at_its_line() -> None:
    with pytest.raises(ToolOutputError, match=r"plan-unknown-field\.yaml:6:1: risk_override: unknown field"):
        plan.load(tool("variants/plan-unknown-field.yaml"))


def test_misspelt_kind_is_reported_by_the_strict_loader(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("apiVersion: cab/v1\nkind: ChangePlann\n")
    with pytest.raises(ToolOutputError, match=r"plan\.yaml:2:7: kind: "):
        plan.load(path)


def test_yaml_one_one_coercion_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("apiVersion: cab/v1\nkind: ChangePlan\nrollback: {plan: revert, tested: yes}\n")
    with pytest.raises(ToolOutputError, match=r"plan\.yaml:3:\d+: rollback\.tested: expected true or false"):
        plan.load(path)


def test_a_scan_given_as_a_plan_says_what_it_looks_like() -> None:
    with pytest.raises(WrongFormatError, match=r"passed as --plan, but this looks like a Trivy"):
        plan.load(tool("trivy/test-repo.json"))
