"""The tamper corpus: each scenario is a real git repository, detected with the right rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.layout import FREEZE_PATH
from tests.audit_helpers import audit_repo, rules_of
from tests.builders import dump_yaml, freeze_calendar, freeze_window, history_policy
from tests.repo_builder import (
    CAB,
    CODEOWNERS,
    MONTH,
    OUTSIDER,
    ExceptionTweak,
    Person,
    RepoBuilder,
    Tweak,
    evidence_text,
    honest_history,
)
from tests.signing_keys import signers_with_a_strangers_key

Scenario = Callable[[RepoBuilder], dict[str, str]]  # builds history, returns audit options


def evidence_edited_after_approval(b: RepoBuilder) -> dict[str, str]:
    low = honest_history(b)[0]
    b.write(low.evidence_path, evidence_text("low", low.change_id).replace("7.4.2", "7.4.3"))
    b.commit("Fix the version", who=OUTSIDER)
    return {}


def decision_record_edited(b: RepoBuilder) -> dict[str, str]:
    medium = honest_history(b)[1]
    b.write(medium.record_path, b.read(medium.record_path).replace(b"Risk tier", b"Low risk tier"))
    b.commit("Clarify rationale", who=OUTSIDER)
    return {}


def decision_record_deleted(b: RepoBuilder) -> dict[str, str]:
    high = honest_history(b)[2]
    b.git("rm", "-q", high.record_path)
    b.commit("Remove a record", who=OUTSIDER)
    return {}


def decision_dropped_from_chain(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("payments-api-1", "low")
    b.decide("payments-api-2", "low", Tweak(previous="ab" * 32))  # its predecessor is gone
    return {}


def record_inserted_with_fake_approval(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(approvers=[OUTSIDER]))  # forged merge, claims the CAB team
    return {}


def approval_by_non_owner(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(approvers=[OUTSIDER], team="example/platform"))
    return {}


def self_approval_by_pr_author(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(pr_author=CAB, approvers=[CAB]))
    return {}


def self_approval_by_requester(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(requester=CAB.login))
    return {}


def approval_by_bot(b: RepoBuilder) -> dict[str, str]:
    b.base()
    bot = Person("github-actions[bot]", 41898282)
    b.decide("identity-gw-1", "medium", Tweak(approvers=[bot]))
    return {}


def codeowners_changed_in_same_pr(b: RepoBuilder) -> dict[str, str]:
    b.base()
    widened = CODEOWNERS.replace("/decisions/medium/ @example/cab", "/decisions/medium/ @example/platform")
    b.decide(
        "identity-gw-1",
        "medium",
        Tweak(
            on_pr_branch=lambda pr: pr.write(".github/CODEOWNERS", widened),
            approvers=[OUTSIDER],
            team="example/platform",
        ),
    )
    return {}


def risk_model_edited_in_place(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    model = b.read("risk-model/v1.0.yaml").replace(b"low_max: 50", b"low_max: 70")
    b.merge_pr("policy/loosen", {"risk-model/v1.0.yaml": model.decode()})
    return {}


def exception_expired_before_decision(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception("short", ["edge-proxy-1"], expires=b.clock + dt.timedelta(hours=1))
    b.tick(120)
    b.decide("edge-proxy-1", "high", Tweak(exceptions=["short"]))
    return {}


def exception_added_in_the_same_pr(b: RepoBuilder) -> dict[str, str]:
    b.base()
    text = b.exception("late", ["edge-proxy-1"])
    path = f"exceptions/{MONTH}/late.yaml"

    def cite(record: dict[str, object]) -> None:
        from bot.domain import documents

        loaded = documents.parse(text.encode(), path)
        record["exceptions"] = [
            {"id": "late", "sha256": loaded.sha256, "expires_at": loaded.model.expires_at}
        ]

    b.decide("edge-proxy-1", "high", Tweak(on_pr_branch=lambda pr: pr.write(path, text), record=cite))
    return {}


def high_tier_without_exception(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("edge-proxy-1", "high")
    return {}


def medium_approved_without_approval(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(approvers=[]))
    return {}


def auto_approved_above_low(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(outcome="auto_approved", approvers=[]))
    return {}


def trailers_disagree_with_record(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("identity-gw-1", "medium", Tweak(trailers=lambda t: t._replace(risk_score="10.00", tier="low")))
    return {}


def history_rewritten_behind_anchor(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    anchor = b.head()
    message = b.git("log", "-1", "--format=%B")
    b.git("commit", "-q", "--amend", "-m", message, who=b.bot, when=b.tick())  # same tree, new history
    return {"anchor": anchor}


def direct_push_of_evidence(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    b.write(f"evidence/{MONTH}/sneaky-1.yaml", evidence_text("low", "sneaky-1"))
    b.commit("Add evidence", who=OUTSIDER)
    return {}


def file_renamed_to_escape(b: RepoBuilder) -> dict[str, str]:
    high = honest_history(b)[2]
    (b.root / "archive").mkdir()
    b.git("mv", high.record_path, "archive/edge-proxy-1.yaml")
    b.commit("Archive", who=OUTSIDER)
    return {}


def change_after_the_reviewed_commit(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide(
        "identity-gw-1",
        "medium",
        Tweak(before_final=lambda pr: pr.write("deploy/prod.yaml", "replicas: 50\n")),
    )
    return {}


def evil_merge_tree(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("payments-api-1", "low", Tweak(in_merge=lambda m: m.write("deploy/prod.yaml", "replicas: 50\n")))
    return {}


def merge_not_made_by_the_bot(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("payments-api-1", "low", Tweak(merge_by=CAB))
    return {}


def final_record_not_committed_by_the_bot(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("payments-api-1", "low", Tweak(record_commit_by=CAB))
    return {}


def approval_on_an_earlier_head(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def stale(record: dict[str, list[dict[str, str]]]) -> None:
        record["approvals"][0]["reviewed_sha"] = "0" * 40

    b.decide("identity-gw-1", "medium", Tweak(record=stale))  # type: ignore[arg-type]
    return {}


def score_tampered_in_record_and_trailers(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def lower(record: dict[str, dict[str, str]]) -> None:
        record["risk"]["score"] = "60.00"

    b.decide(
        "identity-gw-1",
        "medium",
        Tweak(record=lower, trailers=lambda t: t._replace(risk_score="60.00")),
    )
    return {}


def evidence_hash_forged(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def forge(record: dict[str, dict[str, str]]) -> None:
        record["evidence"]["sha256"] = "0" * 64

    b.decide("payments-api-1", "low", Tweak(record=forge))  # type: ignore[arg-type]
    return {}


def unparseable_record(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide(
        "payments-api-1", "low", Tweak(record_bytes=b"apiVersion: cab/v1\nkind: Decision\nchange_id: [x\n")
    )
    return {}


def octopus_decision_merge(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    message = b.git("log", "-1", "--format=%B")
    for side in ("side-a", "side-b"):
        b.git("checkout", "-q", "-b", side, "main")
        b.write(f"notes/{side}.txt", side)
        b.commit(side)
    b.git("checkout", "-q", "main")
    b.git("merge", "-q", "--no-ff", "-m", message, "side-a", "side-b", who=b.bot)
    return {}


def symlink_as_evidence(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    (b.root / "evidence" / MONTH / "link-1.yaml").symlink_to("/etc/passwd")
    b.commit("Add evidence link", who=OUTSIDER)
    return {}


def look_alike_governed_directory(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    b.merge_pr("caps", {f"Evidence/{MONTH}/caps-1.yaml": evidence_text("low", "caps-1")}, who=OUTSIDER)
    return {}


def confusable_governed_directories(b: RepoBuilder) -> dict[str, str]:
    """Issue 13's look-alikes: a dotless i, a fullwidth d and a small-capital d ride along."""
    honest_history(b)
    files = {
        f"ev\u0131dence/{MONTH}/caps-1.yaml": evidence_text("low", "caps-1"),
        f"\uff44ecisions/low/{MONTH}/caps-1.yaml": "forged\n",
        f"\u1d05ecisions/low/{MONTH}/caps-1.yaml": "forged\n",
    }
    b.merge_pr("caps", files, who=OUTSIDER)
    return {}


