"""`cab demo`, `init`, `status`, `show` and `verify`, driven through `main(argv)`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.adapters import files
from bot.adapters.git.blobs import GitBlobs
from bot.cli import main
from bot.domain.identity import BotIdentity
from bot.domain.models import Signers
from bot.domain.rules.deployment_gate import verify
from bot.services import demo
from bot.services.queries import find_decision

BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("demo") / "repo"
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", str(path)]) == 0
    return path, out.getvalue()


def test_demo_tells_each_tiers_story(demo_repo: tuple[Path, str]) -> None:
    _, out = demo_repo
    assert re.search(
        r"sync #1: merged \(low, score 10\.50\): low risk: auto-approved → merged [0-9a-f]{7}", out
    )
    assert "not counted: @dana-cab's approval is stale" in out
    assert re.search(r"sync #2: merged \(medium, score 48\.00\): approved by @bob-cab", out)
    assert "sync #3: merged (high, score 89.50): rejected by @sec-sam: no accepted-risk exception" in out
    assert "sync #4: merged: approved by @sec-sam" in out
    assert re.search(r"sync #5: merged \(high, score 89\.50\): approved by @sec-sam", out)


def test_demo_scores_with_v1_1_and_trusts_both_its_commit_key_and_the_release_workflow(
    demo_repo: tuple[Path, str],
) -> None:
    path, _ = demo_repo
    signers = files.load(path / "policy" / "signers.yaml", Signers).model
    assert [s.name for s in signers.commits] == ["sandbox forge"]
    assert signers.admits_artifact(
        "https://token.actions.githubusercontent.com",
        "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
    )
    _, record = find_decision(GitBlobs.open(path), "HEAD", "payments-api-7.4.2")
    assert (record.risk.model_version, record.risk.tier_override) == ("1.1", "model_floor")


def test_demo_prints_decisions_table_and_trailers(demo_repo: tuple[Path, str]) -> None:
    _, out = demo_repo
    table = out.split("Decisions on main:")[1].split("git log")[0]
    rows = [line.split() for line in table.strip().splitlines()[1:]]
    assert [(r[0], r[2], r[4]) for r in rows] == [
        ("rfc8785-0.1.2", "low", "auto_approved"),
        ("payments-api-7.4.2", "medium", "approved"),
        ("edge-proxy-hotfix", "high", "rejected"),
        ("edge-proxy-nghttp2", "exception", "approved"),
        ("edge-proxy-hotfix-r2", "high", "approved"),
        ("pr-6", "policy", "approved"),
        ("payments-api-7.4.3", "medium", "approved"),
        ("pr-8", "policy", "approved"),
        ("payments-api-7.4.4", "medium", "standard"),
        ("identity-gateway-3.0.1", "high", "emergency"),
    ]
    assert "Cab-Exception: edge-proxy-nghttp2" in out
    assert out.count("Cab-Decision: ") == 11  # and the emergency's retro-approval


def test_demo_holds_a_change_approved_during_a_freeze_and_merges_it_after_the_window(
    demo_repo: tuple[Path, str],
) -> None:
    path, out = demo_repo
    assert "sync #6: merged: approved by @bob-cab, @sec-sam" in out  # the calendar, a policy change
    assert "sync #7: pending (medium, score 48.00): frozen until 2026-11-30 20:00 Europe/Berlin" in out
    assert re.search(r"sync #7: merged \(medium, score 48\.00\): approved by @bob-cab", out)
    _, record = find_decision(GitBlobs.open(path), "HEAD", "payments-api-7.4.3")
    assert record.decided_at == dt.datetime(2026, 11, 30, 19, 17, tzinfo=dt.UTC)  # the window ended 19:00


def test_demo_merges_a_payments_patch_as_a_standard_change_once_its_template_is_approved(
    demo_repo: tuple[Path, str],
) -> None:
    path, out = demo_repo
    assert "sync #8: merged: approved by @dana-cab, @sec-sam" in out
    assert re.search(r"sync #9: merged \(medium, score 48\.00\): standard change: meets the approved", out)
    _, record = find_decision(GitBlobs.open(path), "HEAD", "payments-api-7.4.4")
    assert record.approvals == []
    assert record.standard_change is not None
    assert record.standard_change.path == "policy/standard-changes/payments-patch.yaml"


def test_demo_merges_an_emergency_with_one_on_call_approval_and_the_cab_retro_approves_it(
    demo_repo: tuple[Path, str],
) -> None:
    path, out = demo_repo
    assert "emergency change for INC-2026-1124: approved by on-call @bob-cab" in out
    assert "the bot opened issue #10001: CAB retro-review: emergency change identity-gateway-3.0.1" in out
    assert "sync #10: merged: identity-gateway-3.0.1 retro-approved" in out
    assert (path / "decisions" / "retro" / "2026-11" / "identity-gateway-3.0.1.yaml").is_file()
    assert main(["verify", "identity-gateway-3.0.1", "--repo", str(path)]) == 0


def test_demo_repository_validates(demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = demo_repo
    assert main(["validate", "--repo", str(path)]) == 0
    assert "0 invalid" in capsys.readouterr().out


def test_demo_refuses_a_non_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["demo", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_verify_passes_an_approved_change(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["verify", "rfc8785-0.1.2", "--repo", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: rfc8785-0.1.2 auto_approved")


def test_verify_fails_a_rejected_change(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["verify", "edge-proxy-hotfix", "--repo", str(path)]) == 1
    assert "is rejected, not approved" in capsys.readouterr().out


def test_verify_fails_an_unknown_change(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["verify", "no-such-change", "--repo", str(path)]) == 1
    assert "no decision for 'no-such-change'" in capsys.readouterr().err


def test_verify_fails_when_the_exception_has_expired(demo_repo: tuple[Path, str]) -> None:
    path, _ = demo_repo
    blobs = GitBlobs.open(path)
    _, record = find_decision(blobs, "HEAD", "edge-proxy-hotfix-r2")
    expiry = record.exceptions[0].expires_at
    assert verify(record, record.evidence.sha256, expiry - dt.timedelta(seconds=1)).ok
    late = verify(record, record.evidence.sha256, expiry)
    assert not late.ok
    assert "exception edge-proxy-nghttp2 expired" in late.reason


def test_verify_fails_when_evidence_changed_after_the_decision(demo_repo: tuple[Path, str]) -> None:
    path, _ = demo_repo
    _, record = find_decision(GitBlobs.open(path), "HEAD", "payments-api-7.4.2")
    verdict = verify(record, "0" * 64, dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    assert not verdict.ok
    assert "changed after the decision" in verdict.reason


def test_status_lists_decided_changes(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["status", "--decided", "--repo", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Decided (10):" in out
    assert "edge-proxy-hotfix-r2" in out


def test_status_shows_pending_records_from_pr_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.sandbox import MEDIUM, make_cab_repo

    cab = make_cab_repo(tmp_path / "repo")
    cab.sync(cab.submit(MEDIUM))
    assert main(["status", "--pending", "--repo", str(tmp_path / "repo"), "--ref", "main"]) == 0
    out = capsys.readouterr().out
    assert "Waiting for the CAB (1):" in out
    assert "identity-gateway-3.0.0" in out


def test_status_pending_with_everything_decided_says_only_that_nothing_is_pending(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["status", "--pending", "--repo", str(path)]) == 0
    assert capsys.readouterr().out.startswith("nothing pending on any branch but HEAD")


def test_show_prints_an_exceptions_decision(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["show", "edge-proxy-nghttp2", "--repo", str(path)]) == 0
    assert capsys.readouterr().out.startswith("# decisions/exceptions/2026-11/edge-proxy-nghttp2.yaml")


def test_show_of_an_unknown_id_names_both_kinds(
    demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = demo_repo
    assert main(["show", "nosuch", "--repo", str(path)]) == 1
    assert "no decision for a change or an exception 'nosuch'" in capsys.readouterr().err


def test_show_prints_the_record(demo_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = demo_repo
    assert main(["show", "payments-api-7.4.2", "--repo", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# decisions/medium/2026-11/payments-api-7.4.2.yaml")
    assert "outcome: approved" in out


def test_init_scaffolds_and_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/CODEOWNERS").write_text("* @mine/team\n")
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "kept     .github/CODEOWNERS (exists)" in out
    assert (tmp_path / ".github/CODEOWNERS").read_text() == "* @mine/team\n"
    assert (tmp_path / "risk-model/v1.1.yaml").is_file()
    assert main(["validate", "--repo", str(tmp_path)]) == 0


def test_demo_service_is_deterministic(tmp_path: Path) -> None:
    """The same story every time; only commit ids differ, since each sandbox signs with its own new key."""
    first = demo.run(tmp_path / "a", BOT)
    second = demo.run(tmp_path / "b", BOT)

    def story(log: str) -> str:
        return re.sub(r"(?m)^[0-9a-f]{7,40} ", "", log)

    assert story(first.log) == story(second.log)
    assert first.log != second.log


def test_init_writes_the_review_relay_exactly_as_this_repository_runs_it(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    assert main(["init", str(tmp_path)]) == 0
    relay = ".github/workflows/cab-review-relay.yml"
    assert (tmp_path / relay).read_bytes() == (root / relay).read_bytes()
    assert "your-org/cab-bot@" in (tmp_path / ".github/workflows/cab.yml").read_text()


def test_demo_prints_the_agenda_and_the_metrics_at_the_storys_end(demo_repo: tuple[Path, str]) -> None:
    _, out = demo_repo
    agenda = out[out.index("cab agenda (the CAB's next meeting") : out.index("cab metrics:")]
    assert "## CAB agenda, 2026-11-30 23:01 UTC" in agenda
    assert "### Retro-reviews overdue: 0 (of 0 awaiting the CAB)" in agenda
    assert "| 2026-11-30 21:02 UTC | `payments-api-7.4.4` | change | medium | standard |" in agenda
    metrics = out[out.index("cab metrics:") :]
    assert "emergency share                                14% (1 emergency)" in metrics
