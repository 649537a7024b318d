"""`cab verify` accepts only what the bot's decision merge put on the default branch.

Each attack is a real git history (tests.repo_builder); each must end in exit 1 and one line
saying why, where before the gate passed it.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.layout import FREEZE_PATH
from tests.audit_helpers import verify_line
from tests.builders import dump_yaml, freeze_calendar, freeze_window
from tests.repo_builder import AUTHOR, MONTH, OUTSIDER, PROJECT, SECURITY, RepoBuilder, Tweak, honest_history


@pytest.fixture(autouse=True)
def _default_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAB_BOT_NAME", raising=False)
    monkeypatch.delenv("CAB_BOT_EMAIL", raising=False)


@pytest.fixture
def honest(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    return builder


def verify(
    builder: RepoBuilder, change_id: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    return verify_line(builder.root, change_id, *extra, capsys=capsys)


def test_an_honest_decision_passes(honest: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    code, line = verify(honest, "identity-gw-1", capsys=capsys)
    assert (code, line.split(" (")[0]) == (0, "ok: identity-gw-1 approved")


def test_the_default_branch_named_as_ref_is_accepted(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(honest, "payments-api-1", "--ref", "main", capsys=capsys)[0] == 0


def test_a_record_pushed_straight_to_main_is_refused(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = honest.write_record("payments-api-9", "low", "auto_approved")
    pushed = honest.commit("Add payments-api-9", who=OUTSIDER)
    code, line = verify(honest, "payments-api-9", capsys=capsys)
    assert code == 1
    assert line == (
        f"not approved: {path} was written by commit {pushed[:12]}, not by a decision merge (pushed directly?)"
    )


def test_a_record_edited_on_main_after_its_decision_is_refused(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"decisions/low/{MONTH}/payments-api-1.yaml"
    honest.write(path, honest.read(path).replace(b"Risk tier", b"Risk  tier"))
    edited = honest.commit("Touch up the rationale", who=OUTSIDER)
    code, line = verify(honest, "payments-api-1", capsys=capsys)
    assert (code, line) == (
        1,
        f"not approved: {path} was written by commit {edited[:12]}, not by a decision merge (pushed directly?)",
    )


@pytest.fixture
def self_approved_branch(honest: RepoBuilder) -> RepoBuilder:
    """A PR branch carrying its author's own `auto_approved` record for a high-risk pack."""
    honest.git("checkout", "-q", "-b", "pr/edge-proxy-9", "main")
    honest.write_record("edge-proxy-9", "high", "auto_approved", claimed_tier="low")
    honest.commit("Evidence and decision for edge-proxy-9", who=AUTHOR)
    honest.git("checkout", "-q", "main")
    return honest


