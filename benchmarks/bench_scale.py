"""Every command a user waits for, at two history sizes, against its real floor: one run, one table.

Builds (or reuses, with --keep) one repository per size with bench_audit's `git fast-import`
builder: N decided changes on `main` (one lifecycle-shaped PR each) plus --pending open PR branches,
a commit-graph (what `git gc` / `git maintenance` leave; without one, deep first-parent walks are
slower), and a checked-out work tree (what `cab validate` reads). Then, in interleaved rounds (one
of each case per round, so the machine's noise hits all alike), times end to end, process start
included, with `cab` installed as users install it (this checkout's wheel in a virtualenv of its
own, whose interpreter runs every floor; benchmarks/installed.py):

- `cab --help`: `python -c pass`;
- `cab status` (pending + the 50 newest decided): `python -c pass` + git's reads of the same
  objects (refs, the first-parent log of the newest 50, one tree diff per branch, their records
  in one `cat-file --batch`), parsed to libyaml's events;
- `cab verify ID`, `cab show ID` (newest and oldest): `python -c pass` + one `git cat-file`;
- `cab validate`: a Python process that reads the same files and parses them to libyaml's events;
- `cab audit --no-cache --jobs 1` (and `--jobs J`): a Python process running `git log --first-parent
  --name-status`, every evidence and decision blob in one `cat-file --batch`, libyaml events.

Memory is measured in a separate, untimed run per command: the command runs under a small
launcher whose `wait4` gives the peak RSS of the command's whole process tree (the kernel reports
the largest of the process and of every child it waited for, so with `--jobs` the workers too; an
upper bound for each of them, inherited from a ~10 MiB launcher, not from this benchmark), while
this process samples `/proc/<pid>/status` VmHWM of every git process below it every few
milliseconds (a git child's own `ru_maxrss` would count the Python process it was spawned from).
Validate+score is measured in-process by `bench_score` (loops compared, not a
user's wait). Prints one table: each case's median, its floor, the ratio, the growth from the
smallest to the largest size, peak RSS of the process and of its largest git child, and the target.

    python benchmarks/bench_scale.py [--sizes 10000,100000] [--pending 100] [--rounds 3] [--keep DIR]
        [--jobs 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.installed import Installed

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
MEMORY_TARGET_MIB = 64
_SAMPLE_SECONDS = 0.003

# Run by a fresh interpreter as the parent of the measured command: its wait4 rusage is the
# command's own peak RSS (inherited from a ~10 MiB launcher, not from this benchmark).
_LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "kib": usage.ru_maxrss}))
"""


# --- floors, run as `python bench_scale.py --floor KIND REPO [ARGS]` so they start like `cab` ----


def _events(data: bytes) -> None:
    import yaml

    loader = yaml.CSafeLoader(data)  # libyaml's events: all of PyYAML the bot uses
    while type(loader.get_event()) is not yaml.StreamEndEvent:
        pass
    loader.dispose()


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], input=data, check=True, capture_output=True).stdout


def _batch(repo: Path, requests: list[str]) -> list[bytes]:
    """The contents of objects named by `requests` (ids or `rev:path`), in one `cat-file --batch`."""
    out = _git(repo, "cat-file", "--batch", data="".join(r + "\n" for r in requests).encode())
    blobs, position = [], 0
    while position < len(out):
        end = out.index(b"\n", position)
        header = out[position:end].split()
        if len(header) != 3:  # "<request> missing"
            position = end + 1
            continue
        size = int(header[2])
        blobs.append(out[end + 1 : end + 1 + size])
        position = end + 1 + size + 1
    return blobs


def floor_status(repo: Path, ref: str = "main", newest: int = 50) -> None:
    """What `cab status` must read: the branches, what each adds under decisions/, the newest
    decided records on REF's first-parent line, all parsed to events."""
    refs = _git(repo, "for-each-ref", "--format=%(objectname)", "refs/heads", "refs/remotes").split()
    base = _git(repo, "rev-parse", ref).strip().decode()
    pairs = "".join(f"{base} {sha.decode()}\n" for sha in refs if sha.decode() != base)
    diff = _git(repo, "diff-tree", "--stdin", "-r", "--diff-filter=A", "--no-commit-id", "--", "decisions",
                data=pairs.encode())  # fmt: skip
    requests = [line.split()[3].decode() for line in diff.splitlines() if line.startswith(b":")]
    log = _git(repo, "log", "--first-parent", "-m", "--diff-filter=A", "--name-only", "--format=",
               f"-{newest}", ref, "--", "decisions")  # fmt: skip
    requests += [f"{base}:{path.decode()}" for path in log.split()[:newest]]
    for blob in _batch(repo, requests):
        _events(blob)


def floor_validate(repo: Path) -> None:
    """Every file `cab validate` checks, read and parsed to events."""
    for top in ("evidence", "exceptions", "risk-model", "decisions"):
        for path in sorted((repo / top).rglob("*.yaml")) if (repo / top).is_dir() else []:
            _events(path.read_bytes())


