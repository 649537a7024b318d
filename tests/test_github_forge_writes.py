"""GitHubForge writes: guarded by the evaluated sha, idempotent, and convergent after a crash."""

from __future__ import annotations

import pytest
import responses

from bot.adapters.forge.interface import HeadMovedError
from bot.domain.rules import trailers
from tests import github_fake as gf
from tests import github_payloads as gp

EVIDENCE = "evidence/2026-11/payments-api-7.4.2.yaml"
RECORD = "decisions/medium/2026-11/payments-api-7.4.2.yaml"
MARKER = "<!-- cab-bot:summary -->"
SNAPSHOT = "POST /graphql query CabSnapshot"
COMMIT = "POST /graphql mutation CabCommit"


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = gf.FakeGitHub(rsps)
        main = fake.commit_tree({"risk-model/v1.0.yaml": b"kind: RiskModel\n"}, [])
        head = fake.commit_tree(
            {"risk-model/v1.0.yaml": b"kind: RiskModel\n", EVIDENCE: b"kind: EvidencePack\n"}, [main]
        )
        fake.refs.update(main=main, **{"cab/payments-api-7.4.2": head})
        fake.open_pr(7, "cab/payments-api-7.4.2", author=gp.user("dev", 101))
        yield fake


def head_of(fake) -> str:
    return fake.refs["cab/payments-api-7.4.2"]


def commit_record(fake, expected: str, content: bytes = b"outcome: pending\n") -> str:
    return gf.make_forge().commit_files(7, expected, {RECORD: content}, "cab: pending decision")


# --- commit_files ------------------------------------------------------------------------------
def test_commit_files_adds_one_commit_on_the_evaluated_head(fake):
    before = head_of(fake)
    new = commit_record(fake, before)
    assert head_of(fake) == new
    assert fake.commits[new][1] == [before]
    assert fake._files(new)[RECORD] == b"outcome: pending\n"


def test_commit_files_is_a_no_op_when_the_content_is_already_there(fake):
    first = commit_record(fake, head_of(fake))
    writes_before = fake.writes()
    assert commit_record(fake, first) == first
    assert fake.writes() == writes_before


def test_commit_files_can_delete_a_file(fake):
    new = gf.make_forge().commit_files(7, head_of(fake), {EVIDENCE: None}, "cab: remove")
    assert EVIDENCE not in fake._files(new)


def test_commit_files_writes_with_one_mutation(fake):
    """Replaces the REST blob, tree, commit and ref calls: one `createCommitOnBranch`."""
    commit_record(fake, head_of(fake))
    assert fake.writes() == [COMMIT]


def test_commit_files_refuses_a_head_github_does_not_have_without_writing(fake):
    with pytest.raises(HeadMovedError):
        commit_record(fake, gp.sha("an older head"))
    assert fake.writes() == []


def test_commit_files_refuses_a_head_that_moved_with_one_attempt(fake):
    """STALE_DATA from `createCommitOnBranch` is HeadMovedError: re-sync, never retry or force."""
    before = head_of(fake)
    pushed = fake.push("cab/payments-api-7.4.2", {EVIDENCE: b"later push\n"}, gp.user("dev", 101))
    with pytest.raises(HeadMovedError, match="Expected branch to point to"):
        commit_record(fake, before)
    assert fake.writes() == [COMMIT]
    assert head_of(fake) == pushed


def test_commit_files_never_forces_over_a_push_that_lands_mid_commit(fake):
    before = head_of(fake)
    pushed = fake.commit_tree({EVIDENCE: b"sneaky\n"}, [before])
    fake.interleave["mutation CabCommit"] = lambda: fake.refs.update({"cab/payments-api-7.4.2": pushed})
    with pytest.raises(HeadMovedError):
        commit_record(fake, before)
    assert head_of(fake) == pushed


def rerun_commit(fake) -> str:
    """The re-run starts from what GitHub now says the head is, as the engine does."""
    forge = gf.make_forge()
    return forge.commit_files(7, forge.pull_request(7).head_sha, {RECORD: b"outcome: pending\n"}, "x")


