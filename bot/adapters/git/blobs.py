"""Reading governed files from a local git repository as blobs at a commit (never the work tree).

Symlinks and submodules under governed paths are refused: following them would let a PR point a
governed path at content outside the reviewed tree. Paths are looked up tree by tree through
`bot.adapters.git.process.Git` (one long-lived `cat-file --batch`, replace refs ignored, so
`git replace` cannot swap history under the reader).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.adapters.git.process import SHA, Git, Reader, parse_commit, parse_tree
from bot.domain.errors import CabError
from bot.domain.git_objects import CommitHeader, TreeEntry

_TREE, _SYMLINK, _SUBMODULE = "40000", "120000", "160000"
_REGULAR = ("100644", "100755")
_TREES_KEPT = 256
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")


class RepositoryError(CabError):
    exit_code = 2


class NotAFile(RepositoryError):
    """The path is there but is no plain file: `why` says what it is."""

    def __init__(self, path: str, sha: str, why: str) -> None:
        super().__init__(f"{path} at {sha[:7]} {why}; governed files must be regular files")
        self.path = path
        self.why = why


class MissingCommit(RepositoryError):
    """A commit the history names is not in the clone (shallow, partial or damaged)."""

    def __init__(self, sha: str) -> None:
        super().__init__(
            f"commit {sha[:12]} is not in this clone (a shallow or partial clone, or a damaged one); "
            "fetch the whole history (`git fetch --unshallow`) or check it (`git fsck`)"
        )
        self.sha = sha


class GitBlobs:
    """Files of a repository at a commit, read through git's object database."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self._trees: OrderedDict[str, _Tree] = OrderedDict()
        self._shallow: bool | None = None

    @classmethod
    def open(cls, path: Path) -> GitBlobs:
        git = Git(path, RepositoryError)
        if not git.is_repository():
            raise RepositoryError(f"{path}: not a git repository")
        return cls(git)

    def close(self) -> None:
        self.git.close()

    def is_shallow(self) -> bool:
        """A shallow clone (`actions/checkout`'s default depth of 1) ends its history early: a log
        walk over it stops silently at the cut, so callers that need the history refuse it."""
        if self._shallow is None:  # asked once: the gate's light and full paths both ask
            self._shallow = self.git.run("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        return self._shallow

    def resolve(self, ref: str) -> str:
        sha = self.git.object_id(ref)
        if sha is None:
            raise RepositoryError(f"unknown revision {ref!r}")
        return sha

    def commit_id(self, rev: str) -> str | None:
        """The id of the commit `rev` names, or None; asked of the one `cat-file --batch` process
        rather than of a `rev-parse` of its own (the gate starts in every deployment, and a git
        process costs as much as its checks). A commit's id is the hash of its bytes, in the
        repository's hash function: SHA-256 when its tree id is 64 digits long, else SHA-1."""
        if rev.startswith("-") or "\n" in rev or not rev.strip():
            raise RepositoryError(f"{rev!r} is not a revision")
        answer = self.git.objects().get(f"{rev}^{{commit}}")
        if answer is None or answer[0] != "commit":
            return None
        data = answer[1]
        tree = data.split(b"\n", 1)[0].removeprefix(b"tree ")
        digest = hashlib.sha256 if len(tree) == 64 else hashlib.sha1
        return digest(b"commit %d\x00" % len(data) + data).hexdigest()

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
        try:
            return self.git.read_object(entry.oid, "blob")
        except KeyError:  # a missing or mistyped object (a partial or damaged clone): refused, not crashed
            raise NotAFile(path, sha, f"is an unreadable blob ({entry.oid[:12]})") from None

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

    def files_not_in(self, sha: str, base: str, directory: str) -> Sequence[str]:
        """`list_files(sha, directory)` less the paths that are regular files at `base` too.

        Subtrees that `base` holds unchanged are skipped unread, so the walk costs what the two
        commits differ by (a PR branch's few records), not the size of the directory.
        """
        prefix = directory.rstrip("/")
        entry = self._entry(sha, prefix)
        if entry is None or entry.mode != _TREE:
            return []
        paths: list[str] = []
        stack = [(prefix, entry, self._entry(base, prefix))]
        while stack:
            name, item, theirs = stack.pop()
            if theirs is not None and (theirs.oid, theirs.mode) == (item.oid, item.mode):
                continue  # the same object at the same path: nothing here is new
            if item.mode in _REGULAR:
                if theirs is None or theirs.mode not in _REGULAR:
                    paths.append(name)
            elif item.mode == _TREE:
                entries = self._tree(item.oid).entries
                named = self._tree(theirs.oid).named if theirs and theirs.mode == _TREE else {}
                stack.extend((f"{name}/{e.name}", e, named.get(e.name)) for e in reversed(entries))
        return paths

    def landed(self, sha: str, directory: str, since: str | None = None) -> Iterator[str]:
        """Paths under `directory` as they were added on the first-parent history of `sha`, newest
        first (after `since` only, when given); read lazily, so taking a few reads a few commits."""
        revisions = f"{since}..{sha}" if since else sha
        process = self.git.stream(
            "log", "--first-parent", "--diff-merges=first-parent", "--no-renames", "--diff-filter=A",
            "--name-only", "--format=", "-z", revisions, "--", f"{directory.rstrip('/')}/",
        )  # fmt: skip
        assert process.stdout is not None
        assert process.stderr is not None
        ended = RepositoryError("end of the log")
        reader = Reader(process.stdout, lambda _why: ended)
        try:
            while True:
                try:
                    path = reader.until(b"\0").strip(b"\n")
                except RepositoryError as stop:
                    if stop is not ended:
                        raise
                    break
                if path:
                    yield path.decode("utf-8", "replace")
            if process.wait() != 0:
                raise RepositoryError(
                    f"git log failed: {process.stderr.read().decode(errors='replace').strip()}"
                )
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()

    def first_parents_touching(
        self, tip: str, prefixes: Sequence[str], stop: str | None = None
    ) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """(commit, parents, paths) of every first-parent commit of `tip` (after `stop`, when
        given) that changed a path starting with one of `prefixes` against its first parent, newest
        first. One `git log`; a commit-graph with changed-path filters makes it cheap."""
        for sha in (tip, stop):
            if sha is not None and not SHA.match(sha):
                raise RepositoryError(f"{sha!r} is not a resolved commit id")
        specs = [f":(literal){p.rstrip('/')}" for p in prefixes]
        revisions = [tip] + ([f"^{stop}"] if stop else [])
        done = self.git.run(
            "-c", "core.quotePath=false", "log", "--first-parent", "--diff-merges=first-parent",
            "--no-renames", "--name-only", "-z", "--format=%x01%H %P", *revisions, "--", *specs,
        )  # fmt: skip
        found = []
        for block in done.stdout.split("\x01")[1:]:
            head, *names = block.split("\0")  # "<sha> <parents>", then "\n<path>", "<path>", ...
            sha, *parents = head.split()
            paths = tuple(p.strip("\n") for p in names if p.strip("\n"))
            found.append((sha, tuple(parents), paths))
        return found

    def files_containing(self, sha: str, directory: str, text: str) -> list[str]:
        """Paths under `directory` at `sha` whose content holds `text` (a fixed string, one line),
        from one `git grep`: the index git already is, instead of reading every blob here."""
        if not SHA.match(sha):
            raise RepositoryError(f"{sha!r} is not a resolved commit id")
        done = self.git.run(
            "grep", "-l", "-z", "-F", "-e", text, sha, "--", f"{directory.rstrip('/')}/", check=False
        )
        if done.returncode not in (0, 1):  # 1: nothing found
            raise RepositoryError(f"git grep failed: {done.stderr.strip()}")
        return [name.removeprefix(f"{sha}:") for name in done.stdout.split("\0") if name]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is `descendant` or reachable from it (`git merge-base --is-ancestor`)."""
        for rev in (ancestor, descendant):
            if not SHA.match(rev):
                raise RepositoryError(f"{rev!r} is not a resolved commit id")
        return self.git.run("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

    def on_first_parent_line(self, tip: str, sha: str) -> bool:
        """Whether `sha` is `tip` or one of its first-parent ancestors (not a merged branch's commit)."""
        for rev in (tip, sha):
            if not SHA.match(rev):
                raise RepositoryError(f"{rev!r} is not a resolved commit id")
        if tip == sha:
            return True
        after = self.git.run("rev-list", "--first-parent", "--parents", tip, f"^{sha}", "--").stdout
        oldest = after.strip().rsplit("\n", 1)[-1:]
        return bool(oldest) and oldest[0].split()[1:2] == [sha]

    def files_named(self, sha: str, directory: str, name: str) -> list[str]:
        """Every `directory/<yyyy-mm>/name` at a commit, without reading the month trees here.

        How a record is found without listing every record: `decisions/<tier>` holds a few month
        directories, and git is asked (pipelined, one `cat-file` request each) for `<month>/name`
        in each. Only month-shaped names are asked about, so no tree entry can reach the protocol.
        """
        entry = self._entry(sha, directory)
        if entry is None or entry.mode != _TREE:
            return []
        months = [e.name for e in self._tree(entry.oid).entries if e.mode == _TREE and _MONTH.match(e.name)]
        requests = [f"{entry.oid}:{month}/{name}" for month in months]
        pipe = self.git.objects()
        pipe.ask(requests)
        return [f"{directory}/{m}/{name}" for m, r in zip(months, requests, strict=True) if pipe.get(r)]

    def commit(self, sha: str) -> CommitHeader:
        """The parsed commit a full object id names; MissingCommit when the clone lacks it."""
        try:
            return parse_commit(sha, self.git.read_object(sha, "commit"))
        except KeyError:
            raise MissingCommit(sha) from None

    def _back(self, tip: str, steps: int, path: str) -> bytes | None:
        """The blob at `path` in the commit `steps` first parents behind `tip`, or None."""
        answer = self.git.objects().get(f"{tip}~{steps}:{path}")
        return answer[1] if answer is not None and answer[0] == "blob" else None

    def arrival(self, tip: str, path: str) -> tuple[str, bytes | None] | None:
        """A first-parent commit of `tip` where `path` first holds the tip's bytes, and the bytes
        it held at that commit's first parent (None: absent, or the commit is the root).

        Galloping back from the tip (1, 2, 4, ... first parents) until the bytes differ, then
        bisecting: about 2·log2(distance) lookups of `tip~n:path`, each answered by the one
        `cat-file --batch` process, instead of a path-limited walk of the whole history.
        None when the tip has no blob at `path`.
        """
        wanted = self._back(tip, 0, path)
        if wanted is None:
            return None
        same, step = 0, 1  # `same` holds the tip's bytes; find a `differs` that does not
        while self._back(tip, same + step, path) == wanted:
            same, step = same + step, step * 2
        differs = same + step
        while differs - same > 1:
            middle = (same + differs) // 2
            same, differs = (middle, differs) if self._back(tip, middle, path) == wanted else (same, middle)
        sha = self.commit_id(f"{tip}~{same}")
        assert sha is not None  # `same` steps back from the tip hold a blob, so the commit exists
        return sha, self._back(tip, differs, path)

    def default_branch(self) -> tuple[str, str] | None:
        """(name, tip) of the default branch: the remote's (`origin/HEAD`, as `git clone` records
        it), else `origin/main`, else the local `main`; None when the clone has none of them."""
        # One `for-each-ref` answers for all three (the gate starts in every deployment, and each
        # git process costs about as much as the rest of the check): a ref's target when it is
        # symbolic, and the commit it names (peeling one annotated tag).
        fields = "%(refname)%00%(symref)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
        names = ("refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/heads/main")
        out = self.git.run("for-each-ref", f"--format={fields}", *names, check=False).stdout
        refs = {}
        for line in out.splitlines():
            name, target, kind, oid, peeled_kind, peeled = (line.split("\x00") + [""] * 6)[:6]
            tip = oid if kind == "commit" else peeled if (kind, peeled_kind) == ("tag", "commit") else None
            refs[name] = (target, tip)
        remote_head = refs.get(names[0])  # its object is its target's
        candidates = [remote_head] if remote_head and remote_head[0] else []
        candidates += [(name, refs[name][1]) for name in names[1:] if name in refs]
        for ref, tip in candidates:
            if ref.startswith("refs/") and tip is not None and SHA.match(tip):
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
