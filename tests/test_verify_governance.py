"""`cab verify` refuses a change decided under policy that nobody decided (issue 12).

The audit flags every unaccounted first-parent commit (`history.unaccounted`). The gate answers
for one change: it exits 1 when a commit before the decision's base changed the CAB's policy
(CODEOWNERS, the risk model, `policy/`, workflows, the bot's code) and is neither accepted by
`policy/history.yaml` nor the bot's signed merge of an approved policy decision. Changes decided
before such a commit still pass: the rules they were judged by were the decided ones.
Who signs for the bot (`policy/signers.yaml`) is stricter: after its first version, only the
bot's signed merge of an approved policy decision may change it, accepted or not, start or not.
Each attack is a real git history (tests.repo_builder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.git_objects import CommitHeader, Ident, LogEntry
from bot.domain.identity import BotIdentity
from bot.domain.rules.history import HistoryPolicy, policy_unaccounted, signers_unaccounted
from bot.domain.rules.trailers import PolicyTrailers, merge_message
from tests.audit_helpers import verify_line
from tests.builders import dump_yaml, history_policy
from tests.repo_builder import CAB, CODEOWNERS, OUTSIDER, SECURITY, RepoBuilder, Tweak, honest_history
from tests.signing_keys import bot_ssh_key, signers_with_a_strangers_key, stranger_ssh_key


@pytest.fixture(autouse=True)
def _default_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAB_BOT_NAME", raising=False)
    monkeypatch.delenv("CAB_BOT_EMAIL", raising=False)


@pytest.fixture
def honest(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    return builder


def verify(builder: RepoBuilder, change_id: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return verify_line(builder.root, change_id, capsys=capsys)


def push(builder: RepoBuilder, path: str, text: str) -> str:
    builder.write(path, text)
    return builder.commit(f"Update {path}", who=OUTSIDER)


def hand_medium_to_platform(builder: RepoBuilder) -> str:
    handed = CODEOWNERS.replace("/decisions/medium/ @example/cab", "/decisions/medium/ @example/platform")
    return push(builder, ".github/CODEOWNERS", handed)


def test_a_change_approved_under_a_pushed_codeowners_is_refused_naming_the_commit(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    pushed = hand_medium_to_platform(honest)
    decided = honest.decide("identity-gw-2", "medium", Tweak(team="example/platform", approvers=[OUTSIDER]))
    code, line = verify(honest, "identity-gw-2", capsys)
    assert code == 1
    assert line.startswith(
        f"not approved: {decided.record_path} was decided under policy that commit {pushed[:12]} "
        "changed (.github/CODEOWNERS): a non-merge commit (a direct push or a squash merge), by mallory"
    )


def test_a_change_decided_before_the_pushed_codeowners_still_passes(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    hand_medium_to_platform(honest)
    assert verify(honest, "identity-gw-1", capsys)[0] == 0


@pytest.mark.parametrize("path", ["bot/domain/scoring.py", ".github/workflows/cab.yml", "pyproject.toml"])
def test_a_push_to_the_bots_code_or_workflows_fails_every_later_change(
    honest: RepoBuilder, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pushed = push(honest, path, "# changed by hand\n")
    honest.decide("payments-api-2", "low")
    code, line = verify(honest, "payments-api-2", capsys)
    assert (code, f"commit {pushed[:12]} changed ({path})" in line) == (1, True)


def test_a_push_outside_the_policy_paths_is_the_audits_finding_not_the_gates(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    push(honest, "docs/runbook.md", "typed by hand\n")
    honest.decide("payments-api-2", "low")
    assert verify(honest, "payments-api-2", capsys)[0] == 0


def test_a_risk_model_merged_by_a_person_fails_the_changes_after_it(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    model = (honest.root / "risk-model" / "v1.0.yaml").read_text().replace('version: "1.0"', 'version: "9.9"')
    merged = honest.merge_pr("policy/lenient", {"risk-model/v9.9.yaml": model}, who=SECURITY)
    honest.decide("payments-api-2", "low")
    code, line = verify(honest, "payments-api-2", capsys)
    assert code == 1
    assert (
        f"commit {merged[:12]} changed (risk-model/v9.9.yaml): a 2-parent merge that is no decision" in line
    )


def test_a_change_decision_merge_that_also_brought_codeowners_is_no_policy_decision(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    widened = CODEOWNERS + "/docs/ @example/cab\n"
    tricked = honest.decide(
        "payments-api-2", "low", Tweak(on_pr_branch=lambda b: b.write(".github/CODEOWNERS", widened))
    )
    honest.decide("payments-api-3", "low")
    code, line = verify(honest, "payments-api-3", capsys)
    assert code == 1
    assert line.endswith(
        f"commit {tricked.merge[:12]} changed (.github/CODEOWNERS): a bot decision merge that changed "
        "the CAB's policy without being a policy decision"
    )


def test_an_unreadable_history_policy_fails_closed(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    honest.write("policy/history.yaml", "kind: [unclosed\n")
    honest.commit("Break the history policy", who=CAB)
    code, line = verify(honest, "payments-api-1", capsys)
    assert code == 1
    assert "policy/history.yaml on the default branch cannot be read, so none stands" in line


# -- who signs for the bot: policy/signers.yaml changes by approved policy decisions only -------


def merge_policy_by_hand(builder: RepoBuilder, files: dict[str, str | bytes], key: Path) -> str:
    """A policy decision merge built with plain git under the bot's name, signed with `key`: the
    shape the gate checks (trailers naming every path, two commits by the bot, both signed)."""
    builder.git("checkout", "-q", "-b", f"pr/policy-{builder.tick(1).timestamp():.0f}", "main")
    for path, content in files.items():
        builder.write(path, content)
    builder.commit("cab: approved pr-99", who=builder.bot, key=key)
    blobs = tuple(f"{path} {builder.git('rev-parse', f'HEAD:{path}')}" for path in files)
    branch = builder.git("rev-parse", "--abbrev-ref", "HEAD")
    builder.git("checkout", "-q", "main")
    builder.git("merge", "-q", "--no-ff", "--no-commit", branch, who=builder.bot)
    record = "decisions/policy/2026-11/pr-99.yaml"
    trailers = PolicyTrailers(
        "approved", "pr-99", "0" * 64, record, "0" * 64, builder.previous or "none", blobs
    )
    message = merge_message("cab: approved pr-99 (policy)", "by hand", trailers)
    builder.git("commit", "-q", "-m", message, who=builder.bot, when=builder.tick(1), key=key)
    return builder.head()


def trust_a_strangers_key(builder: RepoBuilder) -> str:
    """A direct push that adds a second key for the bot's e-mail: the stranger's."""
    return push(builder, "policy/signers.yaml", signers_with_a_strangers_key(builder.bot.email).decode())


def signed_by_the_stranger() -> Tweak:
    return Tweak(merge_key=stranger_ssh_key(), record_key=stranger_ssh_key())


def test_a_key_pushed_then_accepted_by_a_merge_it_signed_signs_no_decision(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    pushed = trust_a_strangers_key(honest)
    accept = dump_yaml(history_policy(accepted={pushed: "key rotation"}))
    merge_policy_by_hand(honest, {"policy/history.yaml": accept}, stranger_ssh_key())
    forged = honest.decide("evil-1", "low", signed_by_the_stranger())
    code, line = verify(honest, "evil-1", capsys)
    assert code == 1
    assert line == (
        f"not approved: {forged.record_path} is checked with the keys of policy/signers.yaml, which commit "
        f"{pushed[:12]} changed: not the bot's decision merge, and only an approved policy decision may "
        "change policy/signers.yaml (not a push, even one policy/history.yaml accepts)"
    )


def test_a_key_pushed_before_a_start_moved_past_it_signs_no_decision(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    pushed = trust_a_strangers_key(honest)
    moved = dump_yaml(history_policy(start=pushed))
    merge_policy_by_hand(honest, {"policy/history.yaml": moved}, stranger_ssh_key())
    honest.decide("evil-1", "low", signed_by_the_stranger())
    code, line = verify(honest, "evil-1", capsys)
    assert code == 1
    assert f"which commit {pushed[:12]} changed: not the bot's decision merge" in line


def test_signers_deleted_and_restored_by_hand_sign_nothing_even_when_accepted(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    first = honest.read("policy/signers.yaml")
    honest.git("rm", "-q", "policy/signers.yaml")
    dropped = honest.commit("Drop the signers", who=OUTSIDER)
    honest.write("policy/signers.yaml", first)  # a "first version" again, by hand
    restored = honest.commit("Restore the signers", who=OUTSIDER)
    accept = dump_yaml(history_policy(accepted={dropped: "by mistake", restored: "by mistake"}))
    merge_policy_by_hand(honest, {"policy/history.yaml": accept}, bot_ssh_key())
    honest.decide("payments-api-2", "low")
    code, line = verify(honest, "payments-api-2", capsys)
    assert code == 1
    assert f"which commit {restored[:12]} changed: not the bot's decision merge" in line


def test_a_key_an_approved_policy_decision_added_signs_later_decisions(
    honest: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    both = signers_with_a_strangers_key(honest.bot.email)
    merge_policy_by_hand(honest, {"policy/signers.yaml": both}, bot_ssh_key())
    honest.decide("payments-api-2", "low", signed_by_the_stranger())
    assert verify(honest, "payments-api-2", capsys)[0] == 0


# -- the rule itself: which policy-changing commits are accounted for ----------------------------

BOT = BotIdentity("cab-bot", "cab-bot@example.com")
WHO = Ident(BOT.name, BOT.email)
PARENTS = ("a" * 40, "b" * 40)


def merge(message: str, sha: str = "c" * 40) -> tuple[LogEntry, CommitHeader]:
    header = CommitHeader(sha=sha, tree="d" * 40, parents=PARENTS, author=WHO, committer=WHO, message=message)
    return LogEntry(sha, PARENTS, ()), header


def policy_merge(outcome: str, *paths: str) -> str:
    trailers = PolicyTrailers(
        outcome, "pr-7", "e" * 64, "decisions/policy/2026-11/pr-7.yaml", "f" * 64, "0" * 64, paths
    )
    return "Decide pr-7\n\n" + "\n".join(trailers.lines()) + "\n"


def test_the_bots_merge_of_an_approved_policy_decision_is_accounted_for() -> None:
    assert policy_unaccounted(*merge(policy_merge("approved")), BOT, HistoryPolicy()) is None


def test_the_merge_of_a_rejected_policy_decision_may_not_change_policy() -> None:
    why = policy_unaccounted(*merge(policy_merge("rejected")), BOT, HistoryPolicy())
    assert why == "policy decision pr-7 was rejected, yet its merge changed policy"


def test_a_commit_that_history_policy_accepts_is_accounted_for() -> None:
    entry, header = merge("Hand-made merge\n")
    accepted = HistoryPolicy(accepted=frozenset({entry.sha}))
    assert policy_unaccounted(entry, header, BOT, accepted) is None
    assert policy_unaccounted(entry, header, BOT, HistoryPolicy()) is not None


def test_only_an_approved_policy_decision_naming_the_signers_may_change_them() -> None:
    assert signers_unaccounted(*merge(policy_merge("approved", "policy/signers.yaml 1234")), BOT) is None
    assert signers_unaccounted(*merge(policy_merge("approved", "policy/freeze.yaml 1234")), BOT) == (
        "policy decision pr-7 does not name policy/signers.yaml"
    )
    assert signers_unaccounted(*merge(policy_merge("rejected", "policy/signers.yaml 1234")), BOT) == (
        "policy decision pr-7 was rejected"
    )


def test_a_commit_that_history_policy_accepts_still_may_not_change_the_signers() -> None:
    entry, header = merge("Hand-made merge\n")
    assert signers_unaccounted(entry, header, BOT) is not None  # acceptance is not asked at all
