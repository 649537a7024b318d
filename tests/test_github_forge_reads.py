"""GitHubForge reads: a sync's snapshot comes in two GraphQL requests; REST fills in what GraphQL
cannot answer (lists past one page, renames, blobs it did not inline, deep listings); GitHub-shaped
answers become the Forge's values, and anything odd fails closed."""

from __future__ import annotations

import subprocess

import pytest
import responses

from bot.adapters.forge.interface import ForgeError, NotARegularFile
from bot.domain.pull_request import ChangedFile, User
from tests import github_fake as gf
from tests import github_payloads as gp
from tests import github_schema as gs

SNAPSHOT = "POST /graphql query CabSnapshot"
HEAD = "POST /graphql query CabHead"
BRANCH = "cab/payments-api-7.4.2"
EVIDENCE = "evidence/2026-11/payments-api-7.4.2.yaml"
MODEL = b"kind: RiskModel\n"
EXCEPTION = "exceptions/2026-11/db-freeze.yaml"
BASE_FILES = {
    "risk-model/v1.0.yaml": MODEL,
    EXCEPTION: b"kind: Exception\n",
    ".github/CODEOWNERS": b"evidence/ @octo-org/cab\n",
}


@pytest.fixture
def gh():
    with responses.RequestsMock() as rsps:
        yield gs.GitHubMock(rsps)


