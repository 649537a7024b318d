"""Two checkouts of cab on one repository, against the same floors, in the same interleaved rounds.

For a before/after claim on a shared machine: the noise of a loaded moment hits the old code, the
new code and the floors alike, because every round runs each of them once (in alternating order).
`--baseline DIR` is a checkout of the earlier commit (e.g. `git worktree add --detach DIR SHA`);
its cab runs as the console script does (`from bot.cli import run; run()`) with `PYTHONPATH=DIR`,
the current one likewise with this checkout, so both start the same way. The repository is
bench_scale's (`--keep`, reused when built). Reported per command: median wall and CPU time (user
+ system of the process and its git children, steadier than wall time on a busy machine), and
each one's ratio to its floor:

- `cab verify ID`, `cab show ID` (newest and oldest change): `python -c pass` + one `git cat-file`;
- `cab audit --no-cache --jobs 1`: bench_scale's audit floor (git's reads of the same objects,
  libyaml events).

Bytecode is cached (PYTHONDONTWRITEBYTECODE unset, PYTHONPYCACHEPREFIX at a fresh folder, warmed by
one untimed round), as for an installed wheel; see docs/performance.md.

    python benchmarks/bench_compare.py --baseline DIR [--size 10000] [--keep DIR] [--rounds 7]
        [--audit-rounds 3] [--no-audit]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import _git, prepare  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run, which must exit 0. `cwd` holds no `bot` package: `python -c`
    puts the working directory before PYTHONPATH."""
    start, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    took = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return took


def environment(checkout: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(checkout), PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the earlier commit")
    parser.add_argument("--size", type=int, default=10_000, help="decided changes in the repository")
    parser.add_argument("--pending", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="bench_scale's folder of repositories (built if absent)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the start-up commands")
    parser.add_argument("--audit-rounds", type=int, default=3, help="rounds of the full audit")
    parser.add_argument("--no-audit", action="store_true", help="time only the start-up commands")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cab-bench-compare-") as scratch:
        repo = prepare(args.keep or Path(scratch), args.size, args.pending)
        cache = Path(scratch) / "pycache"
        checkouts = {"before": args.baseline.resolve(), "after": ROOT}
        envs = {name: environment(path, cache) for name, path in checkouts.items()}
        floor_env = environment(ROOT, cache)
        listing = _git(repo, "ls-tree", "-r", "--name-only", "main", "--", "decisions").decode().split()
        newest, oldest = f"change-{args.size - 1:06d}", "change-000000"
        path = {c: next(p for p in listing if p.endswith(f"/{c}.yaml")) for c in (newest, oldest)}
        # What the `cab` console script runs, from the checkout PYTHONPATH names.
        cab, at = [sys.executable, "-c", "from bot.cli import run; run()"], ["--repo", str(repo)]
        start_up = {
            f"cab {verb} ({label})": [*cab, verb, change, *at]
            for label, change in (("newest", newest), ("oldest", oldest))
            for verb in ("verify", "show")
        }
        floors = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "git cat-file": ["git", "-C", str(repo), "cat-file", "blob", f"main:{path[newest]}"],
        }
        groups = [(start_up, floors, args.rounds)]
        if not args.no_audit:
            audit = [*cab, "audit", *at, "--ref", "main", "--no-cache", "--jobs", "1", "-o", os.devnull]
            floor = [
                sys.executable,
                str(ROOT / "benchmarks" / "bench_scale.py"),
                "--floor",
                "audit",
                str(repo),
            ]
            groups.append(
                ({"cab audit --no-cache --jobs 1": audit}, {"audit floor": floor}, args.audit_rounds)
            )
        samples = measure(groups, envs, floor_env, Path(scratch))
    print(f"\n{args.size:,} decisions; medians; load average now {os.getloadavg()}; {os.cpu_count()} cores")
    print(report(groups, samples))
    return 0


Group = tuple[dict[str, list[str]], dict[str, list[str]], int]  # commands, floor parts, rounds


def measure(
    groups: list[Group], envs: dict[str, dict[str, str]], floor_env: dict[str, str], cwd: Path
) -> dict[str, list[tuple[float, float]]]:
    samples: dict[str, list[tuple[float, float]]] = {}
    for commands, floor_parts, rounds in groups:
        runs = [(f"{name} {side}", argv, envs[side]) for name, argv in commands.items() for side in envs]
        runs += [(name, argv, floor_env) for name, argv in floor_parts.items()]
        for _label, argv, env in runs:  # untimed: bytecode, page cache
            timed(argv, env, cwd)
        for n in range(rounds):
            for label, argv, env in runs if n % 2 == 0 else reversed(runs):
                samples.setdefault(label, []).append(timed(argv, env, cwd))
            print(f"  round {n + 1}/{rounds} done, load {os.getloadavg()[0]:.1f}", flush=True)
    return samples


def report(groups: list[Group], samples: dict[str, list[tuple[float, float]]]) -> str:
    median = {k: [statistics.median(s[i] for s in v) for i in (0, 1)] for k, v in samples.items()}

    def pair(values: list[float]) -> str:
        return f"{values[0]:.3f} / {values[1]:.3f} s"

    def ratio(values: list[float], floor: list[float]) -> str:
        return f"{values[0] / floor[0]:.2f}x / {values[1] / floor[1]:.2f}x"

    lines = [
        "| command | before: wall / CPU | after: wall / CPU | floor: wall / CPU "
        "| ratio before: wall / CPU | ratio after: wall / CPU |",
        "|---|---|---|---|---|---|",
    ]
    for commands, floor_parts, _rounds in groups:
        floor = [sum(median[f][i] for f in floor_parts) for i in (0, 1)]
        for name in commands:
            before, after = median[f"{name} before"], median[f"{name} after"]
            cells = [pair(before), pair(after), pair(floor), ratio(before, floor), ratio(after, floor)]
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines += [f"floor part `{f}`: {pair(median[f])}" for _c, parts, _r in groups for f in parts]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
