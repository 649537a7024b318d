"""The git adapter of the audit: one streamed `git log` and one `git cat-file --batch` process.

Every git call runs with replace refs and grafts disabled, so what is audited is the object
graph itself, not a local overlay; a shallow clone is refused because its history is
incomplete. Revisions are resolved to full object ids before use and `--` ends every revision
list, so no input can be read as an option or a path.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from bot.audit.objects import Change, CommitHeader, Ident, LogEntry, TreeEntry
from bot.errors import CabError
from bot.strict_yaml import DEFAULT_LIMITS

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_MARK = "\x01"
V = TypeVar("V")
_IDENT = re.compile(r"^(?P<name>.*?) <(?P<email>[^>]*)> [0-9]+ [-+][0-9]{4}$")


class AuditRefused(CabError):
    """The repository cannot be audited as it is (shallow, not a repository, unknown revision)."""

    exit_code = 2


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GIT_NO_REPLACE_OBJECTS": "1",  # replace refs are a local overlay over history
            "GIT_GRAFT_FILE": os.devnull,  # so are grafts (.git/info/grafts)
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    for name in (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    ):
        env.pop(name, None)
    return env


class GitRepository:
    """Read-only access to one repository's history and objects."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._env = git_env()
        self._batch: subprocess.Popen[bytes] | None = None
        self._trees: OrderedDict[str, tuple[TreeEntry, ...]] = OrderedDict()
        self._commits: OrderedDict[str, CommitHeader] = OrderedDict()
        self._ready: dict[str, tuple[str, bytes] | None] = {}
        inside = self._run("rev-parse", "--is-inside-work-tree", "--is-bare-repository", check=False)
        if inside.returncode != 0:
            raise AuditRefused(f"{root}: not a git repository")
        if self._run("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            raise AuditRefused(
                f"{root}: is a shallow clone; its history is incomplete and cannot be audited. "
                "Run `git fetch --unshallow` (or clone without --depth) and audit again."
            )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["git", "-C", str(self.root), "--no-replace-objects", *args],
            capture_output=True,
            text=True,
            env=self._env,
            check=False,
        )
        if check and done.returncode != 0:
            raise AuditRefused(f"git {args[0]} failed: {done.stderr.strip()}")
        return done

    # -- revisions ---------------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The commit id a revision names, or AuditRefused."""
        if rev.startswith("-") or "\n" in rev:
            raise AuditRefused(f"{rev!r} is not a revision")
        done = self._run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
        )
        sha = done.stdout.strip()
        if done.returncode != 0 or not _SHA.match(sha):
            raise AuditRefused(f"{rev!r} does not name a commit in {self.root}")
        return sha

    def exists(self, sha: str) -> bool:
        return self._run("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self._run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return done.returncode == 0

    def git_dir(self) -> Path:
        return Path(self._run("rev-parse", "--absolute-git-dir").stdout.strip())

    # -- the one pass over history ----------------------------------------------------------

    def first_parent_log(self, head: str, stop: str | None = None) -> Iterator[LogEntry]:
        """Commits on head's first-parent chain (newest first) with their changes vs first parent."""
        for sha in (head, stop):
            if sha is not None and not _SHA.match(sha):
                raise AuditRefused(f"{sha!r} is not a resolved commit id")
        revs = [head] + ([f"^{stop}"] if stop else [])
        command = [
            "git", "-C", str(self.root), "--no-replace-objects",
            "-c", "core.quotePath=false", "-c", "diff.renameLimit=0", "-c", "log.showSignature=false",
            "log", "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev", "-M",
            "--root", "--no-color", "--no-ext-diff", "--no-textconv", f"--format={_MARK}%H %P",
            *revs, "--",
        ]  # fmt: skip
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env) as proc:
            assert proc.stdout is not None
            yield from _parse_log(proc.stdout)
            stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            if proc.wait() != 0:
                raise AuditRefused(f"git log failed: {stderr.strip()}")

    # -- objects (ObjectStore) ---------------------------------------------------------------

    def _process(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "-C", str(self.root), "--no-replace-objects", "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=self._env,
            )
        return self._batch

    def _response(self, stdout: IO[bytes]) -> tuple[str, bytes] | None:
        """One `--batch` answer: (kind, data), or None for a missing object."""
        header = stdout.readline().decode().split()
        if len(header) != 3:
            return None
        _, kind, size_text = header
        size = int(size_text)
        limit = DEFAULT_LIMITS.max_bytes + 1 if kind == "blob" else size
        data = stdout.read(min(size, limit))
        _discard(stdout, size - len(data) + 1)  # the rest, and the trailing newline
        return kind, data

    def prefetch(self, oids: Iterable[str]) -> None:
        """Ask for several objects in one round trip; they are served by the next reads.

        Earlier prefetched objects not read by now are dropped, so this holds one commit's worth.
        """
        self._ready.clear()
        wanted = [o for o in dict.fromkeys(oids) if _SHA.match(o) and o not in self._commits]
        if len(wanted) < 2:
            return
        process = self._process()
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(b"".join(o.encode() + b"\n" for o in wanted))
        process.stdin.flush()
        for oid in wanted:
            self._ready[oid] = self._response(process.stdout)

    def _read(self, oid: str, expect: str) -> bytes:
        if not _SHA.match(oid):
            raise KeyError(oid)
        if oid in self._ready:
            answer = self._ready.pop(oid)
        else:
            process = self._process()
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(oid.encode() + b"\n")
            process.stdin.flush()
            answer = self._response(process.stdout)
        if answer is None:
            raise KeyError(oid)
        kind, data = answer
        if kind != expect:
            raise KeyError(f"{oid} is a {kind}, not a {expect}")
        return data

    def commit(self, sha: str) -> CommitHeader:
        cached = self._commits.get(sha)
        if cached is None:
            cached = parse_commit(sha, self._read(sha, "commit"))
            _remember(self._commits, sha, cached, 1024)
        return cached

    def tree(self, oid: str) -> tuple[TreeEntry, ...]:
        cached = self._trees.get(oid)
        if cached is None:
            cached = parse_tree(self._read(oid, "tree"))
            _remember(self._trees, oid, cached, 4096)
        else:
            self._trees.move_to_end(oid)
        return cached

    def blob(self, oid: str) -> bytes:
        return self._read(oid, "blob")

    def merge_base(self, a: str, b: str) -> str | None:
        for sha in (a, b):
            if not _SHA.match(sha):
                raise KeyError(sha)
        done = self._run("merge-base", a, b, check=False)
        found = done.stdout.strip()
        return found if done.returncode == 0 and _SHA.match(found) else None

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remember(cache: OrderedDict[str, V], key: str, value: V, size: int) -> None:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)


