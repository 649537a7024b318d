"""The rules of a policy change, one behaviour per test: who must approve (CAB and security, two
different people), and what a PolicyDecision covers (paths and git blob ids)."""

from __future__ import annotations

import subprocess

from bot.domain.models.policy_decision import PolicyPath
from bot.domain.pull_request import Team
from bot.domain.rules import policy_changes, records
from bot.domain.rules.approval import Owners, evaluate, unmet
from tests.policy_builders import BOB, CAB, CAROL, SAM, SECURITY, comment, review, snapshot

BOTH = Owners(teams=(CAB, SECURITY))


def test_a_policy_change_with_cab_and_security_approval_is_approved() -> None:
    result = evaluate(snapshot("policy", owners=BOTH, reviews=[review(BOB), review(SAM)]))
    assert result.status == "approved"


def test_a_policy_change_with_only_cab_approval_waits_for_security() -> None:
    result = evaluate(snapshot("policy", owners=BOTH, reviews=[review(BOB), review(CAROL)]))
    assert result.status == "pending"
    assert "@example/security" in result.summary


def test_one_person_in_both_teams_approves_for_one_team_only() -> None:
    both = Owners(teams=(CAB, Team("example/security", 200, (SAM, BOB))))
    assert evaluate(snapshot("policy", owners=both, reviews=[review(BOB)])).status == "pending"
    assert evaluate(snapshot("policy", owners=both, reviews=[review(BOB), review(SAM)])).status == "approved"


def test_a_policy_record_owned_by_one_team_is_never_approved() -> None:
    result = evaluate(snapshot("policy", owners=Owners(teams=(CAB,)), reviews=[review(BOB)]))
    assert result.status == "pending"
    assert [rule for rule, _ in unmet("policy", 1, Owners(teams=(CAB,)))] == ["policy.teams-missing"]


def test_a_policy_change_may_be_rejected_by_an_owner() -> None:
    result = evaluate(snapshot("policy", owners=BOTH, comments=[comment(SAM, "/cab reject not now")]))
    assert result.status == "rejected"


def test_the_blob_id_is_gits_own() -> None:
    content = b"* @example/cab\n"
    done = subprocess.run(["git", "hash-object", "--stdin"], input=content, capture_output=True, check=True)
    assert policy_changes.git_blob_id(content) == done.stdout.decode().strip()


def test_the_paths_hash_does_not_depend_on_order() -> None:
    a, b = PolicyPath(path="a", blob="1" * 40), PolicyPath(path="b", blob=None)
    assert policy_changes.paths_sha256([a, b]) == policy_changes.paths_sha256([b, a])
    assert policy_changes.paths_sha256([a]) != policy_changes.paths_sha256([a, b])


def test_a_merge_that_brings_another_blob_or_path_differs_from_its_record() -> None:
    recorded = [PolicyPath(path=".github/CODEOWNERS", blob="1" * 40)]
    assert policy_changes.differences(recorded, {".github/CODEOWNERS": "1" * 40}) == []
    assert policy_changes.differences(recorded, {".github/CODEOWNERS": "2" * 40, "setup.py": "3" * 40}) == [
        f".github/CODEOWNERS: the merge brings blob {'2' * 40}, the record says {'1' * 40}",
        "setup.py: changed by the merge, but not in the record",
    ]


def test_only_approved_decisions_approve_a_blob() -> None:
    path = [PolicyPath(path="risk-model/v1.1.yaml", blob="1" * 40)]
    approved = records.build_policy(decision_id="pr-1", paths=path, outcome="approved", rationale="ok")
    rejected = records.build_policy(decision_id="pr-2", paths=path, outcome="rejected", rationale="no")
    assert policy_changes.approved_blobs([rejected]) == {}
    assert policy_changes.approved_blobs([approved, rejected]) == {
        "risk-model/v1.1.yaml": frozenset({"1" * 40})
    }
