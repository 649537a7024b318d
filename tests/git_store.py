"""A real bare git repository that a test fake writes objects and refs into, as git itself would.

Objects are written as zlib-compressed loose objects (the format `git hash-object -w` writes) and
refs as loose ref files (what `git update-ref` writes), so every sha the fake answers is git's own
and `git` (and the audit) read the result like any repository. Writing in-process keeps a scenario
as fast as the dict-backed fake it replaces; what was written is also kept parsed in memory, and an
object the store did not write (e.g. pushed by a test with `git`) is read back with `git cat-file`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

FILE_MODE, TREE_MODE = "100644", "40000"


@dataclass(frozen=True)
class Person:
    """A git identity with the moment it acted."""

    name: str
    email: str
    when: dt.datetime

    def line(self) -> bytes:
        stamp = int(self.when.timestamp())
        return f"{self.name} <{self.email}> {stamp} +0000".encode()


@dataclass(frozen=True)
class CommitObject:
    tree: str
    parents: list[str]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class TreeItem:
    mode: str
    name: str
    oid: str

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE_MODE


def _tree_key(item: TreeItem) -> bytes:
    """Git orders tree entries by name, comparing a directory as if its name ended in `/`."""
    return item.name.encode() + (b"/" if item.is_tree else b"")


class GitStore:
    """One bare repository; `root` is its git directory (default: a temporary one, removed with it)."""

    def __init__(self, root: Path | None = None, branch: str = "main") -> None:
        self._tmp = None if root is not None else tempfile.TemporaryDirectory(prefix="fake-github-")
        self.root = root if root is not None else Path(self._tmp.name) / "repo.git"  # type: ignore[union-attr]
        shutil.copytree(_initialized(branch), self.root)
        self._blobs: dict[str, bytes] = {}
        self._trees: dict[str, tuple[TreeItem, ...]] = {}
        self._commits: dict[str, CommitObject] = {}
        self._files: dict[str, dict[str, bytes]] = {}  # tree sha -> flat {path: content}
        self.refs = _Refs(self)

    # -- writing --
    def _put(self, kind: str, data: bytes) -> str:
        raw = f"{kind} {len(data)}\0".encode() + data
        oid = hashlib.sha1(raw).hexdigest()
        path = self.root / "objects" / oid[:2] / oid[2:]
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_name(f"tmp-{oid[2:]}")
            tmp.write_bytes(zlib.compress(raw))
            os.replace(tmp, path)
        return oid

    def blob(self, content: bytes) -> str:
        oid = self._put("blob", content)
        self._blobs[oid] = content
        return oid

    def tree(self, files: Mapping[str, bytes]) -> str:
        """The root tree of a flat {path: content} snapshot (directories implied, files 100644)."""
        oid = self._tree_of({tuple(path.split("/")): content for path, content in files.items()})
        self._files[oid] = dict(files)
        return oid

    def _tree_of(self, files: Mapping[tuple[str, ...], bytes]) -> str:
        below: dict[str, dict[tuple[str, ...], bytes]] = {}
        items = []
        for parts, content in files.items():
            if len(parts) == 1:
                items.append(TreeItem(FILE_MODE, parts[0], self.blob(content)))
            else:
                below.setdefault(parts[0], {})[parts[1:]] = content
        items += [TreeItem(TREE_MODE, name, self._tree_of(sub)) for name, sub in below.items()]
        entries = tuple(sorted(items, key=_tree_key))
        data = b"".join(f"{i.mode} {i.name}".encode() + b"\0" + bytes.fromhex(i.oid) for i in entries)
        oid = self._put("tree", data)
        self._trees[oid] = entries
        return oid

    def commit(
        self,
        tree: str,
        parents: list[str],
        author: Person,
        committer: Person,
        message: str,
        sign: Callable[[bytes], bytes] | None = None,
    ) -> str:
        """`sign`: makes an armored signature of the payload, stored in a `gpgsig` header as git does."""
        lines = [f"tree {tree}".encode(), *(f"parent {p}".encode() for p in parents)]
        lines += [b"author " + author.line(), b"committer " + committer.line()]
        body = b"\n\n" + message.encode()
        if sign is not None:
            armored = sign(b"\n".join(lines) + body).rstrip(b"\n")
            lines.append(b"gpgsig " + armored.replace(b"\n", b"\n "))
        oid = self._put("commit", b"\n".join(lines) + body)
        self._commits[oid] = CommitObject(tree, list(parents), author, committer, message)
        return oid

    # -- reading --
    def made_commits(self) -> list[str]:
        """Every commit this store wrote or read, in that order."""
        return list(self._commits)

    def has_commit(self, oid: str) -> bool:
        if oid in self._commits:
            return True
        return self._cat("-t", oid) == b"commit\n"

    def commit_object(self, oid: str) -> CommitObject:
        if oid not in self._commits:
            self._commits[oid] = _parse_commit(self._read("commit", oid))
        return self._commits[oid]

    def tree_items(self, oid: str) -> tuple[TreeItem, ...]:
        if oid not in self._trees:
            self._trees[oid] = _parse_tree(self._read("tree", oid))
        return self._trees[oid]

    def blob_content(self, oid: str) -> bytes:
        if oid not in self._blobs:
            self._blobs[oid] = self._read("blob", oid)
        return self._blobs[oid]

    def files(self, tree: str) -> dict[str, bytes]:
        """The flat {path: content} of every file below a tree."""
        if tree not in self._files:
            out: dict[str, bytes] = {}
            for item in self.tree_items(tree):
                if item.is_tree:
                    out.update({f"{item.name}/{p}": c for p, c in self.files(item.oid).items()})
                elif item.mode == "160000":  # a submodule: a commit of another repository, no blob here
                    out[item.name] = item.oid.encode()
                else:
                    out[item.name] = self.blob_content(item.oid)
            self._files[tree] = out
        return self._files[tree]

    def entry(self, tree: str, path: str) -> TreeItem | None:
        """The entry at `path` below `tree` ("" is the tree itself, as a TREE_MODE item)."""
        found = TreeItem(TREE_MODE, "", tree)
        for name in [p for p in path.split("/") if p]:
            if not found.is_tree:
                return None
            found = next((i for i in self.tree_items(found.oid) if i.name == name), None)  # type: ignore[assignment]
            if found is None:
                return None
        return found

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "--git-dir", str(self.root), *args], capture_output=True, text=True, env=_git_env()
        )
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def raw_commit(self, oid: str) -> bytes:
        """The commit object's bytes, signature header included (KeyError: no such commit)."""
        return self._read("commit", oid)

    def _cat(self, *args: str) -> bytes:
        done = subprocess.run(
            ["git", "--git-dir", str(self.root), "cat-file", *args], capture_output=True, env=_git_env()
        )
        return done.stdout if done.returncode == 0 else b""

    def _read(self, kind: str, oid: str) -> bytes:
        done = subprocess.run(
            ["git", "--git-dir", str(self.root), "cat-file", kind, oid], capture_output=True, env=_git_env()
        )
        if done.returncode != 0:
            raise KeyError(f"no {kind} {oid} in {self.root}")
        return done.stdout


