"""Change failure rate in `cab metrics` (issue 16): a change counts as failed when a later approved
pack declares `fixes: [its id]` or `rolls_back: its id`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.metrics import markdown, measure, text
from bot.domain.metrics_html import render
from bot.domain.models import EvidencePack
from bot.domain.population import Row
from tests.repo_builder import EXAMPLES, RepoBuilder, Tweak, honest_history

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
LOW_EXAMPLE = EXAMPLES / "payments-api-7.4.2.yaml"


def change(
    ident: str,
    decided_h: float,
    outcome: str = "approved",
    *,
    fixes: tuple[str, ...] = (),
    rolls_back: str | None = None,
) -> Row:
    return Row(
        kind="change",
        id=ident,
        outcome=outcome,
        record_path="r",
        merge_commit="m",
        problems=(),
        tier="medium",
        decided_at=T0 + dt.timedelta(hours=decided_h),
        fixes=fixes,
        rolls_back=rolls_back,
    )


def test_without_fixes_no_change_failed() -> None:
    m = measure([change("b", 2), change("a", 1)], now=T0)
    assert (m.failure.deployed, m.failure.failed, m.failure.rate) == (2, 0, 0.0)


def test_a_later_pack_that_fixes_a_change_makes_it_failed() -> None:
    m = measure([change("fix-a", 3, fixes=("a",)), change("b", 2), change("a", 1)], now=T0)
    assert [(f.change_id, f.by, f.how) for f in m.failure.failures] == [("a", "fix-a", "fixed")]
    assert (m.failure.failed, m.failure.deployed, m.failure.rate) == (1, 3, 1 / 3)


def test_a_rollback_makes_the_change_it_rolls_back_failed() -> None:
    m = measure([change("undo-a", 2, rolls_back="a"), change("a", 1)], now=T0)
    assert [(f.change_id, f.by, f.how) for f in m.failure.failures] == [("a", "undo-a", "rolled back")]


def test_a_fix_decided_before_the_change_does_not_count() -> None:
    m = measure([change("a", 2), change("early", 1, fixes=("a",))], now=T0)
    assert m.failure.failed == 0


def test_a_rejected_fix_does_not_count_nor_does_a_rejected_change_deploy() -> None:
    rows = [change("fix-a", 3, "rejected", fixes=("a",)), change("b", 2, "rejected"), change("a", 1)]
    m = measure(rows, now=T0)
    assert (m.failure.deployed, m.failure.failed) == (1, 0)


def test_a_change_decided_before_since_is_outside_both_counts() -> None:
    rows = [change("fix-a", 3, fixes=("a",)), change("a", 1)]
    m = measure(rows, now=T0, since=T0 + dt.timedelta(hours=2))
    assert (m.failure.deployed, m.failure.failed) == (1, 0)


def test_a_fix_naming_an_unknown_change_is_ignored() -> None:
    m = measure([change("fix-x", 3, fixes=("never-decided",))], now=T0)
    assert (m.failure.deployed, m.failure.failed) == (1, 0)


def test_with_nothing_deployed_the_rate_is_undefined_and_printed_as_a_dash() -> None:
    m = measure([change("a", 1, "rejected")], now=T0)
    assert m.failure.rate is None
    assert "change failure rate" in text(m) and "- (0 of 0 approved changes" in text(m)


def test_text_and_markdown_name_the_failed_changes() -> None:
    m = measure([change("undo-a", 2, rolls_back="a"), change("a", 1)], now=T0)
    assert "50% (1 of 2 approved changes later fixed or rolled back)" in text(m)
    assert "| failed changes | a (rolled back by undo-a) |" in markdown(m)


def test_json_has_the_rate_and_each_failure() -> None:
    m = measure([change("fix-a", 3, fixes=("a",)), change("a", 1)], now=T0).as_dict()
    assert m["change_failure"] == {
        "deployed": 2,
        "failed": 1,
        "rate": 0.5,
        "failures": [{"change_id": "a", "by": "fix-a", "how": "fixed"}],
    }


# --- the pack fields -----------------------------------------------------------------------------
def pack_with(extra: str) -> bytes:
    return LOW_EXAMPLE.read_bytes() + extra.encode()


def test_a_pack_may_name_the_changes_it_fixes_and_the_one_it_rolls_back() -> None:
    pack = documents.parse(
        pack_with("fixes: [identity-gw-1]\nrolls_back: edge-proxy-1\n"), "p", EvidencePack
    ).model
    assert (pack.fixes, pack.rolls_back) == (["identity-gw-1"], "edge-proxy-1")


def test_a_pack_that_fixes_itself_is_refused_with_its_location() -> None:
    with pytest.raises(InputError, match=r"^p:\d+:\d+: .*cannot fix or roll back itself"):
        documents.parse(pack_with("fixes: [payments-api-7.4.2]\n"), "p", EvidencePack)


def test_a_fix_must_name_a_change_id() -> None:
    with pytest.raises(InputError, match=r"^p:\d+:\d+: "):
        documents.parse(pack_with("fixes: [Not An Id]\n"), "p", EvidencePack)


# --- on a real history -------------------------------------------------------------------------------
def test_metrics_on_a_history_count_a_change_a_later_pack_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = RepoBuilder(tmp_path / "cab")
    honest_history(builder)
    builder.decide("payments-api-2", "low", Tweak(pack=lambda text: text + "fixes: [identity-gw-1]\n"))
    assert main(["metrics", "--repo", str(builder.root), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["change_failure"]["failures"] == [
        {"change_id": "identity-gw-1", "by": "payments-api-2", "how": "fixed"}
    ]
    assert (found["change_failure"]["deployed"], found["change_failure"]["failed"]) == (4, 1)


def test_the_html_page_has_the_rate_and_the_failed_changes() -> None:
    m = measure([change("undo-a", 2, rolls_back="a"), change("a", 1)], now=T0)
    page = render(m, generated_by="cab metrics at 2026-11-01T09:00:00Z")
    assert "change failure rate" in page and "a (rolled back by undo-a)" in page