def floor_audit(repo: Path, ref: str = "main") -> None:
    """git's own reads of what the audit reads: the first-parent log with names, every evidence and
    decision blob once, parsed to events."""
    _git(repo, "log", "--first-parent", "--name-status", "--format=%H", ref)
    listing = _git(repo, "ls-tree", "-r", ref, "--", "evidence", "decisions").decode()
    for blob in _batch(repo, [line.split()[2] for line in listing.splitlines()]):
        _events(blob)


FLOORS: dict[str, Callable[[Path], None]] = {
    "status": floor_status,
    "validate": floor_validate,
    "audit": floor_audit,
}


# --- repositories ---------------------------------------------------------------------------------


def prepare(base: Path, decisions: int, pending: int) -> Path:
    """The repository of one size: built once, then reused (`.ready` marks a finished build)."""
    repo = base / str(decisions) / "repo"
    if (repo.parent / ".ready").exists():
        return repo
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_audit import Synth, build
    from benchmarks.bench_status import add_pending

    main = ["git", "-C", str(repo), "rev-parse", "-q", "--verify", "main"]
    built = subprocess.run(main, capture_output=True)
    if not (repo / ".git").exists() or built.returncode != 0:
        repo.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(repo, decisions)
        add_pending(Synth(repo), pending)  # PR branches by fast-import: the signed builder writes main
        print(f"built {decisions} decisions + {pending} pending in {time.perf_counter() - start:.0f}s")
    _git(repo, "commit-graph", "write", "--reachable")
    _git(repo, "reset", "-q", "--hard", "main")  # the work tree `cab validate` reads
    (repo.parent / ".ready").write_text("")
    return repo


# --- running ---------------------------------------------------------------------------------------


def _wall(argv: list[str], expect: int | None = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/task/{current}/children") as children:
                kids = [int(k) for k in children.read().split()]
        except OSError:
            continue
        out += kids
        todo += kids
    return out


def _hwm_kib(pid: int) -> tuple[str, int, int] | None:
    """(name, VmHWM, RssAnon) of a process in KiB: its peak RSS, which counts the pack files and
    their indexes git maps (shared page cache), and its private memory now."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
    except OSError:
        return None
    if "VmHWM" not in fields:
        return None
    return fields["Name"].strip(), int(fields["VmHWM"].split()[0]), int(fields["RssAnon"].split()[0])


def peak_rss(argv: list[str]) -> tuple[float, float]:
    """Peak RSS in MiB of the command's largest process, and of the largest git process below it."""
    launcher = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    git_peak: dict[int, int] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in _descendants(launcher.pid)[1:]:  # [0] is the command itself
                seen = _hwm_kib(pid)
                if seen is not None and seen[0].startswith("git"):
                    git_peak[pid] = max(git_peak.get(pid, 0), seen[1])
                    git_anon[pid] = max(git_anon.get(pid, 0), seen[2])
            stop.wait(_SAMPLE_SECONDS)

    git_anon: dict[int, int] = {}

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = launcher.communicate()
    stop.set()
    sampler.join()
    measured = json.loads(out.strip().splitlines()[-1])
    if measured["code"] != 0:
        raise SystemExit(f"{' '.join(argv)} exited {measured['code']}")
    peak_anon.append(max(git_anon.values(), default=0) / 1024)
    return measured["kib"] / 1024, max(git_peak.values(), default=0) / 1024


peak_anon: list[float] = []  # the largest git process's private memory, per `peak_rss` call


@dataclass
class Case:
    """One command and the parts of its floor, each an argv timed end to end."""

    name: str
    argv: list[str]
    floor: list[list[str]]
    target: float | None  # ratio to the floor, when the issue sets one
    expect: int = 0
    walls: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)
    rss_mib: float = 0.0
    git_mib: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floors)


def cases(repo: Path, decisions: int, jobs: int, installed: Installed) -> list[Case]:
    python = str(installed.python)  # the wheel's virtualenv: cab and every floor start alike
    cab, py = [str(installed.cab)], [python, "-c", "pass"]
    me = [python, str(Path(__file__).resolve()), "--floor"]
    newest, oldest = f"change-{decisions - 1:06d}", "change-000000"

    def record(change_id: str) -> str:
        listing = _git(repo, "ls-tree", "-r", "--name-only", "main", "--", "decisions").decode()
        return next(p for p in listing.splitlines() if p.endswith(f"/{change_id}.yaml"))

    paths = {change_id: record(change_id) for change_id in (newest, oldest)}
    at = ["--repo", str(repo)]
    out = [
        Case("cab --help", [*cab, "--help"], [py], 3.0),
        Case("cab status", [*cab, "status", *at, "--ref", "main"], [[*me, "status", str(repo)]], None),
    ]
    for label, change_id in (("newest", newest), ("oldest", oldest)):
        cat = ["git", "-C", str(repo), "cat-file", "blob", f"main:{paths[change_id]}"]
        out.append(Case(f"cab verify ({label})", [*cab, "verify", change_id, *at], [py, cat], 2.0))
        out.append(Case(f"cab show ({label})", [*cab, "show", change_id, *at], [py, cat], 2.0))
    out.append(Case("cab validate", [*cab, "validate", *at], [[*me, "validate", str(repo)]], 2.0))
    audit = [*cab, "audit", *at, "--ref", "main", "--no-cache", "-o", os.devnull]
    # one process against the one-process floor; the default (`--jobs auto`) would use the cores
    out.append(
        Case("cab audit --no-cache --jobs 1", [*audit, "--jobs", "1"], [[*me, "audit", str(repo)]], 2.0)
    )
    if jobs > 1:
        out.append(Case(f"cab audit --no-cache --jobs {jobs}", [*audit, "--jobs", str(jobs)],
                        [[*me, "audit", str(repo)]], 2.0))  # fmt: skip
    return out