@pytest.fixture
def fake():
    """PR #7 adds an evidence pack on top of a base with a risk model, an exception and CODEOWNERS."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = gf.FakeGitHub(rsps)
        main = fake.commit_tree(BASE_FILES, [])
        head = fake.commit_tree({**BASE_FILES, EVIDENCE: b"kind: EvidencePack\n"}, [main])
        fake.refs.update(main=main, **{BRANCH: head})
        fake.open_pr(7, BRANCH, author=gp.user("dev", 101))
        fake.add_team("cab", 42, [gp.user("alice", 11), gp.user("bob", 12)])
        yield fake


def snapshot_of(gh, pr: dict) -> None:
    gh.graphql(gp.gql_root(pr))


# --- the pull request and its lists --------------------------------------------------------------
def test_pull_request_maps_head_base_author_and_labels(fake):
    fake.labels += ["risk:low", "bug"]
    pr = gf.make_forge().pull_request(7)
    assert (pr.number, pr.head_sha, pr.base_sha, pr.base_ref, pr.state) == (
        7,
        fake.refs[BRANCH],
        fake.refs["main"],
        "main",
        "open",
    )
    assert pr.labels == ("risk:low", "bug")
    assert pr.author == User("dev", 101, is_bot=False)


def test_pull_request_is_read_once_per_run(fake):
    forge = gf.make_forge()
    forge.pull_request(7)
    forge.pull_request(7)
    assert fake.log == [SNAPSHOT]


def test_a_pr_github_does_not_have_is_a_forge_error_naming_it(fake):
    with pytest.raises(ForgeError, match="read PR #8: Could not resolve to a PullRequest"):
        gf.make_forge().pull_request(8)


def test_a_syncs_lists_base_policy_head_files_and_teams_come_in_two_requests(fake):
    """Replaces "read_file uses one tree call and one blob call": all a sync reads is two requests,
    and one REST page of the branch's pushes for the commits' pushers (GraphQL names none)."""
    forge = gf.make_forge()
    pr = forge.pull_request(7)
    base = forge.branch_head("main")
    assert (forge.reviews(7), forge.commits(7)[0].sha, forge.comments(7)) == ([], pr.head_sha, [])
    assert forge.changed_files(7) == [ChangedFile(EVIDENCE, "added")]
    assert forge.read_file(base, "risk-model/v1.0.yaml") == MODEL
    assert forge.read_file(base, "risk-model/v9.9.yaml") is None
    assert forge.list_files(base, "exceptions") == [EXCEPTION]
    assert forge.latest_decision_sha256(base) is None
    assert forge.read_file(pr.head_sha, EVIDENCE) == b"kind: EvidencePack\n"
    team = forge.team("octo-org/cab")
    assert team is not None
    assert [(u.login, u.id) for u in team.members] == [("alice", 11), ("bob", 12)]
    assert fake.log == [SNAPSHOT, "GET /repos/octo-org/cab/activity", HEAD]


def test_reviews_past_one_graphql_page_are_read_from_every_rest_page(gh):
    head = gp.sha("head")
    first = [gp.review(1000 + i, gp.user(f"u1{i}", 100 + i), "COMMENTED", head) for i in range(3)]
    snapshot_of(gh, gp.gql_pull_request(7, head=head, reviews=first, more={"reviews"}))
    path = "/repos/octo-org/cab/pulls/7/reviews"
    for page in (1, 2, 3):
        items = [
            gp.review(page * 1000 + i, gp.user(f"u{page}{i}", page * 100 + i), "COMMENTED", head)
            for i in range(3)
        ]
        if page == 3:
            items.append(gp.review(3999, gp.user("cab-lead", 777), "APPROVED", head))
        gh.add(
            "GET",
            path,
            items,
            headers=gp.page_links(path, page, 3),
            query={"page": str(page)} if page > 1 else None,
        )
    reviews = gf.make_forge().reviews(7)
    assert len(reviews) == 10
    approved = [r for r in reviews if r.state == "APPROVED"]
    assert [(r.user.login, r.user.id, r.commit_id, r.id) for r in approved] == [("cab-lead", 777, head, 3999)]
    assert gh.calls() == [SNAPSHOT, f"GET {path}", f"GET {path}", f"GET {path}"]


def test_review_by_an_app_is_marked_bot(fake):
    fake.add_review(7, gp.user("dependabot[bot]", 49699333, "Bot"), "APPROVED", fake.refs[BRANCH])
    assert gf.make_forge().reviews(7)[0].user.is_bot


def test_an_app_keeps_the_login_rest_gives_it(fake):
    """GraphQL names an App `dependabot`; REST, CODEOWNERS and `CAB_BOT_LOGIN` say `dependabot[bot]`."""
    app = gp.user("dependabot[bot]", 49699333, "Bot")
    fake.prs[7]["author"] = app
    fake.add_review(7, app, "COMMENTED", fake.refs[BRANCH])
    fake.add_comment(7, app, "hello")
    forge = gf.make_forge()
    expected = User("dependabot[bot]", 49699333, is_bot=True)
    assert forge.pull_request(7).author == expected
    assert forge.reviews(7)[0].user == expected
    assert forge.comments(7)[0].user == expected


def test_commit_user_is_bot_from_type_not_name(gh):
    """Past one GraphQL page, PR commits come from REST, whose accounts say their type."""
    snapshot_of(gh, gp.gql_pull_request(7, more={"commits"}))
    app = gp.user("renovate", 2740337, "Bot")
    gh.add("GET", "{repo}/pulls/7/commits", [gp.commit(gp.sha("c"), author=app, committer=None)])
    pushed = gp.activity("0" * 40, gp.sha("c"), app, branch="cab/payments-api-7.4.2", kind="branch_creation")
    gh.add("GET", "{repo}/activity", [pushed])
    (commit,) = gf.make_forge().commits(7)
    assert commit.author is not None
    assert commit.author.is_bot
    assert commit.committer is None
    assert commit.author_email == "dev@example.com"


def test_a_commit_by_an_app_has_no_account_in_graphql_but_keeps_its_email(fake):
    """GraphQL links commits to Users only: an App's commit names no account (so it conflicts no one)."""
    fake.push(BRANCH, {EVIDENCE: b"bumped\n"}, gp.user("renovate[bot]", 2740337, "Bot"))
    commit = gf.make_forge().commits(7)[-1]
    assert (commit.author, commit.committer) == (None, None)
    assert commit.author_email.endswith("[bot]@users.noreply.github.com")


def test_changed_files_keep_renames_with_their_old_path(gh):
    """GraphQL gives a rename no old path: the list is read from REST."""
    snapshot_of(gh, gp.gql_pull_request(7, files=[("evidence/2026-11/b.yaml", "RENAMED")]))
    gh.add(
        "GET",
        "{repo}/pulls/7/files",
        [gp.diff_entry("evidence/2026-11/b.yaml", "renamed", previous="evidence/2026-11/a.yaml")],
    )
    (changed,) = gf.make_forge().changed_files(7)
    assert (changed.path, changed.status, changed.previous_path) == (
        "evidence/2026-11/b.yaml",
        "renamed",
        "evidence/2026-11/a.yaml",
    )


