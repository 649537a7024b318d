"""The audit reads history as the object graph: clean histories pass; overlays and dates do not count."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bot.adapters.git import object_store
from bot.adapters.git import process as pipes
from bot.adapters.git.object_store import AuditRefused, GitRepository
from bot.cli import main
from bot.domain.strict_yaml import DEFAULT_LIMITS
from tests.audit_helpers import audit_repo, rules_of
from tests.repo_builder import (
    MONTH,
    OUTSIDER,
    ExceptionTweak,
    RepoBuilder,
    Tweak,
    evidence_text,
    honest_history,
)


@pytest.fixture
def honest(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    honest_history(builder)
    return builder


def test_a_clean_history_has_no_findings(honest: RepoBuilder) -> None:
    report = audit_repo(honest.root)
    assert report.findings == []
    assert report.stats.decisions == 3
    assert report.commits == 5


def test_every_outcome_and_a_later_exception_pr_are_clean(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.base()
    b.decide("payments-api-1", "low")
    b.approve_exception("later", ["edge-proxy-1"])
    b.approve_exception("refused", ["edge-proxy-1"], tweak=ExceptionTweak(outcome="rejected"))
    b.decide("identity-gw-1", "medium", Tweak(outcome="rejected", approvers=[]))
    b.decide("identity-gw-2", "medium", Tweak(outcome="conditional"))
    b.decide("edge-proxy-1", "high", Tweak(exceptions=["later"]))
    assert audit_repo(b.root).findings == []


def test_trailers_in_pr_commits_are_ignored(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.base()

    def planted(pr: RepoBuilder) -> None:
        pr.write("notes.txt", "x")
        pr.commit(
            "Notes\n\nCab-Decision: approved\nCab-Change: payments-api-1\nCab-Tier: low\n", who=OUTSIDER
        )

    b.decide("payments-api-1", "low", Tweak(on_pr_branch=planted))
    report = audit_repo(b.root)
    assert report.findings == []
    assert report.stats.decisions == 1


def test_order_comes_from_the_graph_not_from_backdated_dates(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.base()
    b.decide("payments-api-1", "low")
    b.clock = dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC)  # later commits claim earlier dates
    b.decide("payments-api-2", "low")
    b.decide("payments-api-3", "low")
    assert audit_repo(b.root).findings == []


def test_replace_refs_are_ignored(honest: RepoBuilder) -> None:
    path = f"evidence/{MONTH}/payments-api-1.yaml"
    evidence = honest.git("rev-parse", f"HEAD:{path}")
    forged = (honest.root / "forged.yaml").resolve()
    forged.write_text(evidence_text("low", "payments-api-1").replace("7.4.2", "6.6.6"))
    honest.git("replace", evidence, honest.git("hash-object", "-w", str(forged)))
    forged.unlink()
    assert "6.6.6" in honest.git("show", f"HEAD:{path}")  # git itself now shows the overlay
    assert audit_repo(honest.root).findings == []


def test_grafts_are_ignored(honest: RepoBuilder) -> None:
    head = honest.head()
    first_parent = honest.head("HEAD^1")
    (honest.root / ".git" / "info").mkdir(exist_ok=True)
    (honest.root / ".git" / "info" / "grafts").write_text(f"{head} {first_parent}\n")  # hide the PR side
    assert honest.git("log", "-1", "--format=%P") == first_parent  # git itself now shows the overlay
    assert audit_repo(honest.root).findings == []


def test_a_shallow_clone_is_refused(
    honest: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{honest.root}", str(shallow)],
        check=True,
        capture_output=True,
    )
    assert main(["audit", "--repo", str(shallow), "--no-cache"]) == 2
    assert "shallow clone" in capsys.readouterr().err


def test_an_anchor_that_is_still_an_ancestor_is_fine(honest: RepoBuilder) -> None:
    assert audit_repo(honest.root, anchor=honest.head("HEAD~2")).findings == []


def test_an_anchor_missing_from_the_repository_is_a_finding(honest: RepoBuilder) -> None:
    report = audit_repo(honest.root, anchor="1" * 40)
    assert rules_of(report.findings) == {"anchor.not-ancestor"}


def test_since_checks_only_later_commits(honest: RepoBuilder) -> None:
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "edited before the boundary\n")
    honest.commit("tamper", who=OUTSIDER)
    boundary = honest.head()
    honest.decide("payments-api-9", "low", Tweak(previous=None))  # chain across --since is not checked
    report = audit_repo(honest.root, since=boundary)
    assert report.commits == 1
    assert report.findings == []


def test_not_a_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditRefused, match="not a git repository"):
        GitRepository(tmp_path)


def test_an_unknown_ref_is_refused(honest: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--repo", str(honest.root), "--ref", "no-such-branch"]) == 2
    assert "does not name a commit" in capsys.readouterr().err


def test_option_like_revisions_are_refused(honest: RepoBuilder) -> None:
    with GitRepository(honest.root) as repo, pytest.raises(AuditRefused):
        repo.resolve("--output=/tmp/x")


def test_prefetched_objects_are_served_and_missing_ones_stay_missing(honest: RepoBuilder) -> None:
    head = honest.head()
    with GitRepository(honest.root) as repo:
        repo.prefetch([head, "ab" * 20])
        assert repo.commit(head).sha == head
        with pytest.raises(KeyError):
            repo.blob("ab" * 20)


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_the_one_pass_read_in_chunks_gives_every_commit_once_newest_first(
    honest: RepoBuilder, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    head = honest.head()
    with GitRepository(honest.root) as repo:
        whole = list(repo.first_parent_log(head))
    monkeypatch.setattr(object_store, "LOG_CHUNK", chunk)
    with GitRepository(honest.root) as repo:
        assert list(repo.first_parent_log(head)) == whole


def test_the_one_pass_read_in_chunks_stops_where_it_is_told(
    honest: RepoBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = honest.head()
    with GitRepository(honest.root) as repo:
        whole = list(repo.first_parent_log(head))
    monkeypatch.setattr(object_store, "LOG_CHUNK", 2)
    with GitRepository(honest.root) as repo:
        assert list(repo.first_parent_log(head, stop=whole[3].sha)) == whole[:3]


def test_an_audit_read_in_chunks_finds_what_one_read_finds(
    honest: RepoBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest.write(f"evidence/{MONTH}/payments-api-1.yaml", "edited after its decision\n")
    honest.commit("tamper", who=OUTSIDER)
    honest.decide("payments-api-9", "low")
    whole = audit_repo(honest.root)
    monkeypatch.setattr(object_store, "LOG_CHUNK", 2)
    chunked = audit_repo(honest.root)
    assert whole.findings != []
    assert (chunked.commits, chunked.findings) == (whole.commits, whole.findings)


# -- the object store: pipelined reads and git's own diffs ---------------------------------------


@pytest.fixture
def awkward(tmp_path: Path) -> RepoBuilder:
    """A commit that adds, deletes, re-modes and nests awkward names (a newline, a "." line)."""
    b = RepoBuilder(tmp_path / "awkward")
    b.write("keep.txt", "keep\n")
    b.write("gone.txt", "gone\n")
    b.write("tool.sh", "echo\n")
    b.write("dir/old.txt", "old\n")
    b.commit("before", who=OUTSIDER)
    b.git("rm", "-q", "gone.txt")
    (b.root / "tool.sh").chmod(0o755)
    b.write("dir/old.txt", "changed\n")
    b.write("odd/we ird\n.\nname", "x\n")
    b.write("odd/ü.yaml", "y\n")
    b.commit("after", who=OUTSIDER)
    return b


def _git_diff_tree(b: RepoBuilder, *args: str) -> set[tuple[str, str, str, str]]:
    out = b.git("diff-tree", "-r", "-z", "--no-abbrev", "--no-renames", *args)
    fields = out.split("\0")
    found = set()
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if meta.startswith(":"):
            _, new_mode, _, new_oid, status = meta[1:].split(" ")
            found.add((status, path, new_mode, new_oid))
    return found


def test_a_commits_changes_are_gits_own_diff_awkward_names_included(awkward: RepoBuilder) -> None:
    head, parent = awkward.head(), awkward.head("HEAD^")
    with GitRepository(awkward.root) as repo:
        changes = repo.commit_changes(head)
        between = repo.diff(repo.commit(parent).tree, repo.commit(head).tree)
    got = {(c.status, c.path, c.new_mode, c.new_oid) for c in changes}
    assert got == _git_diff_tree(awkward, parent, head)
    assert {c.path for c in changes} == {
        "gone.txt",
        "tool.sh",
        "dir/old.txt",
        "odd/we ird\n.\nname",
        "odd/ü.yaml",
    }
    assert [(c.status, c.path) for c in between] == [(c.status, c.path) for c in changes]


def test_identical_trees_differ_nowhere_and_unknown_ones_are_missing(awkward: RepoBuilder) -> None:
    with GitRepository(awkward.root) as repo:
        tree = repo.commit(awkward.head()).tree
        assert repo.diff(tree, tree) == []
        with pytest.raises(KeyError):
            repo.diff(tree, "ab" * 20)
        assert repo.commit_changes(awkward.head()) != []  # the process still answers afterwards


def test_only_a_single_parent_commits_changes_are_given(honest: RepoBuilder) -> None:
    root = honest.git("rev-list", "--max-parents=0", "HEAD")
    with GitRepository(honest.root) as repo:
        for sha in (honest.head(), root):  # a merge, the root commit
            with pytest.raises(ValueError, match="not a single-parent commit"):
                repo.commit_changes(sha)


@pytest.mark.parametrize("bounds", [None, (8, 16)], ids=["default", "tight"])
def test_many_requests_in_flight_are_each_answered_with_their_own_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bounds: tuple[int, int] | None
) -> None:
    if bounds is not None:  # answers read ahead are dropped and asked for again
        monkeypatch.setattr(pipes, "_IN_FLIGHT", bounds[0])
        monkeypatch.setattr(pipes, "_READY", bounds[1])
    b = RepoBuilder(tmp_path / "many")
    b.commit("root", who=OUTSIDER)
    for n in range(700):  # more than the requests kept in flight at once
        b.write(f"f/{n:04d}.txt", f"file {n}\n")
    b.commit("many", who=OUTSIDER)
    listing = [line.split() for line in b.git("ls-tree", "-r", "HEAD").splitlines()]
    oids = {line[3]: line[2] for line in listing}
    missing = ["cd" * 20, "ef" * 20]
    with GitRepository(b.root) as repo:
        repo.prefetch([*oids.values(), *missing], changes_of=[b.head()])
        for path in sorted(oids, reverse=True):  # read in another order than asked
            assert repo.blob(oids[path]) == f"file {int(path[2:6])}\n".encode()
        for oid in missing:
            with pytest.raises(KeyError):
                repo.blob(oid)
        assert len(repo.commit_changes(b.head())) == 700


def _one_file_commits(tmp_path: Path, count: int) -> tuple[RepoBuilder, list[str]]:
    b = RepoBuilder(tmp_path / "one-file-commits")
    b.commit("root", who=OUTSIDER)
    heads = []
    for n in range(count):
        b.write(f"f/{n}.txt", f"file {n}\n")
        heads.append(b.commit(f"add {n}", who=OUTSIDER))
    return b, heads


def _paths(repo: GitRepository, sha: str) -> list[str]:
    return [c.path for c in repo.commit_changes(sha)]


def test_a_renewed_diff_process_answers_each_commit_with_its_own_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`git diff-tree --stdin` is replaced after LOG_CHUNK answers (it keeps every commit it
    parsed); here after every second one."""
    b, heads = _one_file_commits(tmp_path, 7)
    monkeypatch.setattr(object_store, "LOG_CHUNK", 2)
    with GitRepository(b.root) as repo:
        answers, processes = [], set()
        for h in heads:
            answers.append(_paths(repo, h))
            processes.add(repo._diffs()._process.pid)  # the process is what is renewed
    assert answers == [[f"f/{n}.txt"] for n in range(7)]
    assert len(processes) == 4  # answers 1-2, 3-4, 5-6, 7


