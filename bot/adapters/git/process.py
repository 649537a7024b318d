"""The one way CAB Bot reaches git: every git command line is built here, with its safety options.

Every command runs with replace refs and grafts disabled (`--no-replace-objects`, an empty graft
file), so what is read is the object graph itself, not a local overlay; with bounded pack memory,
so long-lived processes stay flat however large the repository; and with the repository's own
environment only (no inherited GIT_DIR or GIT_INDEX_FILE). Objects are read through one long-lived
`git cat-file --batch` process per repository, pipelined; revisions are resolved to full object
ids before use, and `--end-of-options` or `--` keeps any input from being read as an option.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import IO, Generic, NamedTuple, TypeVar

from bot.domain.errors import CabError
from bot.domain.git_objects import CommitHeader, CommitSignature, Ident, TreeEntry

SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_NO_OBJECT = "0" * 40  # the null id: `cat-file` answers "missing" (a SHA-256 repository: no such prefix)
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
_IDENT = re.compile(r"^(?P<name>.*?) <(?P<email>[^>]*)> (?P<when>[0-9]{1,12}) [-+][0-9]{4}$")
# git leaves both signature headers out of the signed payload, whichever object format is in use.
_SIGNATURE_HEADERS = (b"gpgsig", b"gpgsig-sha256")
Failure = Callable[[str], CabError]


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every git command: this process's, minus overlays, plus `extra`."""
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
    env.update(extra or {})
    return env


class Output(NamedTuple):
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout without its final newline, as git prints it for a human."""
        return self.stdout.removesuffix("\n")


class Git:
    """One repository, reached through git itself; failures raise `failure(message)`."""

    def __init__(self, root: Path, failure: Failure, *, blob_limit: int | None = None) -> None:
        self.root = root
        self._failure = failure
        self._blob_limit = blob_limit  # blobs are cut after this many bytes (the audit's bound)
        self._env = git_env()
        self._cat: Pipe[tuple[str, bytes] | None] | None = None

    def command(self, *args: str) -> list[str]:
        """The one place a git command line is built."""
        return ["git", "-C", str(self.root), "--no-replace-objects", *_BOUNDED_MEMORY, *args]

    def run(
        self,
        *args: str,
        check: bool = True,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Output:
        """One short git command; `check` turns a failure into `failure`."""
        done = subprocess.run(
            self.command(*args),
            input=input,
            capture_output=True,
            env=git_env(env) if env else self._env,
            check=False,
        )
        out = Output(
            done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        )
        if check and out.returncode != 0:
            raise self._failure(f"git {args[0]} failed: {out.stderr.strip()}")
        return out

    def stream(self, *args: str) -> subprocess.Popen[bytes]:
        """A git command whose output is read as it comes (stdout and stderr piped)."""
        command = self.command(*args)
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env)

    def process(self, *args: str) -> subprocess.Popen[bytes]:
        """A long-lived git process answering requests written to its stdin."""
        return subprocess.Popen(
            self.command(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env,
        )

    # -- revisions ---------------------------------------------------------------------------

    def is_repository(self) -> bool:
        """Whether git finds a repository at the root. Asked of the `cat-file --batch` process
        every read goes through anyway (one request: an id no object has), not of a `rev-parse`
        of its own: outside a repository that process ends before it answers. The gate starts
        in every deployment, and a git process of its own costs it about 2 ms."""
        try:
            self.objects().get(_NO_OBJECT)
        except CabError:
            self.close()
            return False
        return True

    def git_dir(self) -> Path:
        return Path(self.run("rev-parse", "--absolute-git-dir").stdout.strip())

    def object_id(self, rev: str, kind: str = "commit") -> str | None:
        """The full id of the `kind` object a revision names, or None; option-like input fails."""
        if rev.startswith("-") or "\n" in rev:
            raise self._failure(f"{rev!r} is not a revision")
        peeled = f"{rev}^{{{kind}}}"
        done = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", peeled, check=False)
        sha = done.stdout.strip()
        return sha if done.returncode == 0 and SHA.match(sha) else None

    # -- objects, through the long-lived `cat-file --batch` ----------------------------------

    def objects(self) -> Pipe[tuple[str, bytes] | None]:
        """The cat-file process: answers (kind, data) per object id, None for a missing one."""
        if self._cat is None:
            self._cat = Pipe(
                self.process("cat-file", "--batch"),
                partial(_object_answer, self._blob_limit),
                _object_weight,
                self._failure,
            )
        return self._cat

    def read_object(self, oid: str, expect: str) -> bytes:
        """The data of an object of kind `expect`, or KeyError."""
        if not SHA.match(oid):
            raise KeyError(oid)
        answer = self.objects().get(oid)
        if answer is None:
            raise KeyError(oid)
        kind, data = answer
        if kind != expect:
            raise KeyError(f"{oid} is a {kind}, not a {expect}")
        return data

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()
            self._cat = None


class Reader:
    """Buffered reads from a pipe by delimiter or count (BufferedReader has no `until(b"\\0")`)."""

    def __init__(self, stream: IO[bytes], failure: Failure) -> None:
        self._fd = stream.fileno()
        self._failure = failure
        self._buffer = b""
        self._at = 0

    def _fill(self) -> None:
        chunk = os.read(self._fd, 1 << 16)
        if not chunk:
            raise self._failure("git stopped answering object requests")
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


def _object_weight(answer: tuple[str, bytes] | None) -> int:
    return len(answer[1]) if answer else 0


def _object_answer(limit: int | None, stdout: Reader, request: str) -> tuple[str, bytes] | None:
    """One `--batch` answer: (kind, data), or None for a missing object; blobs cut at `limit`."""
    header = stdout.until(b"\n").decode().split()
    if len(header) != 3:
        return None
    _, kind, size_text = header
    size = int(size_text)
    keep = size if limit is None or kind != "blob" else min(size, limit)
    data = stdout.take(keep)
    stdout.skip(size - len(data) + 1)  # the rest, and the trailing newline
    return kind, data


class Pipe(Generic[A]):
    """A long-lived git process answering one request per line, in order; requests are pipelined.

    `ask` writes requests without reading; `get` returns a request's answer, reading (and keeping,
    up to a bound) the answers of earlier requests first. Outstanding requests are bounded too, so
    neither side can fill a pipe the other is not draining. The process ends with `close`, or when
    the pipe is garbage-collected.

    With `renew`, the process is replaced by a new one (`renew()`) after `renew_after` answers:
    `git diff-tree --stdin` keeps every commit it has parsed, so over a whole history one process
    would grow with it.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        answer: Callable[[Reader, str], A],
        weigh: Callable[[A], int],
        failure: Failure,
        sentinel: bool = False,
        renew: Callable[[], subprocess.Popen[bytes]] | None = None,
        renew_after: int = 0,
    ):
        self._answer, self._failure = answer, failure
        self._sentinel = sentinel  # diff-tree echoes a non-id line: it ends each answer
        self._pending: deque[str] = deque()
        self._asked: set[str] = set()
        self._ready: OrderedDict[str, A] = OrderedDict()
        self._weigh = weigh
        self._weight = 0  # of the answers in `_ready`, in bytes
        self._renew, self._renew_after = renew, renew_after
        self._start(process)

    def _start(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        self._process, self._stdin = process, process.stdin
        self._reader = Reader(process.stdout, self._failure)
        self._answered = 0  # by this process
        self._finalizer = weakref.finalize(self, _end, process)

    def _renewed(self) -> None:
        """A new process once this one has answered `renew_after` requests. Every answer it still
        owes is read first, into the answers kept for `get`, so none is lost."""
        if self._renew is None or self._answered < self._renew_after:
            return
        while self._pending:
            self._receive()
        self._finalizer()
        self._start(self._renew())

    def ask(self, requests: Iterable[str]) -> None:
        fresh = [r for r in requests if r not in self._asked and r not in self._ready]
        if not fresh:
            return
        self._renewed()
        while len(self._pending) + len(fresh) > _IN_FLIGHT and self._pending:
            self._receive()
        suffix = b"\n.\n" if self._sentinel else b"\n"
        try:
            self._stdin.write(b"".join(r.encode() + suffix for r in fresh))
            self._stdin.flush()
        except OSError:  # git has ended (a broken pipe): the answers will not come
            raise self._failure("git stopped answering object requests") from None
        self._pending.extend(fresh)
        self._asked.update(fresh)

    def _receive(self) -> None:
        request = self._pending.popleft()
        self._asked.discard(request)
        answer = self._answer(self._reader, request)
        self._answered += 1
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
        self._finalizer()


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close a long-lived process's pipes (it exits at end of input) and reap it."""
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):  # requests still buffered for a git that has ended
                stream.close()
    process.wait()


