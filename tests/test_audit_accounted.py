"""Every first-parent commit of main is the bot's decision merge, or accepted in policy/history.yaml.

Each attack is a real git history (tests.repo_builder) in which the audit used to stay clean or
named only the paths touched; now the commit itself is `history.unaccounted`, whatever it changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.findings import Finding
from tests.audit_helpers import audit_repo, rules_of
from tests.builders import dump_yaml, history_policy
from tests.repo_builder import CAB, CODEOWNERS, OUTSIDER, SECURITY, RepoBuilder, Tweak, honest_history

HISTORY = "policy/history.yaml"


@pytest.fixture
def honest(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    return builder


def unaccounted(findings: list[Finding]) -> list[str]:
    return [f.commit for f in findings if f.rule == "history.unaccounted"]


def push(builder: RepoBuilder, path: str, text: str) -> str:
    builder.write(path, text)
    return builder.commit(f"Update {path}", who=OUTSIDER)


def test_an_honest_history_has_every_commit_accounted_for(honest: RepoBuilder) -> None:
    assert audit_repo(honest.root).findings == []


def test_a_pushed_codeowners_that_hands_medium_to_another_team_is_found(honest: RepoBuilder) -> None:
    handed = CODEOWNERS.replace("/decisions/medium/ @example/cab", "/decisions/medium/ @example/platform")
    pushed = push(honest, ".github/CODEOWNERS", handed)
    honest.decide("identity-gw-2", "medium", Tweak(team="example/platform", approvers=[OUTSIDER]))
    findings = audit_repo(honest.root).findings
    assert [(f.rule, f.commit) for f in findings] == [("history.unaccounted", pushed)]
    assert findings[0].message.startswith(
        f"a non-merge commit (a direct push or a squash merge), by {OUTSIDER.login} <{OUTSIDER.email}>: "
    )


@pytest.mark.parametrize(
    "path", ["bot/domain/scoring.py", ".github/workflows/cab.yml", "pyproject.toml", "README.md"]
)
def test_a_direct_push_is_found_whatever_it_touches(honest: RepoBuilder, path: str) -> None:
    pushed = push(honest, path, "# changed by hand\n")
    assert [(f.rule, f.commit) for f in audit_repo(honest.root).findings] == [("history.unaccounted", pushed)]


def test_a_new_risk_model_through_a_human_merge_is_found(honest: RepoBuilder) -> None:
    model = (
        (honest.root / "risk-model" / "v1.0.yaml")
        .read_text()
        .replace('version: "1.0"', 'version: "9.9"')
        .replace("low_max: 50", "low_max: 99")
    )
    merged = honest.merge_pr("policy/lenient", {"risk-model/v9.9.yaml": model}, who=SECURITY)
    findings = audit_repo(honest.root).findings
    assert [(f.rule, f.commit) for f in findings] == [
        ("policy.undecided-model", merged),
        ("history.unaccounted", merged),
    ]
    assert findings[1].message.startswith("a 2-parent merge that is no decision, by sam-sec")


def test_a_squash_merge_of_a_pull_request_is_found(honest: RepoBuilder) -> None:
    honest.write("docs/runbook.md", "Reviewed, then squashed by a person.\n")
    squashed = honest.commit("Runbook (#77)", who=CAB)
    assert unaccounted(audit_repo(honest.root).findings) == [squashed]


def test_a_record_pushed_straight_to_main_is_found_as_a_commit_too(honest: RepoBuilder) -> None:
    honest.write_record("payments-api-9", "low", "auto_approved")
    pushed = honest.commit("Add payments-api-9", who=OUTSIDER)
    findings = audit_repo(honest.root).findings
    assert rules_of(findings) == {"governed.direct-push", "history.unaccounted"}
    assert unaccounted(findings) == [pushed]


def test_a_decision_merge_made_by_a_person_is_not_accounted_for(honest: RepoBuilder) -> None:
    decided = honest.decide("identity-gw-2", "medium", Tweak(merge_by=SECURITY))
    findings = audit_repo(honest.root).findings
    assert rules_of(findings) == {"identity.merge-not-bot", "signature.missing", "history.unaccounted"}
    assert [f.message.split(",")[0] for f in findings if f.rule == "history.unaccounted"] == [
        "a decision merge the bot did not make"
    ]
    assert unaccounted(findings) == [decided.merge]


# -- policy/history.yaml --------------------------------------------------------------------------


def test_a_commit_listed_in_bootstrap_is_accepted_but_the_listing_commit_is_not(honest: RepoBuilder) -> None:
    hotfix = push(honest, "README.md", "emergency note\n")
    listing = push(honest, HISTORY, dump_yaml(history_policy(accepted={hotfix: "INC-42 emergency fix"})))
    assert unaccounted(audit_repo(honest.root).findings) == [listing]


def test_commits_up_to_the_start_need_no_decision(honest: RepoBuilder) -> None:
    push(honest, "README.md", "before the CAB\n")
    start = push(honest, "README.md", "still before the CAB\n")
    after = push(honest, HISTORY, dump_yaml(history_policy(start=start)))
    assert [(f.rule, f.commit) for f in audit_repo(honest.root).findings] == [("history.unaccounted", after)]


def test_a_start_that_is_not_on_the_first_parent_line_is_found_and_ignored(honest: RepoBuilder) -> None:
    early = push(honest, "README.md", "pushed\n")
    elsewhere = honest.decide("payments-api-2", "low").head  # a PR commit: not first-parent
    policy = push(honest, HISTORY, dump_yaml(history_policy(start=elsewhere)))
    findings = audit_repo(honest.root).findings
    assert unaccounted(findings) == [early, policy]
    assert [f.message for f in findings if f.rule == "history.start-not-found"] == [
        f"start {elsewhere} is not a first-parent commit of {policy}; every commit after the root was judged"
    ]


def test_an_unreadable_history_policy_is_found_and_the_strictest_reading_applies(honest: RepoBuilder) -> None:
    early = push(honest, "README.md", "pushed\n")
    broken = push(honest, HISTORY, dump_yaml({**history_policy(accepted={early: "x"}), "trusted": True}))
    findings = audit_repo(honest.root).findings
    assert [f.rule for f in findings if f.rule.startswith("history.policy")] == ["history.policy-unparseable"]
    assert unaccounted(findings) == [early, broken]


def test_since_a_commit_after_the_start_reports_no_missing_start(honest: RepoBuilder) -> None:
    start = push(honest, "README.md", "before the CAB\n")
    since = push(honest, HISTORY, dump_yaml(history_policy(start=start)))
    later = push(honest, "README.md", "pushed\n")
    assert [(f.rule, f.commit) for f in audit_repo(honest.root, since=since).findings] == [
        ("history.unaccounted", later)
    ]


def test_a_cached_audit_agrees_with_a_full_one_after_the_policy_changes(honest: RepoBuilder) -> None:
    hotfix = push(honest, "README.md", "emergency note\n")
    assert unaccounted(audit_repo(honest.root, cache=True).findings) == [hotfix]
    listing = push(honest, HISTORY, dump_yaml(history_policy(accepted={hotfix: "INC-42"})))
    cached, full = audit_repo(honest.root, cache=True), audit_repo(honest.root)
    assert cached.findings == full.findings
    assert unaccounted(cached.findings) == [listing]
