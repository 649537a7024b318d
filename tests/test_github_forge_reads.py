"""GitHubForge reads: GitHub-shaped answers become the Forge's values, all pages, failing closed."""

from __future__ import annotations

import pytest
import responses

from bot.forge.interface import ForgeError
from tests import github_mock as gm


@pytest.fixture
def gh():
    with responses.RequestsMock() as rsps:
        yield gm.GitHubMock(rsps)


def test_pull_request_maps_head_base_author_and_labels(gh):
    gh.add("GET", "{repo}/pulls/7", gm.pull_request(7, head=gm.sha("h"), labels=["risk:low", "bug"]))
    pr = gm.make_forge().pull_request(7)
    assert (pr.number, pr.head_sha, pr.base_ref, pr.state) == (7, gm.sha("h"), "main", "open")
    assert pr.labels == ("risk:low", "bug")
    assert pr.author.login == "dev"
    assert pr.author.id == 101
    assert not pr.author.is_bot


def test_pull_request_is_read_once_per_run(gh):
    gh.add("GET", "{repo}/pulls/7", gm.pull_request(7))
    forge = gm.make_forge()
    forge.pull_request(7)
    forge.pull_request(7)
    assert gh.calls() == ["GET /repos/octo-org/cab/pulls/7"]


def test_reviews_on_page_three_are_read(gh):
    path = "/repos/octo-org/cab/pulls/7/reviews"
    head = gm.sha("head")
    for page in (1, 2, 3):
        items = [
            gm.review(page * 1000 + i, gm.user(f"u{page}{i}", page * 100 + i), "COMMENTED", head)
            for i in range(3)
        ]
        if page == 3:
            items.append(gm.review(3999, gm.user("cab-lead", 777), "APPROVED", head))
        gh.add(
            "GET",
            path,
            items,
            headers=gm.page_links(path, page, 3),
            query={"page": str(page)} if page > 1 else None,
        )
    reviews = gm.make_forge().reviews(7)
    assert len(reviews) == 10
    approved = [r for r in reviews if r.state == "APPROVED"]
    assert [(r.user.login, r.user.id, r.commit_id, r.id) for r in approved] == [("cab-lead", 777, head, 3999)]


def test_review_by_an_app_is_marked_bot(gh):
    bot = gm.user("dependabot[bot]", 49699333, "Bot")
    gh.add("GET", "{repo}/pulls/7/reviews", [gm.review(1, bot, "APPROVED", gm.sha("h"))])
    assert gm.make_forge().reviews(7)[0].user.is_bot


def test_commit_user_is_bot_from_type_not_name(gh):
    app = gm.user("renovate", 2740337, "Bot")
    gh.add("GET", "{repo}/pulls/7/commits", [gm.commit(gm.sha("c"), author=app, committer=None)])
    (commit,) = gm.make_forge().commits(7)
    assert commit.author is not None
    assert commit.author.is_bot
    assert commit.committer is None
    assert commit.author_email == "dev@example.com"


def test_changed_files_keep_renames_with_their_old_path(gh):
    gh.add(
        "GET",
        "{repo}/pulls/7/files",
        [gm.diff_entry("evidence/2026-11/b.yaml", "renamed", previous="evidence/2026-11/a.yaml")],
    )
    gh.add("GET", "{repo}/pulls/7", gm.pull_request(7, changed_files=1))
    (changed,) = gm.make_forge().changed_files(7)
    assert (changed.path, changed.status, changed.previous_path) == (
        "evidence/2026-11/b.yaml",
        "renamed",
        "evidence/2026-11/a.yaml",
    )


def test_changed_files_over_the_api_cap_fail_closed_without_a_clone(gh):
    gh.add("GET", "{repo}/pulls/7", gm.pull_request(7, changed_files=3000))
    with pytest.raises(ForgeError, match="at most 3000"):
        gm.make_forge().changed_files(7)
    assert gh.calls() == ["GET /repos/octo-org/cab/pulls/7"]


def test_team_members_are_matched_by_numeric_id(gh):
    gh.add("GET", "/orgs/octo-org/teams/cab", gm.team("cab", 42))
    gh.add("GET", "/orgs/octo-org/teams/cab/members", [gm.user("alice", 11), gm.user("bob", 12)])
    team = gm.make_forge().team("octo-org/cab")
    assert team is not None
    assert team.id == 42
    assert team.slug == "octo-org/cab"
    assert [(u.login, u.id) for u in team.members] == [("alice", 11), ("bob", 12)]


def test_unknown_team_is_none(gh):
    gh.add("GET", "/orgs/octo-org/teams/ghosts", gm.error("Not Found"), status=404)
    assert gm.make_forge().team("octo-org/ghosts") is None


def test_read_file_uses_one_tree_call_and_one_blob_call(gh):
    at = gm.sha("base")
    files = {
        "risk-model/v1.0.yaml": ("100644", "kind: RiskModel\n"),
        "evidence/2026-11/a.yaml": ("100644", "x: 1\n"),
    }
    gh.add("GET", f"{{repo}}/git/trees/{at}", gm.tree(at, files))
    model = b"kind: RiskModel\n"
    gh.add("GET", f"{{repo}}/git/blobs/{gm.blob_sha(model)}", gm.blob(model))
    forge = gm.make_forge()
    assert forge.read_file(at, "risk-model/v1.0.yaml") == model
    assert forge.read_file(at, "risk-model/v9.9.yaml") is None
    assert forge.list_files(at, "evidence") == ["evidence/2026-11/a.yaml"]
    assert len(gh.calls()) == 2


@pytest.mark.parametrize(("mode", "what"), [("120000", "symlink"), ("160000", "submodule")])
def test_governed_links_are_refused(gh, mode, what):
    at = gm.sha("base")
    gh.add(
        "GET",
        f"{{repo}}/git/trees/{at}",
        gm.tree(at, {"exceptions/2026-11/x.yaml": (mode, "../../etc/passwd")}),
    )
    forge = gm.make_forge()
    with pytest.raises(ForgeError, match=what):
        forge.read_file(at, "exceptions/2026-11/x.yaml")
    with pytest.raises(ForgeError, match=what):
        forge.list_files(at, "exceptions")


def test_a_symlinked_directory_on_the_way_is_refused(gh):
    at = gm.sha("base")
    gh.add("GET", f"{{repo}}/git/trees/{at}", gm.tree(at, {"risk-model": ("120000", "elsewhere")}))
    with pytest.raises(ForgeError, match="symlink"):
        gm.make_forge().read_file(at, "risk-model/v1.0.yaml")


def test_truncated_tree_fails_closed(gh):
    at = gm.sha("big")
    listing = gm.tree(at, {"a.txt": ("100644", "a")})
    listing["truncated"] = True
    gh.add("GET", f"{{repo}}/git/trees/{at}", listing)
    with pytest.raises(ForgeError, match="too large"):
        gm.make_forge().read_file(at, "a.txt")


def test_api_url_is_honoured_for_enterprise_server():
    with responses.RequestsMock() as rsps:
        rsps.add(
            "GET", "https://ghe.example.com:443/api/v3/repos/octo-org/cab/pulls/7", json=gm.pull_request(7)
        )
        pr = gm.make_forge(base_url="https://ghe.example.com/api/v3").pull_request(7)
    assert pr.number == 7


def test_forbidden_read_becomes_a_forge_error_naming_the_step(gh):
    gh.add("GET", "{repo}/pulls/7", gm.error("Resource not accessible by integration"), status=403)
    with pytest.raises(ForgeError, match="read PR #7: 403 Resource not accessible"):
        gm.make_forge().pull_request(7)