def _discard(stream: IO[bytes], count: int) -> None:
    while count > 0:
        count -= len(stream.read(min(count, 1 << 16)) or b"\0" * count)


def parse_commit(sha: str, raw: bytes) -> CommitHeader:
    """Headers and message of a raw commit object (continuation lines such as gpgsig skipped)."""
    head, _, message = raw.partition(b"\n\n")
    tree, parents, author, committer = "", [], Ident("", ""), Ident("", "")
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key in ("author", "committer"):
            match = _IDENT.match(value)
            ident = Ident(match["name"], match["email"]) if match else Ident(value, "")
            author, committer = (ident, committer) if key == "author" else (author, ident)
    return CommitHeader(sha, tree, tuple(parents), author, committer, message.decode("utf-8", "replace"))


_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0(.{20})", re.DOTALL)


def parse_tree(raw: bytes) -> tuple[TreeEntry, ...]:
    """Entries of a raw tree object, scanned by one regular expression (month shards are large)."""
    return tuple(
        TreeEntry(mode.decode(), name.decode("utf-8", "replace"), oid.hex())
        for mode, name, oid in _TREE_ENTRY.findall(raw)
    )


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual paths ("a\\tb", octal escapes for bytes)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "replace")


def _parse_log(stream: IO[bytes]) -> Iterator[LogEntry]:
    sha: str | None = None
    parents: tuple[str, ...] = ()
    changes: list[Change] = []
    for raw_line in stream:
        line = raw_line.decode("utf-8", "surrogateescape").rstrip("\n")
        if line.startswith(_MARK):
            if sha is not None:
                yield LogEntry(sha, parents, tuple(changes))
            ids = line[1:].split()
            sha, parents, changes = ids[0], tuple(ids[1:]), []
        elif line.startswith(":"):
            meta, _, paths = line.partition("\t")
            old_mode, new_mode, old_oid, new_oid, status = meta[1:].split(" ")
            names = [_unquote(p) for p in paths.split("\t")]
            old_path, path = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            changes.append(Change(status[0], path, old_path, old_mode, new_mode, old_oid, new_oid))
    if sha is not None:
        yield LogEntry(sha, parents, tuple(changes))