@pytest.mark.parametrize("step", ["query CabSnapshot", "query CabHead", "mutation CabCommit"])
def test_commit_files_rerun_after_a_crash_converges_to_one_commit(fake, step):
    start = head_of(fake)
    fake.crash_before(step)
    with pytest.raises(gf.Crash):
        commit_record(fake, start)
    final = rerun_commit(fake)
    assert fake._files(final)[RECORD] == b"outcome: pending\n"
    assert fake.commits[final][1] == [start]


def test_commit_files_rerun_after_a_lost_answer_makes_no_second_commit(fake):
    start = head_of(fake)
    fake.lose_answer_of("mutation CabCommit")  # the commit landed, the answer did not arrive
    with pytest.raises(gf.Crash):
        commit_record(fake, start)
    landed = head_of(fake)
    assert fake.commits[landed][1] == [start]
    assert rerun_commit(fake) == landed
    assert fake.writes() == [COMMIT]


def test_commit_files_retried_after_a_gateway_error_that_landed_fails_as_moved_then_converges(fake):
    """A 502 on the mutation is retried; if the first attempt had landed, the guard refuses the
    second, and the next sync finds the record there."""
    start = head_of(fake)
    fake.lose_answer_of("mutation CabCommit", status=502)
    with pytest.raises(HeadMovedError):
        commit_record(fake, start)
    landed = head_of(fake)
    assert fake.commits[landed][1] == [start]
    assert fake.writes() == [COMMIT, COMMIT]
    assert rerun_commit(fake) == landed


# --- upsert_comment ----------------------------------------------------------------------------
def test_upsert_comment_creates_then_edits_the_same_comment(fake):
    gf.make_forge().upsert_comment(7, MARKER, f"score 60 {MARKER}")
    gf.make_forge().upsert_comment(7, MARKER, f"score 80 {MARKER}")
    assert [c["body"] for c in fake.comments] == [f"score 80 {MARKER}"]


def test_upsert_comment_ignores_a_human_comment_that_quotes_the_marker(fake):
    fake.comments.append(gp.comment(5, gp.user("mallory", 666), f"fake summary {MARKER}"))
    gf.make_forge().upsert_comment(7, MARKER, f"score 60 {MARKER}")
    assert [c["user"]["login"] for c in fake.comments] == ["mallory", "github-actions[bot]"]
    assert fake.comments[0]["body"] == f"fake summary {MARKER}"


def test_upsert_comment_leaves_an_unchanged_comment_alone(fake):
    gf.make_forge().upsert_comment(7, MARKER, f"same {MARKER}")
    calls = len(fake.log)
    gf.make_forge().upsert_comment(7, MARKER, f"same {MARKER}")
    assert fake.log[calls:] == [SNAPSHOT]


def test_upsert_comment_edits_its_own_comment_under_a_configured_bot_login(fake):
    """GraphQL names the bot `github-actions`; `CAB_BOT_LOGIN` says `github-actions[bot]`."""
    gf.make_forge(bot_login="github-actions[bot]").upsert_comment(7, MARKER, f"score 60 {MARKER}")
    gf.make_forge(bot_login="github-actions[bot]").upsert_comment(7, MARKER, f"score 80 {MARKER}")
    assert [c["body"] for c in fake.comments] == [f"score 80 {MARKER}"]


def test_upsert_comment_removes_duplicates_left_by_a_race(fake):
    bot = gp.user("github-actions[bot]", 41898282, "Bot")
    fake.comments += [gp.comment(1, bot, f"old {MARKER}"), gp.comment(2, bot, f"older race {MARKER}")]
    gf.make_forge().upsert_comment(7, MARKER, f"new {MARKER}")
    assert [(c["id"], c["body"]) for c in fake.comments] == [(1, f"new {MARKER}")]


