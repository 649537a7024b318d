"""Benchmark `cab status` on a synthetic repository: N decisions on main, P pending PR branches.

`status` should grow with the open work, not the history: the target is <= 1 s end to end
(process start included) at 100k decided with 100 pending. Prints the median of several runs of
`cab status` (default: pending + the 50 newest decided), `--pending`, `--decided --since REV`,
and `--decided --limit 0` (every decision, which does grow with the history), and the floor,
`python -c pass`. The repository is built with bench_audit's `git fast-import` builder.

    python benchmarks/bench_status.py [--decisions 10000] [--pending 100] [--keep DIR] [--rounds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_audit import BOT, Synth, _Dumper, build  # noqa: E402
from bot.domain.canonical import content_sha256  # noqa: E402


def add_pending(synth: Synth, count: int) -> None:
    """`count` PR branches off main, each with an evidence pack and its pending record."""
    synth.start(fresh=False)
    text, data, risk = synth.templates["medium"]
    for n in range(count):
        change_id = f"open-{n:04d}"
        submitted = dt.datetime(2030, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
        evidence_text = text.replace(data["change_id"], change_id, 1)
        evidence_path = f"evidence/2030-01/{change_id}.yaml"
        record: dict[str, Any] = {
            "apiVersion": "cab/v1",
            "kind": "Decision",
            "change_id": change_id,
            "outcome": "pending",
            "evidence": {"path": evidence_path, "sha256": content_sha256({**data, "change_id": change_id})},
            "risk": dict(risk),
            "rationale": "Risk tier medium.",
        }
        ref = f"refs/heads/cab/{change_id}"
        ev = synth._commit(
            ref, ("erin-dev", "e@example.com"), "Evidence", synth.main, None,
            {evidence_path: evidence_text.encode()},
        )  # fmt: skip
        synth._commit(
            ref, (BOT.name, BOT.email), "cab: pending", ev, None,
            {f"decisions/medium/2030-01/{change_id}.yaml": yaml.dump(record, Dumper=_Dumper).encode()},
        )  # fmt: skip
        del submitted
    synth.finish()


def timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock seconds of a command, and the CPU seconds it used (steadier on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--pending", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the repository here (or reuse it) and keep it")
    parser.add_argument("--all", action="store_true", help="also time `--decided --limit 0` (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = (args.keep or Path(scratch)) / "repo"
        if not repo.exists():
            t0 = time.perf_counter()
            synth = build(repo, args.decisions)
            add_pending(synth, args.pending)
            print(
                f"built {args.decisions} decided + {args.pending} pending in {time.perf_counter() - t0:.1f}s"
            )
        since = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "main~10"], capture_output=True, text=True, check=True
        ).stdout.strip()
        cases: dict[str, list[str]] = {
            "python -c pass (floor)": [],
            "status": [],
            "status --pending": ["--pending"],
            "status --decided --since main~10": ["--decided", "--since", since],
        }
        if args.all:
            cases["status --decided --limit 0"] = ["--decided", "--limit", "0"]
        status = [sys.executable, "-m", "bot", "status", "--repo", str(repo), "--ref", "main"]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.rounds):  # interleaved, so that the machine's noise hits every case alike
            for name, extra in cases.items():
                floor = name.startswith("python")
                times[name].append(timed([sys.executable, "-c", "pass"] if floor else [*status, *extra]))
        floor_s = statistics.median(wall for wall, _ in times["python -c pass (floor)"])
        for name, runs in times.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(
                f"{name}: {wall:.3f}s wall, {cpu:.3f}s cpu (medians of {len(runs)}; "
                f"{wall / floor_s:.1f}x python -c pass)"
            )
        worst = statistics.median(w for w, _ in times["status"])
        print(f"target: status <= 1 s at 100k decided with 100 pending; measured {worst:.3f}s here")
    return 0


if __name__ == "__main__":
    sys.exit(main())