def test_changed_files_over_the_api_cap_fail_closed_without_a_clone(gh):
    files = [(f"evidence/2026-11/c{i}.yaml", "ADDED") for i in range(100)]
    snapshot_of(gh, gp.gql_pull_request(7, files=files, changed_files=3000, more={"files"}))
    with pytest.raises(ForgeError, match="at most 3000"):
        gf.make_forge().changed_files(7)
    assert gh.calls() == [SNAPSHOT]


def test_changed_files_over_the_api_cap_come_from_the_local_clone(gh, tmp_path):
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True)
        return done.stdout.strip()

    git("init", "-q")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "dev")
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "a.yaml").write_text("kind: EvidencePack\nid: a\n")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    base = git("rev-parse", "HEAD")
    git("mv", "evidence/a.yaml", "evidence/b.yaml")
    (tmp_path / "evidence" / "c.yaml").write_text("new\n")
    git("add", ".")
    git("commit", "-q", "-m", "head")
    pr = gp.gql_pull_request(7, head=git("rev-parse", "HEAD"), base=gp.gql_commit(base), changed_files=3000)
    snapshot_of(gh, pr)
    assert sorted(gf.make_forge(local_git=tmp_path).changed_files(7), key=lambda f: f.path) == [
        ChangedFile("evidence/b.yaml", "renamed", previous_path="evidence/a.yaml"),
        ChangedFile("evidence/c.yaml", "added"),
    ]
    assert gh.calls() == [SNAPSHOT]


# --- teams -------------------------------------------------------------------------------------
def test_team_members_are_matched_by_numeric_id(gh):
    gh.add("GET", "/orgs/octo-org/teams/cab", gp.team("cab", 42))
    gh.add("GET", "/orgs/octo-org/teams/cab/members", [gp.user("alice", 11), gp.user("bob", 12)])
    team = gf.make_forge().team("octo-org/cab")
    assert team is not None
    assert team.id == 42
    assert team.slug == "octo-org/cab"
    assert [(u.login, u.id) for u in team.members] == [("alice", 11), ("bob", 12)]


def test_unknown_team_is_none(gh):
    gh.add("GET", "/orgs/octo-org/teams/ghosts", gp.error("Not Found"), status=404)
    assert gf.make_forge().team("octo-org/ghosts") is None


def test_a_codeowners_team_in_a_missing_organization_is_none_without_a_rest_call(fake):
    fake.missing_orgs = {"octo-org"}
    forge = gf.make_forge()
    forge.pull_request(7)
    assert forge.team("octo-org/cab") is None
    assert fake.log == [SNAPSHOT, HEAD]


def test_a_codeowners_team_past_one_page_of_members_is_read_through_rest(fake):
    fake.add_team("cab", 42, [gp.user(f"member{i}", 1000 + i) for i in range(101)])
    forge = gf.make_forge()
    forge.pull_request(7)
    team = forge.team("octo-org/cab")
    assert team is not None
    assert len(team.members) == 101
    assert "GET /orgs/octo-org/teams/cab/members" in fake.log


def test_codeowners_teams_are_read_when_the_pr_lists_more_files_than_one_graphql_page(fake):
    """No head files to read with the teams (the file list comes from REST): the query for the teams
    alone must still be one GitHub accepts (issue 11: it declared `$head` without using it)."""
    fake.push(BRANCH, {f"docs/note{i}.md": b"note\n" for i in range(100)}, gp.user("dev", 101))
    forge = gf.make_forge()
    forge.pull_request(7)
    team = forge.team("octo-org/cab")
    assert team is not None
    assert [u.login for u in team.members] == ["alice", "bob"]
    assert fake.log == [SNAPSHOT, HEAD]