def test_another_ref_is_refused_and_named(
    self_approved_branch: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, line = verify(self_approved_branch, "edge-proxy-9", "--ref", "pr/edge-proxy-9", capsys=capsys)
    assert code == 1
    assert line.startswith("not approved: --ref pr/edge-proxy-9 (")
    assert "is not the default branch main (" in line and "--allow-ref" in line


def test_an_allowed_ref_still_needs_the_bots_decision_merge(
    self_approved_branch: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, line = verify(
        self_approved_branch, "edge-proxy-9", "--ref", "pr/edge-proxy-9", "--allow-ref", capsys=capsys
    )
    assert code == 1
    assert "not by a decision merge" in line


def test_an_outcome_the_tier_never_allows_is_refused(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    honest.decide("edge-proxy-2", "high", Tweak(outcome="auto_approved", approvers=[]))
    code, line = verify(honest, "edge-proxy-2", capsys=capsys)
    assert (code, line) == (
        1,
        "not approved: edge-proxy-2 is auto_approved at tier high, which that tier never allows",
    )


def test_a_merge_made_by_a_person_is_refused(honest: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    decided = honest.decide("identity-gw-2", "medium", Tweak(merge_by=SECURITY))
    code, line = verify(honest, "identity-gw-2", capsys=capsys)
    assert code == 1
    assert line.startswith(
        f"not approved: {decided.record_path} was added by merge {decided.merge[:12]}, which the bot did "
        f"not make: author {SECURITY.login} <{SECURITY.email}>"
    )


def test_a_final_record_commit_made_by_a_person_is_refused(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    decided = honest.decide("identity-gw-3", "medium", Tweak(record_commit_by=AUTHOR))
    code, line = verify(honest, "identity-gw-3", capsys=capsys)
    assert code == 1
    assert f"from final-record commit {decided.head[:12]}, which the bot did not make" in line


def test_at_judges_exception_expiry_at_the_given_time(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    # edge-proxy-1 relies on edge-nghttp2, which expires 30 days after 2026-11-19T08:00Z.
    assert verify(honest, "edge-proxy-1", "--at", "2026-12-19T07:59:59Z", capsys=capsys)[0] == 0
    code, line = verify(honest, "edge-proxy-1", "--at", "2026-12-19T08:00:00Z", capsys=capsys)
    assert (code, line) == (
        1,
        "not approved: exception edge-nghttp2 expired at 2026-12-19T08:00:00+00:00; "
        "the change is no longer covered",
    )


def test_at_without_a_time_zone_is_a_usage_error(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "edge-proxy-1", "--repo", str(honest.root), "--at", "2026-12-19T08:00:00"]) == 2
    assert "has no time zone" in capsys.readouterr().err


def test_two_records_for_one_change_are_refused(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    honest.write(
        "decisions/low/2026-12/payments-api-1.yaml",
        honest.read(f"decisions/low/{MONTH}/payments-api-1.yaml"),
    )
    honest.commit("A second copy", who=OUTSIDER)
    code, line = verify(honest, "payments-api-1", capsys=capsys)
    assert code == 1
    assert "has 2 decision records on HEAD" in line


def test_a_record_in_the_root_commit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    builder.write(".github/CODEOWNERS", "* @example/platform\n")
    builder.write("risk-model/v1.0.yaml", (PROJECT / "risk-model" / "v1.0.yaml").read_bytes())
    path = builder.write_record("payments-api-9", "low", "auto_approved")
    root = builder.commit("Initial CAB repository", who=OUTSIDER)
    code, line = verify(builder, "payments-api-9", capsys=capsys)
    assert (code, line) == (
        1,
        f"not approved: {path} was written by commit {root[:12]}, not by a decision merge (pushed directly?)",
    )


def test_a_change_never_decided_on_the_default_branch_is_not_found(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(honest, "edge-proxy-7", capsys=capsys) == (1, "no decision for 'edge-proxy-7' on HEAD")


def frozen_history(builder: RepoBuilder, start: dt.datetime, end: dt.datetime) -> None:
    """`policy/freeze.yaml` in the root commit freezes every component from `start` to `end`
    (Berlin time), then the bot decides payments-api-1 (at 2026-11-20 10:00 UTC, low)."""
    builder.write(FREEZE_PATH, dump_yaml(freeze_calendar(freeze_window(start=start, end=end))))
    builder.base()
    builder.decide("payments-api-1", "low")


def test_a_change_merged_inside_a_freeze_window_fails_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    frozen_history(builder, dt.datetime(2026, 11, 20, 0, 0), dt.datetime(2026, 11, 21, 0, 0))
    code, line = verify(builder, "payments-api-1", capsys=capsys)
    assert code == 1
    assert "inside freeze window `release-day`" in line and "(freeze.merged-in-window)" in line


def test_a_change_merged_outside_the_freeze_windows_passes_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    frozen_history(builder, dt.datetime(2026, 12, 24, 0, 0), dt.datetime(2026, 12, 27, 0, 0))
    assert verify(builder, "payments-api-1", capsys=capsys)[0] == 0


# -- --anchor: a published tip the history must still contain -----------------------------------


def test_a_published_anchor_that_is_still_an_ancestor_passes(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = honest.head("main")
    honest.decide("payments-api-2", "low")
    assert verify(honest, "payments-api-2", "--anchor", anchor, capsys=capsys)[0] == 0


def test_a_rejection_erased_by_a_reset_fails_every_change_against_the_published_anchor(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    before = honest.head("main")
    honest.decide("payments-api-2", "medium", Tweak(outcome="rejected"))
    anchor = honest.head("main")
    honest.git("reset", "-q", "--hard", before)  # the rejection erased, then the change resubmitted
    honest.git("branch", "-q", "-D", "pr/payments-api-2")
    honest.decide("payments-api-2", "medium")
    assert verify(honest, "payments-api-2", capsys=capsys)[0] == 0  # without the anchor, it passes
    code, line = verify(honest, "payments-api-2", "--anchor", anchor, capsys=capsys)
    assert (code, line) == (
        1,
        f"not approved: anchor {anchor[:12]} is not an ancestor of {honest.head('main')[:12]}: "
        "the history was rewritten after the anchor was published",
    )


def test_an_anchor_that_is_no_commit_id_is_a_usage_error(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "payments-api-1", "--repo", str(honest.root), "--anchor", "main~1"]) == 2
    assert "is not a commit id" in capsys.readouterr().err


@pytest.mark.parametrize("depth", ["1", "3"])
def test_a_shallow_clone_is_refused_rather_than_judged(
    honest: RepoBuilder, tmp_path: Path, depth: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = tmp_path / "shallow"
    clone = ["git", "clone", "-q", "--depth", depth, f"file://{honest.root}", str(shallow)]
    subprocess.run(clone, check=True, capture_output=True)
    code, line = verify_line(shallow, "identity-gw-1", capsys=capsys)  # passes in the full clone
    assert code == 2
    assert "is a shallow clone" in line and "git fetch --unshallow" in line and "fetch-depth: 0" in line


def test_show_in_a_shallow_clone_still_prints_the_record(
    honest: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = tmp_path / "shallow"
    clone = ["git", "clone", "-q", "--depth", "1", f"file://{honest.root}", str(shallow)]
    subprocess.run(clone, check=True, capture_output=True)
    assert main(["show", "identity-gw-1", "--repo", str(shallow)]) == 0
    assert "change_id: identity-gw-1" in capsys.readouterr().out