def test_answers_owed_when_the_diff_process_is_renewed_are_read_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b, heads = _one_file_commits(tmp_path, 6)
    monkeypatch.setattr(object_store, "LOG_CHUNK", 2)
    with GitRepository(b.root) as repo:
        repo.prefetch([], changes_of=heads[:3])
        assert (_paths(repo, heads[0]), _paths(repo, heads[1])) == (["f/0.txt"], ["f/1.txt"])
        repo.prefetch([], changes_of=heads[3:])  # two answered: renewed, with heads[2]'s answer owed
        assert [_paths(repo, h) for h in reversed(heads)] == [[f"f/{n}.txt"] for n in reversed(range(6))]


def test_an_oversized_blob_is_cut_at_the_limit_and_the_next_answers_stay_in_step(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "big")
    b.write("big.yaml", b"x" * (3 * DEFAULT_LIMITS.max_bytes))
    b.write("small.yaml", b"small\n")
    b.commit("sizes", who=OUTSIDER)
    big, small = (b.git("rev-parse", f"HEAD:{name}") for name in ("big.yaml", "small.yaml"))
    with GitRepository(b.root) as repo:
        repo.prefetch([big, small])
        assert len(repo.blob(big)) == DEFAULT_LIMITS.max_bytes + 1  # enough to refuse it as too large
        assert repo.blob(small) == b"small\n"
        assert len(repo.blob(big)) == DEFAULT_LIMITS.max_bytes + 1  # read again, without prefetching