def test_codeowners_teams_are_read_when_the_pr_renames_a_file(gh):
    """A rename's old path comes from REST, so the head query again carries only the teams."""
    codeowners = {".github/CODEOWNERS": b"evidence/ @octo-org/cab\n"}
    pr = gp.gql_pull_request(
        7, files=[("evidence/2026-11/b.yaml", "RENAMED")], base=gp.gql_commit(gp.sha("base"), codeowners)
    )
    root = gp.gql_root(pr)
    members = gp.gql_page([{"login": "alice", "databaseId": 11}])
    cab = {"databaseId": 42, "slug": "cab", "members": members}
    root["organization"] = lambda _info, login: {
        "__typename": "Organization",
        "login": login,
        "team": lambda _info, slug: cab if slug == "cab" else None,
    }
    gh.graphql(root, repeat=2)
    forge = gf.make_forge()
    forge.pull_request(7)
    team = forge.team("octo-org/cab")
    assert team is not None
    assert [(u.login, u.id) for u in team.members] == [("alice", 11)]
    assert gh.calls() == [SNAPSHOT, HEAD]


# --- files ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "given"),
    [
        (b"\x00\x01 binary", gp.Entry(b"\x00\x01 binary", binary=True)),
        (b"kind: RiskModel\n" * 4, gp.Entry(b"kind: RiskModel\n" * 4, text="kind: Ri", truncated=True)),
        (b"owner: Jos\xe9\n", gp.Entry(b"owner: Jos\xe9\n", text="owner: Jos\ufffd\n")),
    ],
    ids=["binary", "truncated", "decoded-lossily"],
)
def test_a_blob_github_did_not_inline_as_its_bytes_is_read_once_through_rest(gh, content, given):
    base = gp.gql_commit(gp.sha("base"), {"risk-model/v1.0.yaml": given})
    snapshot_of(gh, gp.gql_pull_request(7, base=base))
    blob = gp.blob_sha(content)
    gh.add("GET", f"{{repo}}/git/blobs/{blob}", gp.blob(content))
    forge = gf.make_forge()
    forge.pull_request(7)
    assert forge.read_file(base["oid"], "risk-model/v1.0.yaml") == content
    assert forge.read_file(base["oid"], "risk-model/v1.0.yaml") == content
    assert gh.calls() == [SNAPSHOT, f"GET /repos/octo-org/cab/git/blobs/{blob}"]


def link(what: str) -> gp.Entry:
    return gp.symlink("../../etc/passwd") if what == "symlink" else gp.submodule()


@pytest.mark.parametrize("what", ["symlink", "submodule"])
def test_governed_links_are_refused(gh, what):
    base = gp.gql_commit(gp.sha("base"), {EXCEPTION: link(what)})
    snapshot_of(gh, gp.gql_pull_request(7, base=base))
    forge = gf.make_forge()
    forge.pull_request(7)
    with pytest.raises(ForgeError, match=what):
        forge.read_file(base["oid"], EXCEPTION)
    with pytest.raises(ForgeError, match=what):
        forge.list_files(base["oid"], "exceptions")


@pytest.mark.parametrize("what", ["symlink", "submodule"])
def test_a_governed_link_in_the_pr_is_refused(gh, what):
    head = gp.gql_commit(gp.sha("head"), {EVIDENCE: link(what)})
    snapshot_of(gh, gp.gql_pull_request(7, head=head["oid"], commits=[head], files=[(EVIDENCE, "ADDED")]))
    gh.graphql(gp.gql_root(commits=[head]))
    forge = gf.make_forge()
    with pytest.raises(ForgeError, match=what):
        forge.read_file(forge.pull_request(7).head_sha, EVIDENCE)
    assert gh.calls() == [SNAPSHOT, HEAD]


RECORD = "decisions/low/2026-11/payments-api-7.4.2.yaml"


@pytest.mark.parametrize("tier", ["low", "medium", "high"])
def test_the_head_query_reads_every_record_the_changed_evidence_can_have(fake, tier):
    forge = gf.make_forge()
    head = forge.pull_request(7).head_sha
    forge.read_file(head, EVIDENCE)
    assert forge.read_file(head, f"decisions/{tier}/2026-11/payments-api-7.4.2.yaml") is None
    assert fake.log == [SNAPSHOT, HEAD]


