"""The git adapter of the audit: one streamed `git log`, one `git cat-file --batch` process for
objects and one `git diff-tree --stdin` process for what a commit changes.

Every git call runs with replace refs and grafts disabled, so what is audited is the object
graph itself, not a local overlay; a shallow clone is refused because its history is
incomplete. Revisions are resolved to full object ids before use and `--` ends every revision
list, so no input can be read as an option or a path.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

from bot.domain.errors import CabError
from bot.domain.git_objects import Change, CommitHeader, Ident, LogEntry, TreeEntry
from bot.domain.strict_yaml import DEFAULT_LIMITS

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_MARK = "\x01"
V = TypeVar("V")
A = TypeVar("A")
_IN_FLIGHT = 256  # requests written but not yet answered: < 64 KiB, so a write never blocks
_READY = 2048  # answers read ahead and not yet used, at most
_READY_BYTES = 64 << 20  # and their size
# git's defaults (a 96 MiB delta base cache, pack windows mapped up to GiBs) let the long-running
# git processes grow with the repository; these bounds keep them flat at no cost in speed.
_BOUNDED_MEMORY = (
    "-c", "core.deltaBaseCacheLimit=16m",
    "-c", "core.packedGitLimit=16m",
    "-c", "core.packedGitWindowSize=1m",
)  # fmt: skip
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
        self._cat: _Pipe[tuple[str, bytes] | None] | None = None
        self._diff_tree: _Pipe[list[Change] | None] | None = None
        self._trees: OrderedDict[str, tuple[TreeEntry, ...]] = OrderedDict()
        self._commits: OrderedDict[str, CommitHeader] = OrderedDict()
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
            "git", "-C", str(self.root), "--no-replace-objects", *_BOUNDED_MEMORY,
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
    #
    # Reads are pipelined: `prefetch` writes requests without waiting, and an answer is read only
    # when it (or a request written after it) is needed; answers read early wait in `_ready`,
    # which is bounded. Many requests can so be in flight at once instead of one round trip each.

    def _objects(self) -> _Pipe[tuple[str, bytes] | None]:
        if self._cat is None:
            self._cat = _Pipe(
                self._git_process("cat-file", "--batch"), _object_answer, lambda a: len(a[1]) if a else 0
            )
        return self._cat

    def _diffs(self) -> _Pipe[list[Change] | None]:
        if self._diff_tree is None:
            command = (
                "diff-tree", "--stdin", "-r", "-z", "--no-abbrev", "--no-renames", "--always",
                "--ignore-submodules=none", "--no-ext-diff", "--no-textconv",
            )  # fmt: skip
            self._diff_tree = _Pipe(
                self._git_process(*command), _diff_answer, lambda a: 200 * len(a or ()), sentinel=True
            )
        return self._diff_tree

    def _git_process(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["git", "-C", str(self.root), "--no-replace-objects", *_BOUNDED_MEMORY, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env,
        )  # fmt: skip

    def prefetch(self, oids: Iterable[str], changes_of: Iterable[str] = ()) -> None:
        """Ask for objects (and single-parent commits' changes) now; later reads use the answers."""
        known = self._commits.keys() | self._trees.keys()
        wanted = [o for o in dict.fromkeys(oids) if _SHA.match(o) and o not in known]
        self._objects().ask(wanted)
        self._diffs().ask([c for c in dict.fromkeys(changes_of) if _SHA.match(c)])

    def _read(self, oid: str, expect: str) -> bytes:
        if not _SHA.match(oid):
            raise KeyError(oid)
        answer = self._objects().get(oid)
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
            _remember(self._trees, oid, cached, 512)
        else:
            self._trees.move_to_end(oid)
        return cached

    def blob(self, oid: str) -> bytes:
        return self._read(oid, "blob")

    def commit_changes(self, sha: str) -> list[Change]:
        """What a single-parent commit changes against its parent (`git diff-tree -r`)."""
        if len(self.commit(sha).parents) != 1:
            raise ValueError(f"{sha} is not a single-parent commit")
        answer = self._diffs().get(sha)
        if answer is None:
            raise KeyError(sha)
        return answer

    def diff(self, old_tree: str, new_tree: str) -> list[Change]:
        """Paths whose entries differ between two trees, recursively, without rename detection."""
        if old_tree == new_tree:
            return []
        for oid in (old_tree, new_tree):
            if not _SHA.match(oid):
                raise KeyError(oid)
        answer = self._diffs().get(f"{old_tree} {new_tree}")
        if answer is None:
            raise KeyError(f"{old_tree} {new_tree}")
        return answer

    def merge_base(self, a: str, b: str) -> str | None:
        for sha in (a, b):
            if not _SHA.match(sha):
                raise KeyError(sha)
        done = self._run("merge-base", a, b, check=False)
        found = done.stdout.strip()
        return found if done.returncode == 0 and _SHA.match(found) else None

    def close(self) -> None:
        for pipe in (self._cat, self._diff_tree):
            if pipe is not None:
                pipe.close()
        self._cat = self._diff_tree = None

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remember(cache: OrderedDict[str, V], key: str, value: V, size: int) -> None:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)


