"""Formats are recognised from content alone, whatever the file is called."""

from pathlib import Path

import pytest

from bot.adapters.importers import detect
from bot.adapters.importers.detect import Format
from bot.adapters.importers.interface import ToolOutputError, read_tool_output
from tests.tool_fixtures import tool


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("trivy/alpine-39.json", Format.TRIVY_JSON),
        ("trivy/cargo-lock-clean.json", Format.TRIVY_JSON),
        ("grype/empty-no-matches.json", Format.GRYPE_JSON),
        ("grype/ghsa-medium.json", Format.GRYPE_JSON),
        ("sbom/cyclonedx/trivy-npm.cdx-1.7.json", Format.CYCLONEDX_JSON),
        ("sbom/spdx/SPDXJSONExample-v2.3.spdx.json", Format.SPDX_JSON),
        ("junit/pytest-failures.xml", Format.JUNIT_XML),
        ("junit/jenkins-android-skips.xml", Format.JUNIT_XML),
        ("coverage/coveragepy-branch.cobertura.xml", Format.COBERTURA_XML),
        ("coverage/js-sample.lcov", Format.LCOV),
        ("plan/change-plan.yaml", Format.CHANGE_PLAN),
    ],
)
def test_format_is_detected_from_content_even_under_a_misleading_name(
    tmp_path: Path, fixture: str, expected: Format
) -> None:
    disguised = tmp_path / "report.txt"
    disguised.write_bytes(tool(fixture).read_bytes())
    assert detect.sniff(disguised.read_bytes(), str(disguised)).format is expected


def test_json_of_an_unknown_shape_names_its_top_level_keys() -> None:
    found = detect.sniff(b'{"name": "x", "items": []}', "other.json")
    assert found.format is Format.OTHER_JSON
    assert found.describe() == "JSON of no format cab knows (top-level keys: items, name)"


def test_xml_root_that_no_importer_reads_is_named() -> None:
    found = detect.sniff(b"<project><modelVersion>4.0.0</modelVersion></project>", "pom.xml")
    assert found.describe() == "XML of no format cab knows (root element <project>)"


def test_utf16_file_is_refused_with_the_reason() -> None:
    with pytest.raises(ToolOutputError, match=r"x\.json:1:1: file is UTF-16"):
        detect.sniff('{"a": 1}'.encode("utf-16"), "x.json")


def test_nan_in_json_is_refused() -> None:
    with pytest.raises(ToolOutputError, match="NaN is not a number JSON allows"):
        detect.sniff(b'{"SchemaVersion": NaN, "Results": []}', "x.json")


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    with pytest.raises(ToolOutputError, match="nested too deeply"):
        detect.sniff(b"[" * 100_000 + b"]" * 100_000, "deep.json")


def test_oversized_tool_output_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_bytes(b"{}")
    with pytest.raises(ToolOutputError, match=r"huge\.json:1:1: file is 2 bytes; the limit is 1 bytes"):
        read_tool_output(path, limit=1)


def test_a_key_repeated_in_a_json_object_is_refused_where_it_repeats() -> None:
    # A later "Results": [] would otherwise replace the results before it, findings and all.
    raw = b'{"SchemaVersion": 2,\n "Results": [{"Target": "app"}],\n "Results": []}'
    with pytest.raises(ToolOutputError, match=r"x\.json:3:2: key 'Results' appears twice in one object"):
        detect.sniff(raw, "x.json")


def test_a_repeated_key_in_a_nested_object_is_refused_too() -> None:
    raw = b'{"descriptor": {"name": "grype", "name": "other"}, "matches": []}'
    with pytest.raises(ToolOutputError, match="key 'name' appears twice"):
        detect.sniff(raw, "x.json")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.5e309"])
def test_a_json_number_too_large_for_a_finite_float_is_refused(number: str) -> None:
    raw = b'{"descriptor": {"name": "grype"},\n "matches": [], "cvss": ' + number.encode() + b"}"
    with pytest.raises(ToolOutputError, match=rf"x\.json:2:\d+: number {number} is too large"):
        detect.sniff(raw, "x.json")


def test_xml_naming_an_external_dtd_is_refused() -> None:
    raw = b'<?xml version="1.0"?>\n<!DOCTYPE testsuite SYSTEM "http://attacker.example/t.dtd">\n<testsuite/>'
    with pytest.raises(ToolOutputError, match=r"x\.xml:2:1: XML names an external DTD \(http://attacker"):
        detect.sniff(raw, "x.xml")


def test_a_bare_doctype_without_an_external_dtd_is_still_read() -> None:
    found = detect.sniff(b'<!DOCTYPE coverage>\n<coverage line-rate="0.5"/>', "c.xml")
    assert found.format is Format.COBERTURA_XML


@pytest.mark.parametrize("root", ["<testsuite/>", '<coverage line-rate="0.9"/>'])
def test_xml_declaring_utf7_is_refused_by_name(root: str) -> None:
    raw = b'<?xml version="1.0" encoding="UTF-7"?>\n' + root.encode()
    with pytest.raises(ToolOutputError, match=r"x\.xml:1:\d+: XML declares encoding 'UTF-7'"):
        detect.sniff(raw, "x.xml")


def test_xml_in_iso_8859_1_is_still_read() -> None:
    raw = '<?xml version="1.0" encoding="ISO-8859-1"?><testsuite name="café"/>'.encode("latin-1")
    assert detect.sniff(raw, "x.xml").format is Format.JUNIT_XML
