"""How long `cab` takes to start where people wait, against Python's own start, in one run.

Times, in interleaved rounds (one of each per round, so a noisy moment hits all three alike):
  1. `python -c pass` (the floor: the interpreter and its site);
  2. `cab --help`;
  3. `cab verify <id>` in a small CAB repository made by `cab demo` (the deployment gate);
with `cab` installed as users install it: this checkout's wheel in a virtualenv of its own, whose
interpreter gives the floor (benchmarks/installed.py says why the development virtualenv's
editable install would flatter every ratio),
and prints each median and its ratio to the floor, for wall time and for CPU time (the command's
and its git processes'; on a loaded machine the wall time mostly measures the wait for a core).
Target: both wall ratios <= 3 on an idle machine.

Bytecode: with PYTHONDONTWRITEBYTECODE=1 (set in some environments) every start recompiles
every module and measures the compiler, not the program. By default this benchmark unsets it and
points PYTHONPYCACHEPREFIX at a fresh temporary folder, warmed by one untimed round: what a user
with an installed wheel (compiled on install) sees. `--no-bytecode` measures the other case.

    python benchmarks/bench_startup.py [--rounds 15] [--no-bytecode] [--cab COMMAND]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 3.0
CHANGE = "payments-api-7.4.2"  # approved in `cab demo`'s repository


def _cpu() -> float:
    """CPU seconds (user + system) of every child waited for so far, their own children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], expect: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one run. On a busy machine the wall time mostly measures the queue
    for a core; the CPU time (git's included) is the program's own cost."""
    start, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}, expected {expect}: {done.stderr.decode()}")
    return elapsed, _cpu() - cpu


def environment(cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if cache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-bytecode", action="store_true", help="measure with PYTHONDONTWRITEBYTECODE=1")
    parser.add_argument(
        "--cab",
        metavar="COMMAND",
        help="the cab to measure beside this interpreter's `python -c pass`, e.g. 'python -m bot' "
        "with PYTHONPATH at another checkout (default: this checkout's wheel, installed)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cab-bench-startup-") as tmp:
        root = Path(tmp)
        if args.cab:
            python, cab = Path(sys.executable), args.cab.split()
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from benchmarks.installed import install

            installed = install(root / "installed")
            python, cab = installed.python, [str(installed.cab)]
        cache = None if args.no_bytecode else root / "pycache"
        env = environment(cache)
        demo = root / "demo" / "cab-repo"
        subprocess.run([*cab, "demo", str(demo)], env=env, stdout=subprocess.DEVNULL, check=True)
        cases = {
            "python -c pass": ([str(python), "-c", "pass"], 0),
            "cab --help": ([*cab, "--help"], 0),
            f"cab verify {CHANGE}": ([*cab, "verify", CHANGE, "--repo", str(demo)], 0),
        }
        for argv, expect in cases.values():  # warm the bytecode cache and the file system
            timed(argv, env, expect)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, (argv, expect) in cases.items():
                times[name].append(timed(argv, env, expect))
        shutil.rmtree(demo.parent, ignore_errors=True)
    bytecode = "PYTHONDONTWRITEBYTECODE=1 (recompiled every start)" if args.no_bytecode else "cached .pyc"
    print(f"{args.rounds} interleaved rounds, {bytecode}, {' '.join(cab)}, load {os.getloadavg()[0]:.1f}")
    floor = [statistics.median(s[i] for s in times["python -c pass"]) for i in (0, 1)]
    worst = 0.0
    for name, samples in times.items():
        wall, cpu = (statistics.median(s[i] for s in samples) for i in (0, 1))
        ratio, cpu_ratio = wall / floor[0], cpu / floor[1]
        if name != "python -c pass":
            worst = max(worst, ratio)
        print(
            f"  {name:<30} wall median {wall * 1000:7.1f} ms  ratio {ratio:5.2f}"
            f"   CPU median {cpu * 1000:6.1f} ms  ratio {cpu_ratio:5.2f}"
        )
    verdict = "ok" if worst <= TARGET else "over target"
    print(f"target: every wall ratio <= {TARGET:g}; worst {worst:.2f} ({verdict})")


if __name__ == "__main__":
    main()