def test_upsert_comment_finds_its_comment_past_one_graphql_page(fake):
    for i in range(100):
        fake.add_comment(7, gp.user(f"reviewer{i}", 2000 + i), "looks fine")
    mine = fake.add_comment(7, gp.user(*gf.BOT_USER), f"score 60 {MARKER}")
    gf.make_forge().upsert_comment(7, MARKER, f"score 80 {MARKER}")
    assert mine["body"] == f"score 80 {MARKER}"
    assert fake.writes() == [f"PATCH /repos/octo-org/cab/issues/comments/{mine['id']}"]
    assert "GET /repos/octo-org/cab/issues/7/comments" in fake.log


@pytest.mark.parametrize("lost", [True, False])
def test_upsert_comment_rerun_after_a_crash_leaves_one_comment(fake, lost):
    if lost:
        fake.lose_answer_of(2)
    else:
        fake.crash_before(2)
    with pytest.raises(gf.Crash):
        gf.make_forge().upsert_comment(7, MARKER, f"score 60 {MARKER}")
    gf.make_forge().upsert_comment(7, MARKER, f"score 60 {MARKER}")
    assert [c["body"] for c in fake.comments] == [f"score 60 {MARKER}"]


# --- labels and status -------------------------------------------------------------------------
def test_set_risk_label_replaces_only_risk_labels(fake):
    fake.labels += ["bug", "risk:high", "risk:low"]
    gf.make_forge().set_risk_label(7, "risk:medium")
    assert fake.labels == ["bug", "risk:medium"]


def test_set_risk_label_makes_no_call_beyond_the_pr_read_when_already_set(fake):
    fake.labels += ["risk:medium"]
    gf.make_forge().set_risk_label(7, "risk:medium")
    assert fake.log == [SNAPSHOT]


@pytest.mark.parametrize("crash_at", [2, 3, 4])
def test_set_risk_label_rerun_after_a_crash_converges(fake, crash_at):
    fake.labels += ["risk:high", "risk:low"]
    fake.crash_before(crash_at)
    with pytest.raises(gf.Crash):
        gf.make_forge().set_risk_label(7, "risk:medium")
    gf.make_forge().set_risk_label(7, "risk:medium")
    assert fake.labels == ["risk:medium"]


def test_set_status_posts_the_cab_decision_context(fake):
    gf.make_forge().set_status(head_of(fake), "pending", "waiting for CAB approval")
    assert fake.statuses == [(head_of(fake), "pending")]


# --- merge -------------------------------------------------------------------------------------
def decision_message() -> str:
    found = trailers.DecisionTrailers(
        decision="approved",
        change="payments-api-7.4.2",
        tier="medium",
        risk_score="62.00",
        evidence_sha256="e" * 64,
        model="v1.0 sha256:" + "m" * 64,
        record=RECORD,
        record_sha256="r" * 64,
        previous="none",
        approved_by=("alice (11)",),
    )
    return trailers.merge_message("cab: approved payments-api-7.4.2 (medium, 62.00)", "CAB approved.", found)


def test_merge_merges_exactly_the_evaluated_head_with_the_trailers(fake):
    head, base = head_of(fake), fake.refs["main"]
    title, _, rest = decision_message().partition("\n\n")
    merge = gf.make_forge().merge(7, head, title, rest)
    assert fake.commits[merge][1] == [base, head]
    assert fake.refs["main"] == merge
    assert trailers.from_message(fake.commits[merge][2]) is not None


def test_merge_refuses_when_the_head_moved_and_does_not_retry(fake):
    evaluated = head_of(fake)
    fake.refs["cab/payments-api-7.4.2"] = fake.commit_tree({EVIDENCE: b"later push\n"}, [evaluated])
    with pytest.raises(HeadMovedError, match="Head branch was modified"):
        gf.make_forge().merge(7, evaluated, "t", "m")
    assert [c for c in fake.log if c.startswith("PUT")] == ["PUT /repos/octo-org/cab/pulls/7/merge"]
    assert not fake.prs[7]["merged"]