def parse_commit(sha: str, raw: bytes) -> CommitHeader:
    """Headers and message of a raw commit object; the signature, if any, with the payload it signs."""
    head, _, message = raw.partition(b"\n\n")
    tree, parents, author, committer = "", [], Ident("", ""), Ident("", "")
    committed_at = None
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key in ("author", "committer"):
            match = _IDENT.match(value)
            ident = Ident(match["name"], match["email"]) if match else Ident(value, "")
            if key == "author":
                author = ident
            else:
                committer = ident
                committed_at = dt.datetime.fromtimestamp(int(match["when"]), dt.UTC) if match else None
    signature = _signature(sha, raw, head) if b"\ngpgsig" in head else None
    return CommitHeader(
        sha,
        tree,
        tuple(parents),
        author,
        committer,
        message.decode("utf-8", "replace"),
        committed_at,
        signature,
    )


def _signature(sha: str, raw: bytes, head: bytes) -> CommitSignature | None:
    """The object's own signature header (`gpgsig`, or `gpgsig-sha256` in a SHA-256 repository) and
    the object without any signature header, as git's `parse_buffer_signed_by_header` splits them."""
    own = b"gpgsig" if len(sha) == 40 else b"gpgsig-sha256"
    kept: list[bytes] = []
    armored: list[bytes] = []
    current: list[bytes] | None = None
    for line in head.split(b"\n"):
        if line.startswith(b" ") and current is not None:
            current.append(line[1:])
            continue
        key = line.split(b" ", 1)[0]
        if key in _SIGNATURE_HEADERS:
            current = armored if key == own and not armored else []
            current.append(line[len(key) + 1 :])
            continue
        current = None
        kept.append(line)
    if not armored:
        return None
    payload = b"\n".join(kept) + raw[len(head) :]
    return CommitSignature(b"\n".join(armored) + b"\n", payload)


_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0(.{20})", re.DOTALL)


def parse_tree(raw: bytes) -> tuple[TreeEntry, ...]:
    """Entries of a raw tree object, scanned by one regular expression (month shards are large)."""
    return tuple(
        TreeEntry(mode.decode(), name.decode("utf-8", "replace"), oid.hex())
        for mode, name, oid in _TREE_ENTRY.findall(raw)
    )
