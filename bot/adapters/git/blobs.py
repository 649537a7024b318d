"""Reading governed files from a local git repository as blobs at a commit (never the work tree).

Symlinks and submodules under governed paths are refused: following them would let a PR point a
governed path at content outside the reviewed tree. Paths are looked up tree by tree through
`bot.adapters.git.process.Git` (one long-lived `cat-file --batch`, replace refs ignored, so
`git replace` cannot swap history under the reader).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from bot.adapters.git.process import SHA, Git, parse_commit, parse_tree
from bot.domain.errors import CabError
from bot.domain.git_objects import CommitHeader, TreeEntry

_TREE, _SYMLINK, _SUBMODULE = "40000", "120000", "160000"
_REGULAR = ("100644", "100755")
_TREES_KEPT = 256


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

    def __init__(self, git: Git) -> None:
        self.git = git
        self._trees: OrderedDict[str, _Tree] = OrderedDict()

    @classmethod
    def open(cls, path: Path) -> GitBlobs:
        git = Git(path, RepositoryError)
        if not git.is_repository():
            raise RepositoryError(f"{path}: not a git repository")
        return cls(git)

    def close(self) -> None:
        self.git.close()

    def resolve(self, ref: str) -> str:
        sha = self.git.object_id(ref)
        if sha is None:
            raise RepositoryError(f"unknown revision {ref!r}")
        return sha

    def _root(self, sha: str) -> str:
        """The root tree of a commit (or the tree itself), by full object id."""
        oid = sha if SHA.match(sha) else self.git.object_id(sha, "tree")
        answer = self.git.objects().get(oid) if oid else None
        if answer is not None and answer[0] == "commit":
            return parse_commit(sha, answer[1]).tree
        if answer is not None and answer[0] == "tree":
            return str(oid)
        raise RepositoryError(f"{sha!r} names no commit in {self.git.root}")

    def _tree(self, oid: str) -> _Tree:
        tree = self._trees.get(oid)
        if tree is None:
            tree = _Tree(parse_tree(self.git.read_object(oid, "tree")))
            self._trees[oid] = tree
            if len(self._trees) > _TREES_KEPT:
                self._trees.popitem(last=False)
        else:
            self._trees.move_to_end(oid)
        return tree

    def _entry(self, sha: str, path: str) -> TreeEntry | None:
        """The tree entry a path names, through directories only (never a symlink or submodule)."""
        *directories, name = path.split("/")
        tree = self._root(sha)
        for part in directories:
            entry = self._tree(tree).named.get(part)
            if entry is None or entry.mode != _TREE:
                return None
            tree = entry.oid
        return self._tree(tree).named.get(name)

    def read_file(self, sha: str, path: str, *, plain: bool = False) -> bytes | None:
        """The blob at `path`; `plain`: an executable file (mode 100755) is refused too."""
        entry = self._entry(sha, path)
        if entry is None:
            return None
        if entry.mode in (_SYMLINK, _SUBMODULE, _TREE):
            what = {_SYMLINK: "a symlink", _SUBMODULE: "a submodule", _TREE: "a directory"}[entry.mode]
            raise NotAFile(path, sha, f"is {what}")
        if plain and entry.mode != "100644":
            raise NotAFile(path, sha, f"is executable (mode {entry.mode})")
        return self.git.read_object(entry.oid, "blob")

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        """Regular files under a directory, recursively, in git's tree order."""
        prefix = directory.rstrip("/")
        entry = self._entry(sha, prefix)
        if entry is None or entry.mode != _TREE:
            return []
        paths: list[str] = []
        stack = [(prefix, entry)]  # depth first, in tree order, as `git ls-tree -r`
        while stack:
            name, item = stack.pop()
            if item.mode in _REGULAR:
                paths.append(name)
            elif item.mode == _TREE:
                entries = self._tree(item.oid).entries
                subtrees = (e.oid for e in entries if e.mode == _TREE and e.oid not in self._trees)
                self.git.objects().ask(subtrees)  # pipelined: read as the walk reaches them
                stack.extend((f"{name}/{e.name}", e) for e in reversed(entries))
        return paths

    def files_named(self, sha: str, directory: str, name: str) -> list[str]:
        """Every `directory/<sub>/name` that is a tree entry, one tree read per subdirectory.

        How a record is found without listing every record: `decisions/<tier>` holds a few month
        directories, and each is asked for one name. The month trees are read pipelined.
        """
        entry = self._entry(sha, directory)
        if entry is None or entry.mode != _TREE:
            return []
        subtrees = [e for e in self._tree(entry.oid).entries if e.mode == _TREE]
        self.git.objects().ask(e.oid for e in subtrees if e.oid not in self._trees)
        return [f"{directory}/{e.name}/{name}" for e in subtrees if name in self._tree(e.oid).named]

    def commit(self, sha: str) -> CommitHeader:
        """The parsed commit a full object id names."""
        return parse_commit(sha, self.git.read_object(sha, "commit"))

    def last_first_parent_change(self, tip: str, path: str) -> str | None:
        """The newest commit on `tip`'s first-parent line that changed `path` (each commit compared
        with its first parent), or None; `git log` stops at the first one it finds."""
        out = self.git.run(
            "log", "--first-parent", "-1", "--format=%H", "--end-of-options", tip, "--", f":(literal){path}"
        )
        sha = out.stdout.strip()
        return sha if SHA.match(sha) else None

    def default_branch(self) -> tuple[str, str] | None:
        """(name, tip) of the default branch: the remote's (`origin/HEAD`, as `git clone` records
        it), else `origin/main`, else the local `main`; None when the clone has none of them."""
        remote_head = self.git.run("symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False)
        candidates = [remote_head.stdout.strip()] if remote_head.returncode == 0 else []
        candidates += ["refs/remotes/origin/main", "refs/heads/main"]
        for ref in candidates:
            if ref.startswith("refs/") and (tip := self.git.object_id(ref)) is not None:
                return ref.removeprefix("refs/heads/").removeprefix("refs/remotes/"), tip
        return None

    def branches(self) -> list[tuple[str, str]]:
        """(ref name, sha) of every local branch and remote-tracking branch."""
        refs = ("refs/heads", "refs/remotes")
        out = self.git.run("for-each-ref", "--format=%(refname)%00%(objectname)", *refs)
        pairs = [line.split("\x00") for line in out.stdout.splitlines() if line]
        return [(name, sha) for name, sha in pairs if not name.endswith("/HEAD")]


class _Tree:
    """A parsed tree: its entries in order, and by name (the first entry of a name, as ls-tree)."""

    def __init__(self, entries: tuple[TreeEntry, ...]) -> None:
        self.entries = entries
        self.named: dict[str, TreeEntry] = {}
        for entry in entries:
            self.named.setdefault(entry.name, entry)