@pytest.mark.parametrize("where", ["decisions", "decisions/low", "decisions/low/2026-11", RECORD])
def test_the_record_commit_refuses_a_link_on_its_way_at_the_head_without_reading_again(gh, where):
    head = gp.gql_commit(gp.sha("head"), {EVIDENCE: b"kind: EvidencePack\n", where: gp.symlink("elsewhere")})
    snapshot_of(gh, gp.gql_pull_request(7, head=head["oid"], commits=[head], files=[(EVIDENCE, "ADDED")]))
    gh.graphql(gp.gql_root(commits=[head]))
    forge = gf.make_forge()
    forge.read_file(forge.pull_request(7).head_sha, EVIDENCE)
    with pytest.raises(NotARegularFile, match="symlink"):
        forge.commit_files(7, head["oid"], {RECORD: b"outcome: pending\n"}, "cab: pending decision")
    assert gh.calls() == [SNAPSHOT, HEAD]


def test_a_symlinked_directory_on_the_way_is_refused_on_the_base(gh):
    base = gp.gql_commit(gp.sha("base"), {"risk-model": gp.symlink("elsewhere")})
    snapshot_of(gh, gp.gql_pull_request(7, base=base))
    forge = gf.make_forge()
    forge.pull_request(7)
    with pytest.raises(ForgeError, match="symlink"):
        forge.read_file(base["oid"], "risk-model/v1.0.yaml")


def test_a_symlinked_directory_on_the_way_is_refused_at_any_commit(gh):
    at = gp.gql_commit(gp.sha("elsewhere"), {"risk-model": gp.symlink("elsewhere")})
    gh.graphql(gp.gql_root(commits=[at]))
    with pytest.raises(ForgeError, match="symlink"):
        gf.make_forge().read_file(at["oid"], "risk-model/v1.0.yaml")


def test_reading_at_a_commit_github_does_not_have_fails_rather_than_finding_nothing(gh):
    gh.graphql(gp.gql_root())
    with pytest.raises(ForgeError, match=f"no commit {gp.sha('gone')}"):
        gf.make_forge().read_file(gp.sha("gone"), "risk-model/v1.0.yaml")


def test_a_directory_deeper_than_the_snapshot_expands_is_listed_through_rest(fake):
    deep = "exceptions/2026-11/nested/too-deep.yaml"
    fake.refs["main"] = fake.commit_tree({**BASE_FILES, deep: b"x: 1\n"}, [fake.refs["main"]])
    forge = gf.make_forge()
    forge.pull_request(7)
    base = forge.branch_head("main")
    assert forge.list_files(base, "exceptions") == [EXCEPTION, deep]
    assert fake.log == [SNAPSHOT, f"GET /repos/octo-org/cab/git/trees/{base}"]


def test_truncated_tree_fails_closed(gh):
    at = gp.sha("big")
    listing = gp.tree(at, {"evidence/a.yaml": ("100644", "a")})
    listing["truncated"] = True
    gh.add("GET", f"{{repo}}/git/trees/{at}", listing)
    with pytest.raises(ForgeError, match="too large"):
        gf.make_forge().list_files(at, "evidence")


# --- where GitHub is, and when it refuses ---------------------------------------------------------
def test_api_url_is_honoured_for_enterprise_server(gh):
    gh.graphql(gp.gql_root(gp.gql_pull_request(7)), url="https://ghe.example.com/api/graphql")
    pr = gf.make_forge(base_url="https://ghe.example.com/api/v3").pull_request(7)
    assert pr.number == 7
    assert gh.calls() == ["POST /api/graphql query CabSnapshot"]


def test_a_forbidden_answer_becomes_a_forge_error_naming_the_step(gh):
    gh.graphql(status=403, body=gp.error("Resource not accessible by integration"))
    with pytest.raises(ForgeError, match="read PR #7: 403 Resource not accessible"):
        gf.make_forge().pull_request(7)


def test_a_forbidden_graphql_error_becomes_a_forge_error_naming_the_step(gh):
    gh.graphql(gp.gql_root(gp.refused("FORBIDDEN", "Resource not accessible by integration")))
    with pytest.raises(ForgeError, match="read PR #7: Resource not accessible by integration"):
        gf.make_forge().pull_request(7)
