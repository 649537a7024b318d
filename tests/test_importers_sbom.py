"""CycloneDX and SPDX JSON: format, spec version, component count (nested included), file digest."""

import hashlib
from pathlib import Path

import pytest

from bot.adapters.importers import cyclonedx, spdx
from bot.adapters.importers.interface import ToolOutputError, WrongFormatError
from tests.tool_fixtures import tool


@pytest.mark.parametrize(
    ("fixture", "spec_version", "components"),
    [
        ("sbom/cyclonedx/laravel-7.12.0.cdx-1.4.json", "1.4", 62),
        ("sbom/cyclonedx/trivy-npm.cdx-1.7.json", "1.7", 13),
    ],
)
def test_cyclonedx_spec_version_and_component_count(fixture: str, spec_version: str, components: int) -> None:
    summary = cyclonedx.load(tool(fixture))
    assert (summary.format, summary.spec_version, summary.component_count) == (
        "cyclonedx",
        spec_version,
        components,
    )


def test_a_cyclonedx_vex_document_is_not_accepted_as_an_sbom() -> None:
    with pytest.raises(ToolOutputError, match=r"vex-cve-2020-25649\.cdx-1\.4\.json:\d+:\d+: .*VEX document"):
        cyclonedx.load(tool("sbom/cyclonedx/vex-cve-2020-25649.cdx-1.4.json"))


def test_a_cyclonedx_bom_without_components_is_not_an_sbom(tmp_path: Path) -> None:
    empty = tmp_path / "empty.cdx.json"
    empty.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}')
    with pytest.raises(ToolOutputError, match="lists no components"):
        cyclonedx.load(empty)


def test_cyclonedx_counts_nested_components_but_not_the_subject() -> None:
    assert cyclonedx.load(tool("variants/cyclonedx-nested.cdx.json")).component_count == 5


def test_digest_is_the_sha256_of_the_file_bytes() -> None:
    path = tool("sbom/cyclonedx/laravel-7.12.0.cdx-1.4.json")
    assert cyclonedx.load(path).digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_spdx_counts_packages_and_strips_the_version_prefix() -> None:
    path = tool("sbom/spdx/SPDXJSONExample-v2.3.spdx.json")
    summary = spdx.load(path)
    assert (summary.format, summary.spec_version, summary.component_count) == ("spdx", "2.3", 4)
    assert summary.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_spdx_document_given_as_cyclonedx_says_what_it_is() -> None:
    with pytest.raises(WrongFormatError, match=r"looks like an SPDX 2\.x SBOM \(JSON\)"):
        cyclonedx.load(tool("sbom/spdx/SPDXJSONExample-v2.3.spdx.json"))
