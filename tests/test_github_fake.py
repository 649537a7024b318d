"""The fake GitHub keeps a real git repository: what it answers is what git says, and what the bot
makes through it looks as GitHub makes it, so GitHub-made histories can be audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses

from tests import github_fake as gf
from tests.both_forges import GitHubCab
from tests.github_schema import API, REPO
from tests.sandbox import LOW, MEDIUM, Clock


@pytest.fixture
def cab() -> Iterator[GitHubCab]:
    """A medium change approved and merged by the bot on the fake, a low one opened before it."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        cab = GitHubCab(gf.FakeGitHub(rsps), Clock())
        cab.submit(LOW)
        number = cab.submit(MEDIUM)
        cab.sync(number)
        cab.review(number, "bob-cab")
        assert cab.sync(number).status == "merged"
        yield cab


def git(cab: GitHubCab, *args: str) -> str:
    return cab.fake.git.git(*args)


def test_the_history_is_a_repository_git_finds_sound(cab: GitHubCab) -> None:
    git(cab, "fsck", "--strict", "--no-dangling")
    assert git(cab, "rev-parse", "main").strip() == cab.fake.refs["main"]
    logged = git(cab, "log", "--format=%H %T %P", "main").splitlines()
    for line in logged:
        sha, tree, *parents = line.split()
        assert cab.fake.commits[sha][:2] == (tree, parents)


def test_commits_the_bot_makes_through_the_api_are_its_own_and_committed_by_github(cab: GitHubCab) -> None:
    """The requester's push, then the pending and the final record (createCommitOnBranch), then the merge."""
    bot = f"{gf.TOKEN_IDENT.name} <{gf.TOKEN_IDENT.email}>|GitHub <noreply@github.com>"
    alice = "alice-eng <alice-eng@example.com>|alice-eng <alice-eng@example.com>"
    made = git(cab, "log", "--reverse", "--format=%an <%ae>|%cn <%ce>", "main^1..main").splitlines()
    assert made == [alice, bot, bot, bot]


def test_merges_join_the_base_and_pr_heads_with_the_tree_git_merges_them_to(cab: GitHubCab) -> None:
    """Also when the base moved on after the PR branched off: the low PR, opened before the merge."""
    assert cab.sync(1).status == "merged"
    merges = git(cab, "rev-list", "--merges", "main").split()
    assert len(merges) == 2
    for merge in merges:
        base, head = git(cab, "rev-parse", f"{merge}^1", f"{merge}^2").split()
        [pr] = [pr for pr in cab.fake.prs.values() if pr["merge"] == merge]
        assert pr["head"] == head
        merged_tree = git(cab, "merge-tree", "--write-tree", base, head).split()[0]
        assert cab.fake.commits[merge][0] == merged_tree


def test_rest_tree_listings_name_the_repositorys_own_objects(cab: GitHubCab) -> None:
    main = cab.fake.refs["main"]
    listing = requests.get(f"{API}/repos/{REPO}/git/trees/{main}?recursive=1", timeout=5).json()
    listed = {(item["type"], item["sha"], item["path"]) for item in listing["tree"]}
    expected = set()
    for line in git(cab, "ls-tree", "-r", "-t", main).splitlines():
        meta, path = line.split("\t")
        _mode, kind, oid = meta.split()
        expected.add((kind, oid, path))
    assert listing["sha"] == git(cab, "rev-parse", f"{main}^{{tree}}").strip()
    assert listed == expected