def test_merge_rerun_after_a_lost_answer_returns_the_same_merge(fake):
    head = head_of(fake)
    fake.lose_answer_of(2)
    with pytest.raises(gf.Crash):
        gf.make_forge().merge(7, head, "t", "m")
    merged = fake.prs[7]["merge"]
    assert gf.make_forge().merge(7, head, "t", "m") == merged
    assert len([c for c in fake.log if c.startswith("PUT")]) == 1


def test_latest_decision_follows_first_parents_to_the_newest_cab_merge(fake):
    head = head_of(fake)
    title, _, rest = decision_message().partition("\n\n")
    merge = gf.make_forge().merge(7, head, title, rest)
    plain = fake.commit_tree(fake._files(merge), [merge], "docs: typo")
    assert gf.make_forge().latest_decision_sha256(plain) == "r" * 64


def test_latest_decision_is_none_before_the_first_decision(fake):
    assert gf.make_forge().latest_decision_sha256(fake.refs["main"]) is None


def decide_then_open_pr_8(fake, plain_commits: int) -> None:
    """PR #7 merged as a decision, `plain_commits` pushed on main after it, then PR #8 opened."""
    title, _, rest = decision_message().partition("\n\n")
    gf.make_forge().merge(7, head_of(fake), title, rest)
    for i in range(plain_commits):
        fake.push("main", {f"docs/{i}.md": b"typo\n"}, gp.user("dev", 101), "docs: typo")
    main = fake.refs["main"]
    fake.refs["cab/next"] = fake.commit_tree(fake._files(main), [main], "next change")
    fake.open_pr(8, "cab/next", author=gp.user("dev", 101))


def test_latest_decision_on_the_base_is_found_in_the_snapshots_history(fake):
    decide_then_open_pr_8(fake, plain_commits=3)
    forge = gf.make_forge()
    forge.pull_request(8)
    before = len(fake.log)
    assert forge.latest_decision_sha256(forge.branch_head("main")) == "r" * 64
    assert fake.log[before:] == []


def test_latest_decision_past_the_snapshots_history_page_is_walked_through_rest(fake):
    decide_then_open_pr_8(fake, plain_commits=100)
    forge = gf.make_forge()
    forge.pull_request(8)
    before = len(fake.log)
    assert forge.latest_decision_sha256(forge.branch_head("main")) == "r" * 64
    assert fake.log[before:] == ["GET /repos/octo-org/cab/commits"]


# --- open_pull_request -------------------------------------------------------------------------
def test_open_pull_request_is_idempotent(fake):
    fake.refs["cab/new-change"] = fake.refs["main"]
    first = gf.make_forge().open_pull_request("cab/new-change", "main", "t", "b")
    again = gf.make_forge().open_pull_request("cab/new-change", "main", "t", "b")
    assert first == again
    assert [c for c in fake.log if c.startswith("POST")] == ["POST /repos/octo-org/cab/pulls"]


def test_first_comment_on_a_pr_without_comments_skips_the_list_call(fake):
    forge = gf.make_forge()
    forge.pull_request(7)
    forge.upsert_comment(7, MARKER, f"score 60 {MARKER}")
    assert fake.log == [SNAPSHOT, "POST /repos/octo-org/cab/issues/7/comments"]


def exception_decision_message() -> str:
    found = trailers.ExceptionTrailers(
        decision="approved",
        exception="edge-proxy-nghttp2",
        exception_sha256="x" * 64,
        expires_at="2026-12-20T00:00:00+00:00",
        record="decisions/exceptions/2026-11/edge-proxy-nghttp2.yaml",
        record_sha256="q" * 64,
        previous="r" * 64,
        approved_by=("sam (21)",),
    )
    return trailers.merge_message("cab: exception edge-proxy-nghttp2 approved", "Security approved.", found)


def test_latest_decision_after_an_exception_decision_is_the_exceptions_record(fake):
    """The audit chains exception decisions too: a change decided next must point at its record."""
    title, _, rest = exception_decision_message().partition("\n\n")
    merge = gf.make_forge().merge(7, head_of(fake), title, rest)
    assert gf.make_forge().latest_decision_sha256(merge) == "q" * 64
