"""The git adapter of the audit: one streamed `git log`, one `git cat-file --batch` process for
objects and one `git diff-tree --stdin` process for what a commit changes.

Every git call goes through `bot.adapters.git.process.Git` (replace refs and grafts disabled,
bounded pack memory), so what is audited is the object graph itself, not a local overlay; a
shallow clone is refused because its history is incomplete. Revisions are resolved to full
object ids before use and `--` ends every revision list, so no input can be read as an option or
a path.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from bot.adapters.git.process import SHA as _SHA
from bot.adapters.git.process import Git, Output, Pipe, Reader, parse_commit, parse_tree
from bot.domain.errors import CabError
from bot.domain.git_objects import Change, CommitHeader, LogEntry, TreeEntry
from bot.domain.strict_yaml import DEFAULT_LIMITS

__all__ = ["AuditRefused", "GitRepository", "parse_commit", "parse_tree"]

_MARK = "\x01"
# Commits per `git log` of the one pass over history (`first_parent_log`), and per `git diff-tree`
# process: each keeps every commit it has parsed, so this is what bounds their memory.
LOG_CHUNK = 10_000
V = TypeVar("V")


class AuditRefused(CabError):
    """The repository cannot be audited as it is (shallow, not a repository, unknown revision)."""

    exit_code = 2


class GitRepository:
    """Read-only access to one repository's history and objects."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._git = Git(root, AuditRefused, blob_limit=DEFAULT_LIMITS.max_bytes + 1)
        self._diff_tree: Pipe[list[Change] | None] | None = None
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

    def _run(self, *args: str, check: bool = True) -> Output:
        return self._git.run(*args, check=check)

    # -- revisions ---------------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The commit id a revision names, or AuditRefused."""
        sha = self._git.object_id(rev)
        if sha is None:
            raise AuditRefused(f"{rev!r} does not name a commit in {self.root}")
        return sha

    def branch_of(self, ref: str) -> str | None:
        """The branch `ref` names (`HEAD`: the checked-out branch), or None (a sha, detached HEAD)."""
        if ref != "HEAD":
            named = self._run("rev-parse", "--verify", "--quiet", f"refs/heads/{ref}", check=False)
            return ref if named.returncode == 0 else None
        found = self._run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return found.stdout.strip() or None if found.returncode == 0 else None

    def exists(self, sha: str) -> bool:
        return self._run("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self._run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return done.returncode == 0

    def git_dir(self) -> Path:
        return self._git.git_dir()

    def branch_name(self, rev: str) -> str | None:
        """The full ref name a revision is (`refs/heads/main`), or None (a commit id, a detached HEAD)."""
        if rev.startswith("-") or "\n" in rev:
            return None
        done = self._run("rev-parse", "--symbolic-full-name", rev, check=False)  # rev is no option
        name = done.stdout.strip()
        return name if done.returncode == 0 and name.startswith("refs/") and " " not in name else None

    def first_parent_root(self, head: str) -> str:
        """The root commit the first-parent line of `head` ends in."""
        done = self._run("rev-list", "--first-parent", "--max-parents=0", head, "--")
        return done.stdout.split()[-1]

    # -- the one pass over history ----------------------------------------------------------

    def first_parent_log(self, head: str, stop: str | None = None) -> Iterator[LogEntry]:
        """Commits on head's first-parent chain (newest first) with their changes vs first parent.

        Read in runs of `LOG_CHUNK` commits, each by a `git log` of its own that starts at the
        first parent of the last commit the one before it gave: a single log keeps every commit
        it walked in memory (about 2 KiB each; 211 MiB at 100,000 decisions), a run of them never
        holds more than one chunk's."""
        for sha in (head, stop):
            if sha is not None and not _SHA.match(sha):
                raise AuditRefused(f"{sha!r} is not a resolved commit id")
        start: str | None = head
        while start is not None:
            count, last = 0, None
            for last in self._log_chunk(start, stop):
                count += 1
                yield last
            more = last is not None and count == LOG_CHUNK and bool(last.parents)
            start = last.parents[0] if more and last is not None else None

    def _log_chunk(self, start: str, stop: str | None) -> Iterator[LogEntry]:
        revs = [start] + ([f"^{stop}"] if stop else [])
        command = [
            "-c", "core.quotePath=false", "-c", "diff.renameLimit=0", "-c", "log.showSignature=false",
            "log", "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev", "-M",
            "--root", "--no-color", "--no-ext-diff", "--no-textconv", f"--format={_MARK}%H %P",
            f"--max-count={LOG_CHUNK}", *revs, "--",
        ]  # fmt: skip
        with self._git.stream(*command) as proc:
            assert proc.stdout is not None
            yield from _parse_log(proc.stdout)
            stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            if proc.wait() != 0:
                raise AuditRefused(f"git log failed: {stderr.strip()}")

    def first_parents(self, head: str) -> list[str]:
        """The ids on head's first-parent chain, newest first (where `cab audit --jobs` cuts)."""
        if not _SHA.match(head):
            raise AuditRefused(f"{head!r} is not a resolved commit id")
        return self._run("rev-list", "--first-parent", head, "--").stdout.split()

    # -- objects (ObjectStore) ---------------------------------------------------------------
    #
    # Reads are pipelined: `prefetch` writes requests without waiting, and an answer is read only
    # when it (or a request written after it) is needed; answers read early wait in `_ready`,
    # which is bounded. Many requests can so be in flight at once instead of one round trip each.

    def _diffs(self) -> Pipe[list[Change] | None]:
        if self._diff_tree is None:
            command = (
                "diff-tree", "--stdin", "-r", "-z", "--no-abbrev", "--no-renames", "--always",
                "--ignore-submodules=none", "--no-ext-diff", "--no-textconv",
            )  # fmt: skip
            self._diff_tree = Pipe(
                self._git.process(*command),
                _diff_answer,
                lambda a: 200 * len(a or ()),
                AuditRefused,
                sentinel=True,
                renew=lambda: self._git.process(*command),
                renew_after=LOG_CHUNK,
            )
        return self._diff_tree

    def prefetch(self, oids: Iterable[str], changes_of: Iterable[str] = ()) -> None:
        """Ask for objects (and single-parent commits' changes) now; later reads use the answers."""
        known = self._commits.keys() | self._trees.keys()
        wanted = [o for o in dict.fromkeys(oids) if _SHA.match(o) and o not in known]
        self._git.objects().ask(wanted)
        self._diffs().ask([c for c in dict.fromkeys(changes_of) if _SHA.match(c)])

    def _read(self, oid: str, expect: str) -> bytes:
        if not _SHA.match(oid):  # inline, not Git.read_object: the audit's hottest path
            raise KeyError(oid)
        answer = self._git.objects().get(oid)
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
        self._git.close()
        if self._diff_tree is not None:
            self._diff_tree.close()
            self._diff_tree = None

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remember(cache: OrderedDict[str, V], key: str, value: V, size: int) -> None:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)


def _diff_answer(stream: Reader, request: str) -> list[Change] | None:
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
