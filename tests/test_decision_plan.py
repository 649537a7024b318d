"""The bot's decision is a pure function of (snapshot, base policy, now): tests need only data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import yaml

from bot.domain import documents
from bot.domain.base_branch import BaseBranch
from bot.domain.decision_plan import Plan, Snapshot, Target, plan, reading, triage
from bot.domain.identity import BotIdentity
from bot.domain.models import RiskModel
from bot.domain.pull_request import ChangedFile, PullRequest
from tests.builders import evidence_pack
from tests.policy_builders import AUTHOR, BOB, CAB, commit_by, review

DATA = Path(__file__).resolve().parent.parent / "bot" / "data"
EXAMPLES = DATA / "examples"
MODEL = documents.parse((DATA / "risk-model/v1.0.yaml").read_bytes(), "risk-model/v1.0.yaml", RiskModel)
CODEOWNERS = "* @example/platform\n/decisions/medium/ @example/cab\n/decisions/high/ @example/security\n"
BASE = BaseBranch("b0" * 20, MODEL, CODEOWNERS, (), frozenset(), frozenset(), ())
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")
HEAD = "a1" * 20
PR = PullRequest(7, "Change", AUTHOR, HEAD, "change/x", "b" * 40, "main", "open")
EVIDENCE = "evidence/2026-11/payments-api-7.4.2.yaml"


def pack_bytes(**fields: object) -> bytes:
    return yaml.safe_dump(evidence_pack(**fields), sort_keys=False).encode()


MEDIUM_PATH = "evidence/2026-11/identity-gateway-3.0.0.yaml"


def medium_bytes() -> bytes:
    """The shipped medium-tier example (identity gateway 3.0.0)."""
    return (EXAMPLES / MEDIUM_PATH).read_bytes()


def target(path: str = EVIDENCE) -> Target:
    found = triage((ChangedFile(path, "added"),))
    assert isinstance(found, Target)
    return found


def decide(document: bytes, base: BaseBranch = BASE, path: str = EVIDENCE, **snapshot: object) -> Plan:
    chosen = target(path)
    snap = Snapshot(PR, (ChangedFile(path, "added"),), document)
    return plan(chosen, dataclasses.replace(snap, **snapshot), base, NOW, BOT)  # type: ignore[arg-type]


def test_a_pr_with_no_evidence_pack_is_refused_from_its_file_list() -> None:
    refused = triage((ChangedFile("decisions/low/2026-11/payments-api-7.4.2.yaml", "modified"),))
    assert isinstance(refused, Plan)
    assert (refused.status, refused.check) == ("refused", "failure")
    assert refused.record is None and refused.merge is None


def test_a_pr_that_changes_only_other_paths_is_a_policy_change() -> None:
    found = triage((ChangedFile("docs/readme.md", "modified"), ChangedFile("setup.py", "added")))
    assert not isinstance(found, Plan)
    assert (found.kind, found.scope.policy_paths) == ("policy", ("docs/readme.md", "setup.py"))


def test_a_new_risk_model_version_is_a_policy_change() -> None:
    found = triage((ChangedFile("risk-model/v1.1.yaml", "added"),))
    assert not isinstance(found, Plan) and found.kind == "policy"


def test_a_pack_beside_a_policy_path_is_refused_as_mixed() -> None:
    refused = triage((ChangedFile(EVIDENCE, "added"), ChangedFile("setup.py", "added")))
    assert isinstance(refused, Plan) and refused.status == "refused"
    assert "setup.py: outside this pull request's allow-list" in refused.summary


def test_a_renamed_governed_file_is_refused_before_anything_is_read() -> None:
    refused = triage((ChangedFile(EVIDENCE, "renamed", "evidence/2026-11/old.yaml"),))
    assert isinstance(refused, Plan) and "may not be renamed" in refused.summary


def test_a_low_tier_plan_labels_records_and_merges() -> None:
    decided = decide(pack_bytes())
    assert (decided.status, decided.tier, decided.outcome) == ("merged", "low", "auto_approved")
    assert decided.label == "risk:low"
    assert decided.record is not None and decided.merge is not None
    assert "Cab-Decision: auto_approved" in decided.merge.message


def test_the_low_tier_needs_no_reviews_commits_or_teams() -> None:
    assert reading(target(), pack_bytes(), BASE).reviews is False


def test_a_medium_plan_without_approvals_commits_a_pending_record_and_waits() -> None:
    document = medium_bytes()
    needs = reading(target(MEDIUM_PATH), document, BASE)
    assert (needs.reviews, needs.team_slugs) == (True, ("example/cab",))
    decided = decide(
        document, path=MEDIUM_PATH, teams={"example/cab": CAB}, commits=(commit_by(AUTHOR, HEAD),)
    )
    assert (decided.status, decided.tier, decided.check) == ("pending", "medium", "pending")
    assert decided.merge is None
    assert (
        decided.record is not None and b"outcome: pending" in decided.record.files[decided.record_path or ""]
    )


def test_a_medium_plan_with_a_cab_approval_on_the_head_merges_with_the_chain_link() -> None:
    decided = decide(
        medium_bytes(),
        path=MEDIUM_PATH,
        teams={"example/cab": CAB},
        commits=(commit_by(AUTHOR, HEAD),),
        reviews=(review(BOB, commit=HEAD),),
        previous="c" * 64,
    )
    assert (decided.status, decided.outcome) == ("merged", "approved")
    assert decided.merge is not None and f"Cab-Previous: {'c' * 64}" in decided.merge.message


def test_an_invalid_pack_is_refused_with_its_line() -> None:
    decided = decide(pack_bytes().replace(b"complexity: low", b"complexity: extreme"))
    assert decided.status == "invalid"
    assert decided.problems and decided.problems[0].line > 1


def test_a_decided_change_id_is_refused() -> None:
    base = dataclasses.replace(BASE, decided_change_ids=frozenset({"payments-api-7.4.2"}))
    assert decide(pack_bytes(), base).summary.startswith("Already decided")


def test_the_same_snapshot_gives_the_same_plan() -> None:
    assert decide(pack_bytes()) == decide(pack_bytes())
