"""GitBlobs: governed files read as blobs at a commit, regular files only, never the work tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.adapters.git.blobs import GitBlobs, RepositoryError
from tests.repo_builder import RepoBuilder

SUBMODULE_COMMIT = "1" * 40


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    """A commit with regular, executable, nested and non-UTF-8 files, a symlink and a submodule."""
    builder = RepoBuilder(tmp_path / "repo")
    builder.write("evidence/2026-11/a.yaml", "a: 1\n")
    builder.write("evidence/2026-11/run.sh", "#!/bin/sh\n")
    builder.write("evidence/2026-12/b.yaml", "b: 2\n")
    builder.write("evidence/top.yaml", "top\n")
    builder.write("other/c.yaml", "c\n")
    builder.write("binary.bin", bytes(range(256)))
    (builder.root / "evidence" / "2026-11" / "run.sh").chmod(0o755)
    (builder.root / "evidence" / "2026-11" / "link.yaml").symlink_to("../../other/c.yaml")
    (builder.root / "linked").symlink_to("other")
    builder.git("add", "-A")
    builder.git("update-index", "--add", "--cacheinfo", f"160000,{SUBMODULE_COMMIT},evidence/2026-11/sub")
    builder.git("commit", "-q", "-m", "files")  # not `commit()`: its `add -A` would drop the gitlink
    return builder


def _blobs(repo: RepoBuilder) -> GitBlobs:
    return GitBlobs.open(repo.root)


def test_reads_a_regular_file_at_a_commit(repo: RepoBuilder) -> None:
    assert _blobs(repo).read_file(repo.head(), "evidence/2026-11/a.yaml") == b"a: 1\n"


def test_reads_bytes_exactly(repo: RepoBuilder) -> None:
    assert _blobs(repo).read_file(repo.head(), "binary.bin") == bytes(range(256))


def test_reads_an_executable_file(repo: RepoBuilder) -> None:
    assert _blobs(repo).read_file(repo.head(), "evidence/2026-11/run.sh") == b"#!/bin/sh\n"


def test_reads_the_commit_not_the_work_tree(repo: RepoBuilder) -> None:
    sha = repo.head()
    repo.write("evidence/2026-11/a.yaml", "changed\n")
    repo.commit("later")
    assert _blobs(repo).read_file(sha, "evidence/2026-11/a.yaml") == b"a: 1\n"


@pytest.mark.parametrize(
    "path", ["evidence/2026-11/missing.yaml", "nowhere/a.yaml", "evidence/2026-11/", "./binary.bin"]
)
def test_a_path_that_names_no_file_reads_as_none(repo: RepoBuilder, path: str) -> None:
    assert _blobs(repo).read_file(repo.head(), path) is None


def test_a_path_through_a_symlinked_directory_reads_as_none(repo: RepoBuilder) -> None:
    assert _blobs(repo).read_file(repo.head(), "linked/c.yaml") is None


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("evidence/2026-11/link.yaml", "a symlink"),
        ("evidence/2026-11/sub", "a submodule"),
        ("evidence/2026-11", "a directory"),
    ],
)
def test_anything_but_a_regular_file_is_refused(repo: RepoBuilder, path: str, what: str) -> None:
    sha = repo.head()
    with pytest.raises(RepositoryError, match=f"{path} at {sha[:7]} is {what}; governed files must be"):
        _blobs(repo).read_file(sha, path)


def test_lists_regular_files_under_a_directory_recursively_in_tree_order(repo: RepoBuilder) -> None:
    assert list(_blobs(repo).list_files(repo.head(), "evidence")) == [
        "evidence/2026-11/a.yaml",
        "evidence/2026-11/run.sh",
        "evidence/2026-12/b.yaml",
        "evidence/top.yaml",
    ]


def test_listing_accepts_a_trailing_slash(repo: RepoBuilder) -> None:
    assert list(_blobs(repo).list_files(repo.head(), "evidence/2026-12/")) == ["evidence/2026-12/b.yaml"]


@pytest.mark.parametrize("directory", ["missing", "binary.bin", "linked", "evidence/2026-11/sub"])
def test_listing_what_is_not_a_directory_is_empty(repo: RepoBuilder, directory: str) -> None:
    assert list(_blobs(repo).list_files(repo.head(), directory)) == []


def test_resolves_a_branch_to_its_commit(repo: RepoBuilder) -> None:
    assert _blobs(repo).resolve("main") == repo.head()


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD:binary.bin"])
def test_a_revision_that_names_no_commit_is_refused(repo: RepoBuilder, ref: str) -> None:
    with pytest.raises(RepositoryError, match="unknown revision"):
        _blobs(repo).resolve(ref)


def test_a_revision_that_looks_like_an_option_is_refused(repo: RepoBuilder) -> None:
    with pytest.raises(RepositoryError, match="is not a revision"):
        _blobs(repo).resolve("--output=/tmp/x")


def test_replace_refs_are_ignored(repo: RepoBuilder) -> None:
    sha = repo.head()
    original = repo.git("rev-parse", f"{sha}:evidence/2026-11/a.yaml")
    forged = repo.git("hash-object", "-w", "--stdin", "--path", "x")  # empty content
    repo.git("replace", original, forged)
    assert _blobs(repo).read_file(sha, "evidence/2026-11/a.yaml") == b"a: 1\n"


def test_lists_local_and_remote_tracking_branches(repo: RepoBuilder) -> None:
    sha = repo.head()
    repo.git("branch", "feature")
    repo.git("update-ref", "refs/remotes/origin/main", sha)
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    assert _blobs(repo).branches() == [
        ("refs/heads/feature", sha),
        ("refs/heads/main", sha),
        ("refs/remotes/origin/main", sha),
    ]


def test_a_directory_that_is_no_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not a git repository"):
        GitBlobs.open(tmp_path)


@pytest.mark.parametrize("rev", ["HEAD", "HEAD~0", "main"])
def test_commit_id_from_the_batch_process_is_the_id_rev_parse_gives(repo: RepoBuilder, rev: str) -> None:
    expected = repo.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip() or None
    assert _blobs(repo).commit_id(rev) == expected


def test_commit_id_of_a_sha256_repository_is_its_sha256_id(tmp_path: Path) -> None:
    root = tmp_path / "repo256"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@x"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "commit", "-q", "--allow-empty", "-m", "one"], check=True, env=env
    )
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    assert len(head.strip()) == 64
    assert GitBlobs.open(root).commit_id("HEAD") == head.strip()


@pytest.mark.parametrize("rev", ["nosuch", "HEAD~5", "HEAD:evidence", "HEAD^{tree}"])
def test_commit_id_of_what_names_no_commit_is_none(repo: RepoBuilder, rev: str) -> None:
    assert _blobs(repo).commit_id(rev) is None


@pytest.mark.parametrize("rev", ["--all", "a\nb", ""])
def test_commit_id_refuses_what_is_no_revision(repo: RepoBuilder, rev: str) -> None:
    with pytest.raises(RepositoryError):
        _blobs(repo).commit_id(rev)
