"""The one git adapter: every command line carries the safety options; the environment cannot redirect it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.adapters.forge.sandbox import SandboxForge
from bot.adapters.git.blobs import GitBlobs, RepositoryError
from bot.adapters.git.process import Git, Pipe
from tests.repo_builder import RepoBuilder
from tests.sandbox import BOT, Clock


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.write("a.yaml", "mine\n")
    builder.commit("one file")
    return builder


def test_every_command_line_ignores_replace_refs_and_bounds_pack_memory(tmp_path: Path) -> None:
    line = Git(tmp_path, RepositoryError).command("log", "--oneline")
    assert line[:4] == ["git", "-C", str(tmp_path), "--no-replace-objects"]
    assert "core.deltaBaseCacheLimit=16m" in line
    assert "core.packedGitLimit=16m" in line
    assert line[-2:] == ["log", "--oneline"]


def test_an_inherited_git_dir_does_not_redirect_reads(
    repo: RepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = RepoBuilder(tmp_path / "other")
    other.write("a.yaml", "someone else's\n")
    other.commit("other file")
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other.root / ".git" / "index"))
    assert GitBlobs.open(repo.root).read_file(repo.head(), "a.yaml") == b"mine\n"


def test_objects_are_read_by_full_id_only(repo: RepoBuilder) -> None:
    git = Git(repo.root, RepositoryError)
    assert git.read_object(repo.head(), "commit").startswith(b"tree ")
    with pytest.raises(KeyError):
        git.read_object("HEAD", "commit")


def test_an_object_of_another_kind_is_not_read(repo: RepoBuilder) -> None:
    with pytest.raises(KeyError, match="is a commit, not a blob"):
        Git(repo.root, RepositoryError).read_object(repo.head(), "blob")


def test_a_failed_command_raises_the_callers_error_with_gits_message(repo: RepoBuilder) -> None:
    with pytest.raises(RepositoryError, match=r"git merge-base failed: .*Not a valid object name"):
        Git(repo.root, RepositoryError).run("merge-base", "no-such", "HEAD")


def test_a_sandbox_in_a_directory_that_is_no_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not a git repository"):
        SandboxForge(tmp_path, BOT, Clock())


@pytest.mark.parametrize("kind", ["with commits", "empty", "bare"])
def test_a_repository_is_recognised_whatever_it_holds(tmp_path: Path, repo: RepoBuilder, kind: str) -> None:
    root = repo.root
    if kind != "with commits":
        root = tmp_path / kind
        subprocess.run(["git", "init", "-q", *(["--bare"] if kind == "bare" else []), str(root)], check=True)
    assert Git(root, RepositoryError).is_repository()


@pytest.mark.parametrize("where", ["a plain directory", "a missing directory"])
def test_a_directory_without_a_repository_is_told_apart(tmp_path: Path, where: str) -> None:
    root = tmp_path / "plain"
    if where == "a plain directory":
        root.mkdir()
    assert not Git(root, RepositoryError).is_repository()


def test_a_request_to_a_git_that_has_ended_raises_the_callers_error_not_a_broken_pipe(tmp_path: Path) -> None:
    ended = subprocess.Popen(
        ["git", "-C", str(tmp_path), "cat-file", "--batch"],  # no repository: it ends at once
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    ended.wait()
    pipe = Pipe(ended, lambda reader, _request: reader.until(b"\n"), len, RepositoryError)
    with pytest.raises(RepositoryError, match="git stopped answering"):
        pipe.ask(["0" * 40])
    pipe.close()  # and ending it afterwards raises nothing either
