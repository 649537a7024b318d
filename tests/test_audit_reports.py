"""Reports: JSON follows its documented schema, HTML is self-contained, text and Markdown escape input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.findings import RULES, Finding
from bot.domain.outcomes import OUTCOMES
from bot.services.audit import report_html, report_json, report_markdown, report_text
from bot.services.audit.merge_check import DecisionRow
from bot.services.audit.service import AuditReport
from tests.audit_helpers import audit_repo
from tests.repo_builder import MONTH, OUTSIDER, RepoBuilder, honest_history


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> RepoBuilder:
    builder = RepoBuilder(tmp_path_factory.mktemp("reports") / "repo")
    honest_history(builder)
    builder.write(f"evidence/{MONTH}/payments-api-1.yaml", "tampered\n")
    builder.commit("tamper", who=OUTSIDER)
    return builder


def test_json_report_has_the_documented_top_level_shape(tampered: RepoBuilder) -> None:
    data = json.loads(report_json.render(audit_repo(tampered.root)))
    assert data["schema"] == "cab-audit/v1"
    assert set(data) == {"schema", "tool", "repository", "summary", "findings", "notes", "stats", "rules"}
    assert (data["summary"]["online"], data["notes"]) == (False, [])
    assert data["summary"]["ok"] is False
    assert data["summary"]["findings_by_rule"] == {"governed.modified": 1, "history.unaccounted": 1}
    assert data["findings"][0] == {
        "rule": "governed.modified",
        "commit": tampered.head(),
        "path": f"evidence/{MONTH}/payments-api-1.yaml",
        "message": "modified outside a decision",
    }
    assert data["stats"]["decisions_per_month"] == {"2026-11": {"high": 1, "low": 1, "medium": 1}}
    assert sum(data["stats"]["score_histogram"]) == 3


def test_every_rule_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "audit-report.md").read_text()
    assert [rule for rule in RULES if f"`{rule}`" not in doc] == []


def test_html_report_is_self_contained_with_four_charts(tampered: RepoBuilder) -> None:
    html = report_html.render(audit_repo(tampered.root))
    assert html.count("<svg") == 4
    assert re.findall(r"(?:src|href)=", html) == []
    assert re.findall(r"\w+://", html.replace('xmlns="http://www.w3.org/2000/svg"', "")) == []
    assert "<script" not in html


def test_html_links_commits_and_pull_requests_only_when_given_the_web_address(tampered: RepoBuilder) -> None:
    report = audit_repo(tampered.root)
    html = report_html.render(report, web="https://github.com/octo-org/cab")
    head = report.stats.rows[0]
    assert f'href="https://github.com/octo-org/cab/commit/{head.commit}"' in html
    assert f'href="https://github.com/octo-org/cab/pull/{head.pull_request}"' in html


def test_html_counts_exception_decisions_and_says_when_and_by_what_it_was_made(tmp_path: Path) -> None:
    import datetime as dt

    from bot import __version__
    from bot.domain.identity import BotIdentity
    from bot.services import demo

    demo.run(tmp_path / "demo", BotIdentity("cab-bot", "cab-bot@users.noreply.github.com"))
    html = report_html.render(
        audit_repo(tmp_path / "demo"), generated_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    assert "7 change decisions and 1 exception decisions (8 in all)" in html
    assert f"Generated 2026-12-01 00:00:00 UTC by cab {__version__}" in html


def test_lead_time_buckets_are_charted_in_time_order() -> None:
    html = report_html.render(_report_with(Finding("governed.bad-path", "a" * 40, "p", "m")))
    labels = re.findall(r">(&lt; 1 h|1-8 h|8-24 h|1-3 d|3-7 d|&gt; 7 d)</text>", html)
    assert labels == ["&lt; 1 h", "1-8 h", "8-24 h", "1-3 d", "3-7 d", "&gt; 7 d"]


def test_the_y_axis_has_ticks_from_zero_to_a_round_maximum() -> None:
    assert report_html._ticks(7) == [0, 2, 4, 6, 8]
    assert report_html._ticks(57) == [0, 20, 40, 60]


def test_every_outcome_has_a_colour_of_its_own() -> None:
    assert set(report_html.OUTCOME_COLOURS) == set(OUTCOMES)
    assert len(set(report_html.OUTCOME_COLOURS.values())) == len(OUTCOMES)


def test_approved_and_rejected_are_separate_series_with_separate_colours() -> None:
    assert report_html.OUTCOME_COLOURS["approved"] != report_html.OUTCOME_COLOURS["rejected"]
    rows = [_row("a", "approved", "55.00"), _row("b", "rejected", "56.00")]
    series = report_html._by_outcome(rows, ["50-60"], {0: "50-60", 1: "50-60"})
    assert series == {"approved": [1], "rejected": [1]}


def _row(ident: str, outcome: str, score: str) -> DecisionRow:
    return DecisionRow("change", ident, outcome, "medium", score, (), (), "c" * 40, None, None)


def _report_with(finding: Finding) -> AuditReport:
    return AuditReport(head="a" * 40, since=None, anchor=None, commits=1, checked=1, findings=[finding])


def test_html_escapes_repository_text() -> None:
    html = report_html.render(_report_with(Finding("governed.bad-path", "a" * 40, "<script>x</script>", "m")))
    assert "<script>x" not in html
    assert "&lt;script&gt;" in html


def test_text_report_escapes_terminal_control_characters() -> None:
    text = report_text.render(
        _report_with(Finding("governed.bad-path", "a" * 40, "evil\x1b[2J\u202e.yaml", "m"))
    )
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\u001b" in text


def test_markdown_report_escapes_table_cells() -> None:
    md = report_markdown.render(_report_with(Finding("governed.bad-path", "a" * 40, "a|b", "x|y")))
    assert "a\\|b" in md
    assert "x\\|y" in md


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_cli_writes_each_format_and_exits_1_on_findings(
    tampered: RepoBuilder, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["audit", "--repo", str(tampered.root), "--no-cache", "--format", fmt, "-o", str(out)]) == 1
    assert "governed.modified" in out.read_text()


def test_cli_exits_0_on_a_clean_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    assert main(["audit", "--repo", str(builder.root)]) == 0
    assert "OK: every decision verified" in capsys.readouterr().out


def test_an_approved_exception_no_change_uses_is_charted_from_approval_to_expiry(tmp_path: Path) -> None:
    from bot.domain import documents
    from bot.domain.models import ExceptionDecision
    from tests.sandbox import make_cab_repo

    cab = make_cab_repo(tmp_path / "repo")
    path = cab.approve_exception().record_path
    assert path is not None
    raw = cab.forge.read_file(cab.forge.branch_head("main"), path) or b""
    record = documents.parse(raw, path, ExceptionDecision).model
    assert record.decided_at is not None
    stats = audit_repo(cab.forge.path).stats
    assert stats.exceptions == {
        record.exception_id: (
            record.decided_at.isoformat().replace("+00:00", "Z"),
            record.expires_at.isoformat().replace("+00:00", "Z"),
        )
    }
    assert stats.exceptions_active()[record.expires_at.strftime("%Y-%m")] == 1
