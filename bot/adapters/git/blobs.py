"""Reading governed files from a local git repository as blobs at a commit (never the work tree).

Symlinks and submodules under governed paths are refused: following them would let a PR point a
governed path at content outside the reviewed tree. Replace refs are ignored so that
`git replace` cannot swap history under the reader.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import git

from bot.domain.errors import CabError

os.environ.setdefault("GIT_NO_REPLACE_OBJECTS", "1")


class RepositoryError(CabError):
    exit_code = 2


class NotAFile(RepositoryError):
    """The path is there but is no plain file: `why` says what it is."""

    def __init__(self, path: str, sha: str, why: str) -> None:
        super().__init__(f"{path} at {sha[:7]} {why}; governed files must be regular files")
        self.path = path
        self.why = why


class GitBlobs:
    """Files of a repository at a commit, read through git's object database."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo

    @classmethod
    def open(cls, path: Path) -> GitBlobs:
        try:
            return cls(git.Repo(path, search_parent_directories=True))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepositoryError(f"{path}: not a git repository") from None

    def resolve(self, ref: str) -> str:
        if ref.startswith("-"):
            raise RepositoryError(f"{ref!r} is not a revision")
        try:
            return str(self.repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}"))
        except git.GitCommandError:
            raise RepositoryError(f"unknown revision {ref!r}") from None

    def read_file(self, sha: str, path: str, *, plain: bool = False) -> bytes | None:
        """The blob at `path`; `plain`: an executable file (mode 100755) is refused too."""
        out = self.repo.git.ls_tree("-z", sha, "--", path)
        if not out:
            return None
        meta, _, name = out.rstrip("\x00").partition("\t")
        mode, kind, obj = meta.split(" ")
        if name != path:
            return None
        if mode in ("120000", "160000") or kind != "blob":
            what = "a symlink" if mode == "120000" else "a submodule" if mode == "160000" else "a directory"
            raise NotAFile(path, sha, f"is {what}")
        if plain and mode != "100644":
            raise NotAFile(path, sha, f"is executable (mode {mode})")
        data: bytes = self.repo.odb.stream(bytes.fromhex(obj)).read()
        return data

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        out = self.repo.git.ls_tree("-r", "-z", sha, "--", directory.rstrip("/") + "/")
        paths = []
        for item in out.split("\x00"):
            if item:
                meta, _, name = item.partition("\t")
                if meta.split(" ")[0] in ("100644", "100755"):
                    paths.append(name)
        return paths

    def branches(self) -> list[tuple[str, str]]:
        """(ref name, sha) of every local branch and remote-tracking branch."""
        out = self.repo.git.for_each_ref("--format=%(refname)%00%(objectname)", "refs/heads", "refs/remotes")
        pairs = [line.split("\x00") for line in out.splitlines() if line]
        return [(name, sha) for name, sha in pairs if not name.endswith("/HEAD")]