def run_size(repo: Path, decisions: int, rounds: int, jobs: int, installed: Installed) -> list[Case]:
    measured = cases(repo, decisions, jobs, installed)
    for case in measured:  # untimed: warms the page cache and bytecode, and measures memory
        case.rss_mib, case.git_mib = peak_rss(case.argv)
        for part in case.floor:
            _wall(part)
        print(f"  {case.name}: peak RSS {case.rss_mib:.0f} MiB, git {case.git_mib:.0f} MiB", flush=True)
    for n in range(rounds):
        for case in measured if n % 2 == 0 else reversed(measured):
            case.walls.append(_wall(case.argv, case.expect))
            case.floors.append(sum(_wall(part) for part in case.floor))
            took = f"{case.walls[-1]:.3f}s, floor {case.floors[-1]:.3f}s"
            print(f"  round {n + 1}: {case.name} {took}", flush=True)
    return measured


def score_ratio(packs: int, rounds: int) -> tuple[float, float, float]:
    """bench_score's in-process loops: (event floor, validate+score, median ratio)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import bench_score

    return bench_score.measure(packs, rounds)


def report(results: dict[int, list[Case]], score: tuple[float, float, float] | None) -> str:
    sizes = sorted(results)
    small, large = sizes[0], sizes[-1]
    head = ["command"]
    for n in sizes:
        head += [f"{n:,}: time", "floor", "ratio", "RSS / git MiB"]
    head += [f"growth {small:,}→{large:,}", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_name = {n: {c.name: c for c in results[n]} for n in sizes}
    for name in by_name[small]:
        row = [f"`{name}`"]
        for n in sizes:
            c = by_name[n][name]
            row += [
                f"{c.median:.3f} s",
                f"{c.floor_median:.3f} s",
                f"{c.median / c.floor_median:.2f}x",
                f"{c.rss_mib:.0f} / {c.git_mib:.0f}",
            ]
        growth = by_name[large][name].median / by_name[small][name].median
        target = by_name[small][name].target
        goal = f"≤ {target:g}x floor" if target else "≤ 1 s"
        row += [f"{growth:.2f}x", f"{goal}, ≤ {MEMORY_TARGET_MIB} MiB"]
        lines.append("| " + " | ".join(row) + " |")
    if score is not None:
        floor, full, ratio = score
        lines.append(
            f"\nvalidate+score, in-process (bench_score): libyaml events {floor:.3f} s, "
            f"cab {full:.3f} s, ratio {ratio:.2f}x (target ≤ 2x)"
        )
    worst = max(max(c.rss_mib, c.git_mib) for cs in results.values() for c in cs)
    lines.append(f"largest process of any command: {worst:.0f} MiB (target ≤ {MEMORY_TARGET_MIB} MiB)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="decided changes per repository")
    parser.add_argument("--pending", type=int, default=100, help="open PR branches with pending records")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds per size")
    parser.add_argument("--large-rounds", type=int, help="rounds at 50,000 and more (default: --rounds)")
    parser.add_argument("--jobs", type=int, default=2, help="also time `cab audit --jobs J` (1: skip)")
    parser.add_argument("--packs", type=int, default=2000, help="packs for validate+score (0: skip)")
    parser.add_argument("--keep", type=Path, help="build the repositories here (or reuse them)")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--floor", nargs=2, metavar=("KIND", "REPO"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        FLOORS[args.floor[0]](Path(args.floor[1]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="cab-bench-scale-") as scratch:
        base = args.keep or Path(scratch)
        sys.path.insert(0, str(ROOT))
        from benchmarks.installed import install

        installed = install(Path(scratch) / "installed")
        results = {}
        for n in sizes:
            repo = prepare(base, n, args.pending)
            rounds = args.large_rounds if args.large_rounds and n >= 50_000 else args.rounds
            results[n] = run_size(repo, n, rounds, args.jobs, installed)
            print(f"measured {n:,} decisions ({rounds} rounds)", flush=True)
            print(report({n: results[n]}, None), flush=True)  # so that a long run keeps what it has
            if args.json:
                args.json.write_text(json.dumps({str(k): [asdict(c) for c in v] for k, v in results.items()}))
    score = score_ratio(args.packs, max(args.rounds, 3)) if args.packs else None
    print(f"\n{os.cpu_count()} cores, this checkout's wheel, medians of interleaved rounds\n")
    print(report(results, score))
    if args.json:
        payload = {str(n): [asdict(c) for c in cs] for n, cs in results.items()}
        args.json.write_text(json.dumps({"sizes": payload, "score": score}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