class _Reader:
    """Buffered reads from a pipe by delimiter or count (BufferedReader has no `until(b"\\0")`)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd = stream.fileno()
        self._buffer = b""
        self._at = 0

    def _fill(self) -> None:
        chunk = os.read(self._fd, 1 << 16)
        if not chunk:
            raise AuditRefused("git stopped answering object requests")
        self._buffer = self._buffer[self._at :] + chunk
        self._at = 0

    def peek(self) -> int:
        if self._at >= len(self._buffer):
            self._fill()
        return self._buffer[self._at]

    def until(self, delimiter: bytes) -> bytes:
        """The bytes up to the delimiter, which is consumed and not returned."""
        while (end := self._buffer.find(delimiter, self._at)) < 0:
            self._fill()
        data = self._buffer[self._at : end]
        self._at = end + len(delimiter)
        return data

    def take(self, count: int) -> bytes:
        while len(self._buffer) - self._at < count:
            self._fill()
        data = self._buffer[self._at : self._at + count]
        self._at += count
        return data

    def skip(self, count: int) -> None:
        while count > 0:
            step = min(count, len(self._buffer) - self._at)
            self._at += step
            count -= step
            if count:
                self._fill()


def _object_answer(stdout: _Reader, request: str) -> tuple[str, bytes] | None:
    """One `--batch` answer: (kind, data), or None for a missing object."""
    header = stdout.until(b"\n").decode().split()
    if len(header) != 3:
        return None
    _, kind, size_text = header
    size = int(size_text)
    limit = DEFAULT_LIMITS.max_bytes + 1 if kind == "blob" else size
    data = stdout.take(min(size, limit))
    stdout.skip(size - len(data) + 1)  # the rest, and the trailing newline
    return kind, data


class _Pipe(Generic[A]):
    """A long-lived git process answering one request per line, in order; requests are pipelined.

    `ask` writes requests without reading; `get` returns a request's answer, reading (and keeping,
    up to a bound) the answers of earlier requests first. Outstanding requests are bounded too, so
    neither side can fill a pipe the other is not draining.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        answer: Callable[[_Reader, str], A],
        weigh: Callable[[A], int],
        sentinel: bool = False,
    ):
        assert process.stdin is not None
        assert process.stdout is not None
        self._process, self._stdin, self._answer = process, process.stdin, answer
        self._reader = _Reader(process.stdout)
        self._sentinel = sentinel  # diff-tree echoes a non-id line: it ends each answer
        self._pending: deque[str] = deque()
        self._asked: set[str] = set()
        self._ready: OrderedDict[str, A] = OrderedDict()
        self._weigh = weigh
        self._weight = 0  # of the answers in `_ready`, in bytes

    def ask(self, requests: Iterable[str]) -> None:
        fresh = [r for r in requests if r not in self._asked and r not in self._ready]
        if not fresh:
            return
        while len(self._pending) + len(fresh) > _IN_FLIGHT and self._pending:
            self._receive()
        suffix = b"\n.\n" if self._sentinel else b"\n"
        self._stdin.write(b"".join(r.encode() + suffix for r in fresh))
        self._stdin.flush()
        self._pending.extend(fresh)
        self._asked.update(fresh)

    def _receive(self) -> None:
        request = self._pending.popleft()
        self._asked.discard(request)
        answer = self._answer(self._reader, request)
        self._ready[request] = answer
        self._weight += self._weigh(answer)
        while (len(self._ready) > _READY or self._weight > _READY_BYTES) and len(self._ready) > 1:
            self._weight -= self._weigh(self._ready.popitem(last=False)[1])

    def get(self, request: str) -> A:
        if request not in self._ready:
            if request not in self._asked:
                self.ask([request])
            while request not in self._ready:
                self._receive()
        answer = self._ready.pop(request)
        self._weight -= self._weigh(answer)
        return answer

    def close(self) -> None:
        self._stdin.close()
        self._process.wait()


def _diff_answer(stream: _Reader, request: str) -> list[Change] | None:
    """One `diff-tree --stdin -z` answer up to its echoed "." line; None when git printed no header."""
    changes: list[Change] | None = None
    while True:
        first = stream.peek()
        if first == ord("."):
            stream.take(2)
            return changes
        if first == ord(":"):
            meta = stream.until(b"\0").decode()
            path = stream.until(b"\0").decode("utf-8", "surrogateescape")
            old_mode, new_mode, old_oid, new_oid, status = meta[1:].split(" ")
            if changes is not None:
                changes.append(Change(status[0], path, None, old_mode, new_mode, old_oid, new_oid))
            continue
        header = stream.until(b"\n" if " " in request else b"\0")  # "old new\n" or "commit\0"
        if header != request.encode():
            raise AuditRefused(f"unexpected git diff-tree output {header[:90]!r}")
        changes = []


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
