"""How much validate+score costs on top of libyaml's event parser, measured in one run.

Generates N realistic evidence packs (default 10,000) in a temporary directory, then times:
  1. the floor: libyaml's event parse of every pack (`CSafeLoader(raw).get_event()` until the
     stream ends), which is all of PyYAML the bot uses: its strict loader builds the document
     from these events itself (`yaml.load` would add PyYAML's Python constructor and resolver,
     work the bot never does, and so make a floor that is no floor);
  2. validate+score: `bot.domain.documents.parse` (strict loader, pydantic, canonical hash) and
     `bot.domain.scoring.score` with the shipped risk model, exactly as `cab score` does.
The two loops are interleaved over several rounds (the order alternating), so the machine's
noise hits both alike; it prints their medians and the median of the rounds' ratios.
Target: ratio <= 2. Both loops read the same bytes from memory, so disk speed does not enter.

    python benchmarks/bench_score.py [--n 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.adapters import risk_model_files as risk_models
from bot.domain import documents
from bot.domain.models import EvidencePack
from bot.domain.scoring import score

TARGET = 2.0
_STREAM_END = yaml.StreamEndEvent

PACK = """\
# yaml-language-server: $schema=../../schemas/evidence-pack.schema.json
apiVersion: cab/v1
kind: EvidencePack
change_id: {change_id}
title: Service {i} release {major}.{minor}.{patch}
requester: dev-{requester}
submitted_at: 2026-11-{day:02d}T{hour:02d}:15:00Z
correlation_id: build-{i}
artifact:
  name: service-{i}
  version: "{major}.{minor}.{patch}"
  sha256: {sha}
  size_bytes: {size}
  publisher: Example Corp
  signature: {{method: cosign, verified: {verified}}}
sbom:
  format: cyclonedx
  component_count: {components}
vulnerability_scan:
  tool: trivy
  counts: {{critical: {critical}, high: {high}, medium: 3, low: 9}}
tests:
  coverage_percent: {coverage}
  passed: {passed}
  failed: {failed}
  lab: {{status: {lab}, devices: 8}}
install:
  command: helm upgrade service-{i} ./chart --version {major}.{minor}.{patch}
  timeout_seconds: 600
uninstall:
  command: helm rollback service-{i}
  timeout_seconds: 300
rollout:
  rings:
    - {{name: ring0, audience: staff, percent: 5, hold_hours: 24}}
    - {{name: ring1, audience: everyone, percent: 100}}
rollback:
  plan: helm rollback to the previous release
  tested: {tested}
scope:
  affected_components: [service-{i}, gateway]
  affected_users: {users}
complexity: {complexity}
"""


def generate(n: int, directory: Path, seed: int = 2026) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        text = PACK.format(
            i=i,
            change_id=f"service-{i}-release",
            major=rng.randint(1, 9),
            minor=rng.randint(0, 20),
            patch=rng.randint(0, 50),
            requester=rng.randint(1, 300),
            day=rng.randint(1, 30),
            hour=rng.randint(0, 23),
            sha=f"{rng.getrandbits(256):064x}".replace("0", "a"),
            size=rng.randint(10**6, 10**9),
            verified=rng.choice(["true", "false"]),
            components=rng.randint(10, 900),
            critical=rng.randint(0, 3),
            high=rng.randint(0, 8),
            coverage=round(rng.uniform(30, 99), 1),
            passed=rng.randint(100, 5000),
            failed=rng.choice([0, 0, 0, 1, 2]),
            lab=rng.choice(["passed", "passed", "partial", "failed"]),
            tested=rng.choice(["true", "false"]),
            users=rng.randint(10, 10**6),
            complexity=rng.choice(["low", "medium", "high"]),
        )
        path = directory / f"service-{i}-release.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def interleaved(
    floor: Callable[[], object], full: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """Medians of the floor and of the full loop, and of their per-round ratios."""
    floors, fulls, ratios = [], [], []
    for n in range(rounds):
        if n % 2:
            b, a = seconds(full), seconds(floor)
        else:
            a, b = seconds(floor), seconds(full)
        floors.append(a)
        fulls.append(b)
        ratios.append(b / a)
    return statistics.median(floors), statistics.median(fulls), statistics.median(ratios)


def measure(n: int, rounds: int) -> tuple[float, float, float]:
    """Medians of the event floor and of validate+score over `n` packs, and of their ratios."""
    floor, full, ratio, _ = _measure(n, rounds)
    return floor, full, ratio


def _measure(n: int, rounds: int) -> tuple[float, float, float, dict[str, int]]:
    model = risk_models.packaged_default()
    with tempfile.TemporaryDirectory(prefix="cab-bench-") as tmp:
        paths = generate(n, Path(tmp))
        blobs = [(str(p), p.read_bytes()) for p in paths]

    def events_only() -> None:
        for _, raw in blobs:  # what bot.domain.strict_yaml asks of libyaml, and nothing more
            loader = yaml.CSafeLoader(raw)
            get_event = loader.get_event
            while type(get_event()) is not _STREAM_END:
                pass
            loader.dispose()

    tiers: dict[str, int] = {}

    def validate_and_score() -> None:
        tiers.clear()
        for source, raw in blobs:
            loaded = documents.parse(raw, source, EvidencePack)
            result = score(loaded.model, model.model, model.sha256)
            tiers[result.tier] = tiers.get(result.tier, 0) + 1

    floor, full, ratio = interleaved(events_only, validate_and_score, rounds)
    return floor, full, ratio, tiers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="number of packs (default 10000)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of both loops (default 7)")
    args = parser.parse_args(argv)

    floor, full, ratio, tiers = _measure(args.n, args.rounds)
    per_pack = 1e3 / args.n
    print(f"packs:                      {args.n} (tiers: {dict(sorted(tiers.items()))})")
    print(f"libyaml events (floor):     {floor:.3f} s  ({floor * per_pack:.3f} ms/pack, median)")
    print(f"validate+score (cab):       {full:.3f} s  ({full * per_pack:.3f} ms/pack, median)")
    print(f"ratio:                      {ratio:.2f}  (median of {args.rounds} rounds; target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
