"""Committed artifacts agree with the code: JSON Schemas, packaged model and examples, editor hints."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.adapters import files
from bot.cli import main
from bot.domain.canonical import canonical_bytes
from bot.domain.models import RiskModel
from bot.domain.schemas import SCHEMA_FILES
from bot.domain.strict_yaml import load_bytes
from tests.builders import evidence_pack

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ROOT / "bot" / "data"
EXAMPLES = sorted(
    [
        p.relative_to(ROOT).as_posix()
        for top in ("evidence", "exceptions")
        for p in (ROOT / top).rglob("*.yaml")
    ]
    + ["policy/signers.yaml"]  # the signer the attested example needs, seeded by `cab demo`
    + ["policy/freeze.yaml"]  # the freeze calendar `cab demo` seeds
    + ["policy/standard-changes/payments-patch.yaml", "policy/emergency.yaml"]  # `cab demo` approves them
)


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_committed_schema_equals_cab_schema_output(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", kind]) == 0
    committed = (ROOT / "schemas" / SCHEMA_FILES[kind]).read_text(encoding="utf-8")
    assert committed == capsys.readouterr().out, (
        f"regenerate: cab schema {kind} > schemas/{SCHEMA_FILES[kind]}"
    )


@pytest.mark.parametrize("version", ["v1.0.yaml", "v1.1.yaml"])
def test_packaged_risk_model_is_byte_identical_to_the_repository_copy(version: str) -> None:
    assert (PACKAGED / "risk-model" / version).read_bytes() == (ROOT / "risk-model" / version).read_bytes()


def test_every_example_is_packaged() -> None:
    packaged = sorted(
        p.relative_to(PACKAGED / "examples").as_posix() for p in (PACKAGED / "examples").rglob("*.yaml")
    )
    assert packaged == EXAMPLES


@pytest.mark.parametrize("relative", EXAMPLES)
def test_packaged_example_is_byte_identical(relative: str) -> None:
    assert (PACKAGED / "examples" / relative).read_bytes() == (ROOT / relative).read_bytes()


@pytest.mark.parametrize("relative", [*EXAMPLES, "risk-model/v1.0.yaml"])
def test_example_names_an_existing_schema_for_editors(relative: str) -> None:
    path = ROOT / relative
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (path.parent / match.group(1)).resolve().is_file()


def _wall_clock_as_text(value: Any) -> Any:
    """A freeze window's wall-clock times (naive: no canonical hash) as the text an editor sees."""
    if isinstance(value, dict):
        return {k: _wall_clock_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wall_clock_as_text(v) for v in value]
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.isoformat()
    return value


def _as_json(path: Path) -> Any:
    """What an editor's schema validator sees: the document as JSON (datetimes as strings)."""
    files.load_checked(path)
    return json.loads(canonical_bytes(_wall_clock_as_text(load_bytes(path.read_bytes(), str(path)).data)))


@pytest.mark.parametrize("relative", [*EXAMPLES, "risk-model/v1.0.yaml"])
def test_example_validates_against_its_json_schema(relative: str) -> None:
    doc = _as_json(ROOT / relative)
    kind = doc["kind"]
    schema = json.loads((ROOT / "schemas" / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_json_schema_rejects_an_unknown_field_like_the_model() -> None:
    schema = json.loads((ROOT / "schemas" / SCHEMA_FILES["EvidencePack"]).read_text(encoding="utf-8"))
    doc = json.loads(canonical_bytes(evidence_pack(approved_by="mallory")))
    with pytest.raises(jsonschema.ValidationError, match="approved_by"):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_risk_model_readme_documents_every_factor_with_its_weight() -> None:
    readme = (ROOT / "risk-model" / "README.md").read_text(encoding="utf-8")
    model = files.load(ROOT / "risk-model" / "v1.0.yaml", RiskModel).model
    for factor in model.factors:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{factor.name}` |")), "")
        assert f"`{factor.measure}`" in row, factor.name
        assert f"| {factor.weight} |" in row, factor.name
        assert f"| {factor.rubric.missing}" in row or factor.measure == "missing_sections", factor.name
    assert f"low_max: {model.thresholds.low_max}" in readme
    assert f"medium_max: {model.thresholds.medium_max}" in readme