class _Refs(MutableMapping[str, str]):
    """Branch heads; every change is written to the repository's loose refs under refs/heads/."""

    def __init__(self, store: GitStore) -> None:
        self._heads = store.root / "refs" / "heads"
        self._known: dict[str, str] = {}
        # called with (branch, old head or None, new head or None) on every move: GitHub's activity list
        self.on_move: Callable[[str, str | None, str | None], None] | None = None

    def __getitem__(self, branch: str) -> str:
        return self._known[branch]

    def __setitem__(self, branch: str, oid: str) -> None:
        path = self._heads / branch
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(oid + "\n")
        before = self._known.get(branch)
        self._known[branch] = oid
        if self.on_move is not None and before != oid:
            self.on_move(branch, before, oid)

    def __delitem__(self, branch: str) -> None:
        (self._heads / branch).unlink()
        before = self._known.pop(branch)
        if self.on_move is not None:
            self.on_move(branch, before, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._known))

    def __len__(self) -> int:
        return len(self._known)


_TEMPLATES = tempfile.TemporaryDirectory(prefix="fake-github-template-")


@functools.cache
def _initialized(branch: str) -> Path:
    """A repository fresh from `git init --bare`, made once and copied: a copy costs a millisecond."""
    path = Path(_TEMPLATES.name) / f"{len(os.listdir(_TEMPLATES.name))}.git"
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "--template=", f"--initial-branch={branch}", str(path)],
        check=True,
        env=_git_env(),
    )
    return path


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, "GIT_CONFIG_NOSYSTEM": "1", "HOME": env.get("HOME", "/nonexistent")}


def _parse_person(text: str) -> Person:
    name, _, rest = text.partition(" <")
    email, _, stamp = rest.partition("> ")
    seconds = int(stamp.split(" ", 1)[0])
    return Person(name, email, dt.datetime.fromtimestamp(seconds, dt.UTC))


def _parse_commit(data: bytes) -> CommitObject:
    head, _, message = data.decode().partition("\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.splitlines():
        key, _, value = line.partition(" ")
        fields.setdefault(key, []).append(value)
    return CommitObject(
        fields["tree"][0],
        fields.get("parent", []),
        _parse_person(fields["author"][0]),
        _parse_person(fields["committer"][0]),
        message,
    )


def _parse_tree(data: bytes) -> tuple[TreeItem, ...]:
    items, at = [], 0
    while at < len(data):
        space, nul = data.index(b" ", at), data.index(b"\0", at)
        items.append(
            TreeItem(data[at:space].decode(), data[space + 1 : nul].decode(), data[nul + 1 : nul + 21].hex())
        )
        at = nul + 21
    return tuple(items)