def trailers_planted_in_a_pr_commit(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    b.git("checkout", "-q", "-b", "pr/planted", "main")
    b.write(f"evidence/{MONTH}/planted-1.yaml", evidence_text("low", "planted-1"))
    b.commit("Evidence\n\nCab-Decision: auto_approved\nCab-Change: planted-1\n", who=OUTSIDER)
    b.git("checkout", "-q", "main")
    b.git("merge", "-q", "--no-ff", "-m", "Merge planted", "pr/planted", who=OUTSIDER)
    return {}


def exception_arrived_without_its_decision(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.merge_pr("exc", {f"exceptions/{MONTH}/unreviewed.yaml": b.exception("unreviewed", ["edge-proxy-1"])})
    b.decide("edge-proxy-1", "high", Tweak(exceptions=["unreviewed"]))
    return {}


def exception_for_another_change_relied_on(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception("other-change", ["payments-api-1"])
    b.decide("edge-proxy-1", "high", Tweak(exceptions=["other-change"]))
    return {}


def rejected_exception_relied_on(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception("refused", ["edge-proxy-1"], tweak=ExceptionTweak(outcome="rejected"))
    b.decide("edge-proxy-1", "high", Tweak(exceptions=["refused"]))
    return {}


def exception_decision_adds_another_file(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception(
        "edge-nghttp2",
        ["edge-proxy-1"],
        tweak=ExceptionTweak(before_final=lambda pr: pr.write("deploy/prod.yaml", "replicas: 50\n")),
    )
    return {}


def exception_approved_by_its_requester(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception(
        "edge-nghttp2", ["edge-proxy-1"], tweak=ExceptionTweak(approvers=[Person("carol-eng", 102)])
    )
    return {}


def exception_approved_by_a_non_owner(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception(
        "edge-nghttp2", ["edge-proxy-1"], tweak=ExceptionTweak(approvers=[CAB], team="example/cab")
    )
    return {}


def exception_approved_after_it_expired(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception("edge-nghttp2", ["edge-proxy-1"], expires=b.clock + dt.timedelta(minutes=10))
    return {}


def exception_trailers_disagree(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.approve_exception(
        "edge-nghttp2",
        ["edge-proxy-1"],
        tweak=ExceptionTweak(trailers=lambda t: t._replace(expires_at="2027-06-01T00:00:00+00:00")),
    )
    return {}


def exception_record_hash_forged(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def forge(record: dict[str, dict[str, str]]) -> None:
        record["exception"]["sha256"] = "0" * 64

    b.approve_exception("edge-nghttp2", ["edge-proxy-1"], tweak=ExceptionTweak(record=forge))  # type: ignore[arg-type]
    return {}


def exception_decision_dropped_from_chain(b: RepoBuilder) -> dict[str, str]:
    b.base()
    b.decide("payments-api-1", "low")
    b.previous = "ab" * 32  # the exception decision claims a predecessor that is not there
    b.approve_exception("edge-nghttp2", ["edge-proxy-1"])
    return {}


def policy_change_decided_below_high(b: RepoBuilder) -> dict[str, str]:
    b.base()
    wider = CODEOWNERS + "/docs/ @example/cab\n"
    b.decide("payments-api-1", "low", Tweak(on_pr_branch=lambda pr: pr.write(".github/CODEOWNERS", wider)))
    return {}


def _strangers_key_pushed(b: RepoBuilder) -> str:
    honest_history(b)
    b.write("policy/signers.yaml", signers_with_a_strangers_key(b.bot.email))
    return b.commit("Rotate the bot's key", who=OUTSIDER)


def signing_key_pushed_and_accepted_afterwards(b: RepoBuilder) -> dict[str, str]:
    pushed = _strangers_key_pushed(b)
    b.write("policy/history.yaml", dump_yaml(history_policy(accepted={pushed: "key rotation"})))
    b.commit("Accept the rotation", who=OUTSIDER)
    return {}


def signing_key_pushed_before_a_start_moved_past_it(b: RepoBuilder) -> dict[str, str]:
    pushed = _strangers_key_pushed(b)
    b.write("policy/history.yaml", dump_yaml(history_policy(start=pushed)))
    b.commit("Start governance here", who=OUTSIDER)
    return {}


def signers_deleted_and_restored(b: RepoBuilder) -> dict[str, str]:
    honest_history(b)
    first = b.read("policy/signers.yaml")
    b.git("rm", "-q", "policy/signers.yaml")
    b.commit("Drop the signers", who=OUTSIDER)
    b.write("policy/signers.yaml", first)  # a "first version" again, by hand
    b.commit("Restore the signers", who=OUTSIDER)
    return {}


def policy_override_without_a_policy_change(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def override(record: dict[str, dict[str, str]]) -> None:
        record["risk"]["tier_override"] = "policy_change"

    b.decide("payments-api-1", "low", Tweak(record=override))  # type: ignore[arg-type]
    return {}


def model_floor_claimed_that_the_model_does_not_raise(b: RepoBuilder) -> dict[str, str]:
    b.base()

    def claim(record: dict[str, dict[str, str]]) -> None:
        record["risk"]["tier_override"] = "model_floor"

    b.decide("payments-api-1", "low", Tweak(record=claim))  # type: ignore[arg-type]
    return {}


def change_merged_during_a_freeze_window(b: RepoBuilder) -> dict[str, str]:
    """The calendar at the decision's base freezes every component all day; the bot merged anyway."""
    all_day = freeze_window(start=dt.datetime(2026, 11, 20, 0, 0), end=dt.datetime(2026, 11, 21, 0, 0))
    b.write(FREEZE_PATH, dump_yaml(freeze_calendar(all_day)))
    b.base()
    b.decide("payments-api-1", "low")
    return {}


def change_merged_while_the_freeze_calendar_was_unreadable(b: RepoBuilder) -> dict[str, str]:
    b.write(FREEZE_PATH, dump_yaml(freeze_calendar(freeze_window(time_zone="Mars/Olympus_Mons"))))
    b.base()
    b.decide("payments-api-1", "low")
    return {}


SCENARIOS: list[tuple[Scenario, str]] = [
    (evidence_edited_after_approval, "governed.modified"),
    (decision_record_edited, "governed.modified"),
    (decision_record_deleted, "governed.deleted"),
    (decision_dropped_from_chain, "chain.broken"),
    (record_inserted_with_fake_approval, "approval.not-member"),
    (approval_by_non_owner, "approval.not-owner"),
    (self_approval_by_pr_author, "approval.self"),
    (self_approval_by_requester, "approval.self"),
    (approval_by_bot, "approval.bot"),
    (codeowners_changed_in_same_pr, "approval.not-owner"),
    (risk_model_edited_in_place, "risk-model.edited"),
    (exception_expired_before_decision, "exception.expired"),
    (exception_added_in_the_same_pr, "exception.not-at-base"),
    (high_tier_without_exception, "exception.missing"),
    (medium_approved_without_approval, "approval.missing"),
    (auto_approved_above_low, "outcome.invalid"),
    (trailers_disagree_with_record, "trailers.mismatch"),
    (history_rewritten_behind_anchor, "anchor.not-ancestor"),
    (direct_push_of_evidence, "governed.direct-push"),
    (file_renamed_to_escape, "governed.renamed"),
    (change_after_the_reviewed_commit, "merge.unreviewed-change"),
    (evil_merge_tree, "merge.tree-mismatch"),
    (merge_not_made_by_the_bot, "identity.merge-not-bot"),
    (final_record_not_committed_by_the_bot, "identity.record-commit-not-bot"),
    (approval_on_an_earlier_head, "approval.stale"),
    (score_tampered_in_record_and_trailers, "score.mismatch"),
    (evidence_hash_forged, "evidence.hash-mismatch"),
    (unparseable_record, "record.unparseable"),
    (octopus_decision_merge, "merge.not-two-parents"),
    (symlink_as_evidence, "governed.bad-file"),
    (look_alike_governed_directory, "governed.bad-path"),
    (confusable_governed_directories, "governed.bad-path"),
    (trailers_planted_in_a_pr_commit, "governed.outside-decision"),
    (exception_arrived_without_its_decision, "exception.not-approved"),
    (rejected_exception_relied_on, "exception.not-approved"),
    (exception_for_another_change_relied_on, "exception.not-covering"),
    (exception_decision_adds_another_file, "merge.unreviewed-change"),
    (exception_approved_by_its_requester, "approval.self"),
    (exception_approved_by_a_non_owner, "approval.not-owner"),
    (exception_approved_after_it_expired, "exception-decision.expiry"),
    (exception_trailers_disagree, "trailers.mismatch"),
    (exception_record_hash_forged, "exception-decision.hash-mismatch"),
    (exception_decision_dropped_from_chain, "chain.broken"),
    (policy_change_decided_below_high, "policy.undecided-change"),
    (signing_key_pushed_and_accepted_afterwards, "policy.signers-undecided"),
    (signing_key_pushed_before_a_start_moved_past_it, "policy.signers-undecided"),
    (signers_deleted_and_restored, "policy.signers-undecided"),
    (policy_override_without_a_policy_change, "score.override-unjustified"),
    (model_floor_claimed_that_the_model_does_not_raise, "score.mismatch"),
    (change_merged_during_a_freeze_window, "freeze.merged-in-window"),
    (change_merged_while_the_freeze_calendar_was_unreadable, "freeze.calendar-unreadable"),
]


@pytest.mark.parametrize(("scenario", "rule"), SCENARIOS, ids=[s.__name__ for s, _ in SCENARIOS])
def test_tampering_is_detected_with_its_rule(tmp_path: Path, scenario: Scenario, rule: str) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    options = scenario(builder)
    report = audit_repo(builder.root, **options)
    assert rule in rules_of(report.findings), [str(f) for f in report.findings]
    assert all(len(f.commit) == 40 for f in report.findings)


def test_the_corpus_has_at_least_twenty_distinct_scenarios() -> None:
    assert len(SCENARIOS) >= 20
    assert len({rule for _, rule in SCENARIOS}) >= 20


def test_each_confusable_governed_directory_is_its_own_finding(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo")
    confusable_governed_directories(builder)
    flagged = {
        f.path.split("/", 1)[0] for f in audit_repo(builder.root).findings if f.rule == "governed.bad-path"
    }
    assert flagged == {"ev\u0131dence", "\uff44ecisions", "\u1d05ecisions"}
