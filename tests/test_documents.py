"""Reading governed documents: every bad input is refused with its line and a message a user can act on.

The corpus in tests/fixtures/bad/ covers every "Input" class of THREATS.md; `cases.csv` there names
each file's expected error line and a fragment of the message. Inputs that should not be committed
(huge files, symlinks) are made in tmp_path.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.adapters import files
from bot.cli import main
from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.models import EvidencePack, ExceptionRecord, RiskModel
from bot.domain.strict_yaml import DEFAULT_LIMITS
from tests.builders import REMOVE, dump_yaml, evidence_pack, exception_record, write_yaml

BAD = Path(__file__).parent / "fixtures" / "bad"
ROOT = Path(__file__).resolve().parent.parent


def _cases() -> list[tuple[str, int, str]]:
    with open(BAD / "cases.csv", newline="", encoding="utf-8") as handle:
        return [(row["file"], int(row["line"]), row["message"]) for row in csv.DictReader(handle)]


CASES = _cases()


def _problem(path: Path) -> tuple[int, str]:
    with pytest.raises(InputError) as caught:
        files.load(path)
    first = caught.value.problems[0]
    assert first.source == str(path)
    return first.line, first.message


def test_bad_corpus_is_large_and_every_file_has_an_expectation() -> None:
    files = sorted(p.name for p in BAD.glob("*.yaml"))
    assert len(files) >= 30
    assert files == sorted(name for name, _, _ in CASES)


@pytest.mark.parametrize(("name", "line", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_rejected_at_its_line_with_a_meaningful_message(
    name: str, line: int, fragment: str
) -> None:
    got_line, message = _problem(BAD / name)
    assert (got_line, fragment in message) == (line, True), message


@pytest.mark.parametrize(("name", "line", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_cab_validate_exits_2_on_bad_input_without_a_traceback(
    name: str, line: int, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BAD / name
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{path}:{line}:" in err
    assert fragment in err


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_checking_without_the_hash_refuses_bad_input_with_the_same_problems(name: str) -> None:
    raw = (BAD / name).read_bytes()
    with pytest.raises(InputError) as parsed:
        documents.parse(raw, name)
    with pytest.raises(InputError) as checked:
        documents.check(raw, name)
    assert checked.value.problems == parsed.value.problems


def test_checking_without_the_hash_gives_the_model_parse_gives() -> None:
    raw = dump_yaml(evidence_pack()).encode()
    assert documents.check(raw, "pack.yaml") == documents.parse(raw, "pack.yaml").model


# --- inputs generated at test time


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    filler = "# padding\n" * (DEFAULT_LIMITS.max_bytes // 10 + 1)
    path.write_text(dump_yaml(evidence_pack()) + filler, encoding="utf-8")
    assert _problem(path) == (1, f"file is {path.stat().st_size} bytes; the limit is 1048576 bytes")


def test_bytes_over_the_size_limit_are_refused_without_a_file() -> None:
    raw = b"a: 1\n" * (DEFAULT_LIMITS.max_bytes // 5 + 1)
    with pytest.raises(InputError, match="the limit is 1048576 bytes"):
        documents.parse(raw, "<pr blob>")


def test_huge_scalar_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "scalar.yaml", evidence_pack(description="x" * (DEFAULT_LIMITS.max_scalar_chars + 1))
    )
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("description:")
    )
    assert _problem(path) == (line, "value longer than 65536 characters")


def test_symlinked_file_is_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write_yaml(tmp_path / "elsewhere" / "real.yaml", evidence_pack())
    link = tmp_path / "evidence" / "2026-11" / "payments-api-7.4.2.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    assert _problem(link) == (1, "is a symbolic link; governed files must be regular files")
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    assert "is a symbolic link" in capsys.readouterr().err


def test_symlinked_directory_under_a_governed_path_is_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(tmp_path / "outside" / "payments-api-7.4.2.yaml", evidence_pack())
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "2026-11").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert main(["validate", "--repo", str(tmp_path)]) == 2
    assert "is a symbolic link" in capsys.readouterr().err


def test_directory_is_not_a_regular_file(tmp_path: Path) -> None:
    assert _problem(tmp_path) == (1, "is not a regular file")


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    assert _problem(tmp_path / "absent.yaml") == (1, "file not found")


# --- NaN and infinities never reach scoring


@pytest.mark.parametrize("spelling", [".nan", ".NaN", ".inf", "-.Inf", "+.INF", "1e999", "-1e999"])
@pytest.mark.parametrize("field", ["tests.coverage_percent", "rollout.rings.0.percent"])
def test_non_finite_numbers_are_rejected_by_the_loader(field: str, spelling: str) -> None:
    text = dump_yaml(evidence_pack({field: 12345.5})).replace("12345.5", spelling)
    with pytest.raises(InputError, match="numbers must be finite"):
        documents.parse(text.encode(), "pack.yaml")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected_by_the_model_too(value: float) -> None:
    with pytest.raises(ValidationError):
        EvidencePack.model_validate(evidence_pack({"tests.coverage_percent": value}))


def test_non_finite_band_bound_cannot_enter_a_risk_model() -> None:
    text = (
        (ROOT / "risk-model" / "v1.0.yaml").read_text().replace("{max: 3, risk: 20}", "{max: .nan, risk: 20}")
    )
    with pytest.raises(InputError, match="numbers must be finite"):
        documents.parse(text.encode(), "v1.0.yaml", RiskModel)


# --- error locations and messages


def _first(text: str, expect: type[EvidencePack] | None = None) -> tuple[int, int, str]:
    with pytest.raises(InputError) as caught:
        documents.parse(text.encode(), "pack.yaml", expect)
    problem = caught.value.problems[0]
    return problem.line, problem.column, problem.message


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_error_in_a_nested_list_item_points_at_that_item() -> None:
    pack = evidence_pack(
        {
            "rollout.rings": [
                {"name": "ring0", "percent": 5},
                {"name": "ring1", "percent": 50},
                {"name": "ring2", "percent": 1000},
            ]
        }
    )
    text = dump_yaml(pack)
    line, _, message = _first(text)
    assert line == _line_of(text, "percent: 1000")
    assert message.startswith("rollout.rings[2].percent: ")


def test_error_in_a_flow_list_item_points_at_its_column() -> None:
    text = dump_yaml(evidence_pack(), flow=None).replace("severity: high", "severity: catastrophic")
    line, column, message = _first(text)
    assert line == _line_of(text, "catastrophic")
    assert column == text.splitlines()[line - 1].index("catastrophic") + 1
    assert message.startswith("vulnerability_scan.findings[0].severity: Input should be 'critical'")


def test_missing_required_field_points_at_its_parent() -> None:
    text = dump_yaml(evidence_pack({"artifact.sha256": REMOVE}))
    assert _first(text) == (_line_of(text, "artifact:") + 1, 3, "artifact.sha256: required field is missing")


def test_unknown_field_points_at_its_key() -> None:
    text = dump_yaml(evidence_pack({"artifact.approved_by": "mallory"}))
    line, column, message = _first(text)
    assert (line, column) == (_line_of(text, "approved_by"), 3)
    assert message == "artifact.approved_by: unknown field (not in the EvidencePack schema)"


def test_every_problem_in_a_document_is_reported() -> None:
    text = dump_yaml(evidence_pack(title="", requester="not a login", complexity="extreme"))
    with pytest.raises(InputError) as caught:
        documents.parse(text.encode(), "pack.yaml")
    fields = sorted(p.message.split(":")[0] for p in caught.value.problems)
    assert fields == ["complexity", "requester", "title"]


def test_version_1_10_for_a_text_field_asks_for_quotes() -> None:
    text = dump_yaml(evidence_pack()).replace("version: 7.4.2", "version: 1.10")
    assert _first(text)[2] == (
        "artifact.version: expected text, but YAML reads '1.10' as a number; put it in quotes: \"1.10\""
    )


@pytest.mark.parametrize("spelling", ["!!str 1.10", '"1.10"', "'1.10'"])
def test_explicit_string_keeps_the_text_exactly(spelling: str) -> None:
    text = dump_yaml(evidence_pack()).replace("version: 7.4.2", f"version: {spelling}")
    assert documents.parse(text.encode(), "pack.yaml").model.artifact.version == "1.10"


def test_str_tag_on_a_mapping_is_refused() -> None:
    text = dump_yaml(evidence_pack()).replace("artifact:", "artifact: !!str", 1)
    assert _first(text)[2] == "tag 'tag:yaml.org,2002:str' is not allowed"


def test_missing_kind_lists_the_kinds() -> None:
    assert _first("apiVersion: cab/v1\ntitle: x\n") == (
        1,
        1,
        "missing 'kind' (one of: Decision, EmergencyPolicy, EvidencePack, Exception, ExceptionDecision, "
        "FreezeCalendar, History, PolicyDecision, RetroApproval, RiskModel, Signers, StandardChange)",
    )


def test_expected_kind_overrides_the_documents_claim() -> None:
    text = dump_yaml(exception_record())
    assert _first(text, EvidencePack)[2] == "this is an Exception, not an EvidencePack"


def test_kind_chooses_the_model_when_none_is_expected() -> None:
    loaded = documents.parse(dump_yaml(exception_record()).encode(), "x.yaml")
    assert isinstance(loaded.model, ExceptionRecord)


def test_loaded_document_carries_its_canonical_hash_and_source() -> None:
    loaded = documents.parse(dump_yaml(evidence_pack()).encode(), "evidence/2026-11/p.yaml")
    reordered = documents.parse(dump_yaml(evidence_pack(), sort_keys=True).encode(), "other.yaml")
    assert (loaded.source, len(loaded.sha256)) == ("evidence/2026-11/p.yaml", 64)
    assert loaded.sha256 == reordered.sha256


def test_regular_file_loads_with_the_expected_kind(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "p.yaml", evidence_pack())
    assert files.load(path, EvidencePack).model.change_id == "payments-api-7.4.2"
