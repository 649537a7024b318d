"""Change types the bot got wrong, or a bot key that signed what it should not have: the audit
re-judges each standard and emergency decision with the bot's own rules and says so, and `cab
verify` refuses the change. The "compromised bot" is the real bot with one rule swapped out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.models.decision import StandardChangeRef
from bot.domain.pull_request import Team, User
from bot.domain.rules import policy_changes
from bot.domain.rules.standard_changes import StandardVerdict, TemplateAtBase
from tests.both_forges import MAIN, Cab, make_cab
from tests.builders import dump_yaml, standard_change
from tests.sandbox import HIGH, MEDIUM
from tests.test_emergency_both_forges import declaring, land_policy
from tests.test_standard_changes_both_forges import TEMPLATE, land_template, naming

CHANGE_ID = "identity-gateway-3.0.0"


@pytest.fixture
def cab(tmp_path: Path) -> Iterator[Cab]:
    yield from make_cab("sandbox", tmp_path)


def audit_rules(cab: Cab, out: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("CAB_BOT_NAME", cab.identity.name)
    monkeypatch.setenv("CAB_BOT_EMAIL", cab.identity.email)
    main(["audit", "--repo", str(cab.repository()), "--ref", MAIN, "--format", "json", "-o", str(out)])
    return [f["rule"] for f in json.loads(out.read_text())["findings"]]


def verify(cab: Cab, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("CAB_BOT_NAME", cab.identity.name)
    monkeypatch.setenv("CAB_BOT_EMAIL", cab.identity.email)
    at = cab.clock.now.isoformat()
    return main(["verify", CHANGE_ID, "--repo", str(cab.repository()), "--ref", MAIN, "--at", at])


def test_a_forged_standard_outcome_for_a_pack_failing_its_template_is_found(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = land_template(cab)  # payments-api only: the identity gateway fails it

    def always_met(pack: object, risk: object, at_base: object, signature: object) -> StandardVerdict:
        ref = StandardChangeRef(
            name="payments-patch", path=TEMPLATE, blob=policy_changes.git_blob_id(content)
        )
        return StandardVerdict("payments-patch", (), ref)

    with monkeypatch.context() as bent:
        bent.setattr("bot.domain.decision_plan.judge_standard", always_met)
        assert cab.sync(cab.submit(MEDIUM, content=naming(cab, MEDIUM))).outcome == "standard"
    assert set(audit_rules(cab, tmp_path / "audit.json", monkeypatch)) == {"standard.not-met"}
    assert verify(cab, monkeypatch) == 1


def test_a_standard_decision_on_a_template_that_was_not_at_its_base_is_found(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = dump_yaml(
        standard_change(
            components=["identity-gateway", "web-portal", "mobile-api", "partner-api"], max_score=75
        )
    ).encode()

    def planted(blobs: object, sha: str, name: str | None, emergency: bool) -> tuple[TemplateAtBase, None]:
        return TemplateAtBase(TEMPLATE, raw, frozenset({policy_changes.git_blob_id(raw)})), None

    with monkeypatch.context() as bent:
        bent.setattr("bot.domain.base_branch.change_type_files", planted)
        assert cab.sync(cab.submit(MEDIUM, content=naming(cab, MEDIUM))).outcome == "standard"
    assert set(audit_rules(cab, tmp_path / "audit.json", monkeypatch)) == {"standard.not-met"}
    assert verify(cab, monkeypatch) == 1


# -- emergency changes ---------------------------------------------------------------------------

EMERGENCY_ID = "edge-proxy-hotfix"


def emergency_merged(cab: Cab) -> int:
    from tests.test_emergency_both_forges import merged_emergency

    return merged_emergency(cab)  # policy: CAB on call, retro-review within 5 days


def audit_at(cab: Cab, out: Path, monkeypatch: pytest.MonkeyPatch, days: float) -> list[str]:
    """The audit's findings `days` after now on the scenario's clock."""
    monkeypatch.setenv("CAB_BOT_NAME", cab.identity.name)
    monkeypatch.setenv("CAB_BOT_EMAIL", cab.identity.email)
    at = (cab.clock.now + dt.timedelta(days=days)).isoformat()
    args = ["audit", "--repo", str(cab.repository()), "--ref", MAIN, "--at", at, "--no-cache"]
    main([*args, "--format", "json", "-o", str(out)])
    return [f["rule"] for f in json.loads(out.read_text())["findings"]]


def test_an_emergency_not_retro_reviewed_in_time_is_overdue_at_the_audits_time(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emergency_merged(cab)
    assert audit_at(cab, tmp_path / "early.json", monkeypatch, days=4) == []
    assert audit_at(cab, tmp_path / "late.json", monkeypatch, days=6) == ["emergency.retro-overdue"]


def test_a_retro_approval_given_after_it_was_due_is_reported(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = emergency_merged(cab)
    cab.clock.now += dt.timedelta(days=6)
    cab.comment(number, "bob-cab", "/cab retro-approve")
    assert cab.sync(number).status == "merged"
    assert audit_at(cab, tmp_path / "audit.json", monkeypatch, days=0) == ["emergency.retro-overdue"]


def test_a_retro_approval_by_someone_outside_the_cab_is_found(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = emergency_merged(cab)
    cab.comment(number, "sec-sam", "/cab retro-approve")
    with monkeypatch.context() as bent:  # a bot that takes the security team for the CAB
        security = Team("example/security", 1, (User("sec-sam", cab.user_id("sec-sam")),))
        bent.setattr("bot.services.retro_review._cab_teams", lambda *args: [security])
        assert cab.sync(number).status == "merged"
    assert "emergency.retro-not-allowed" in audit_at(cab, tmp_path / "audit.json", monkeypatch, days=0)


def test_an_emergency_decision_the_policy_at_its_base_does_not_allow_is_found(
    cab: Cab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land_policy(cab, retro_review_days=5)
    number = cab.submit(HIGH, content=declaring(cab, HIGH))
    cab.sync(number)
    cab.review(number, "carol-cab")
    with monkeypatch.context() as bent:  # a bot that grants itself a month for the retro-review
        bent.setattr("bot.domain.rules.emergency.retro_due", lambda at, found: at + dt.timedelta(days=30))
        assert cab.sync(number).outcome == "emergency"
    assert audit_at(cab, tmp_path / "audit.json", monkeypatch, days=0) == ["emergency.not-allowed"]
    monkeypatch.setenv("CAB_BOT_NAME", cab.identity.name)
    at = cab.clock.now.isoformat()
    assert main(["verify", EMERGENCY_ID, "--repo", str(cab.repository()), "--ref", MAIN, "--at", at]) == 1
