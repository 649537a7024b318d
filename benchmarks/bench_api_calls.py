"""HTTP calls of one PR's full lifecycle per tier: the real engine on GitHubForge against the
schema-checked fake GitHub (`tests/github_fake.FakeGitHub`), counted as `responses` sees them.

Each run is a new forge object, as each Action job is. Every call is attributed to the Forge method
that sent it, and split into the issue's phases:
- open+score+label+comment: the first run on the PR, up to and including the bot comment;
- pending record: the rest of the first run (record commit and status) for medium and high;
- decide+merge: for low, the first run after the comment; for medium and high, the whole run
  triggered by the approving review (it must re-read the PR, policy and reviews: nothing carries
  over between Action jobs).
Run: `python -m benchmarks.bench_api_calls`.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import responses

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.forge.interface import Forge
from bot.services.sync import sync
from tests import github_fake as gf
from tests.both_forges import GitHubCab
from tests.sandbox import HIGH, LOW, MEDIUM, Clock

TARGETS = {"open+score+label+comment": 8, "decide+merge": 6}
# Every method of the Forge protocol, so a call a new method sends is attributed, not lost.
FORGE_METHODS = tuple(
    name for name, value in vars(Forge).items() if callable(value) and not name.startswith("_")
)


@dataclass
class Run:
    """The HTTP calls of one sync, each tagged with the outermost Forge method that sent it."""

    calls: list[tuple[str, str]] = field(default_factory=list)  # (forge method, "VERB path")
    comment_done_at: int | None = None  # number of calls when upsert_comment returned

    def by_method(self) -> Counter[str]:
        return Counter(method for method, _ in self.calls)

    def writes(self) -> int:
        return sum(1 for _, call in self.calls if not call.startswith("GET ") and " query " not in call)


def describe_call(request: Any) -> str:
    """`VERB path`, and for GraphQL the operation: `POST /graphql query CabSnapshot`."""
    call = f"{request.method} {request.path_url.split('?')[0]}"
    if call.endswith("/graphql"):
        found = re.search(r"\b(query|mutation)\s+(\w+)", json.loads(request.body)["query"])
        call += f" {found[1]} {found[2]}" if found else ""
    return call


def counted_sync(cab: GitHubCab, rsps: responses.RequestsMock, number: int) -> tuple[Run, str]:
    forge = cab.forge()  # a new one per run, as each Action job has, with the bot's login and identity
    run = Run()
    active: list[str] = []

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def counting(*args: Any, **kwargs: Any) -> Any:
            active.append(name)
            seen = len(rsps.calls)
            try:
                return method(*args, **kwargs)
            finally:
                active.pop()
                if not active:  # attribute this method's calls, unless an outer method will
                    run.calls += [(name, describe_call(c.request)) for c in list(rsps.calls)[seen:]]
                if name == "upsert_comment" and not active:
                    run.comment_done_at = len(run.calls)

        return counting

    for name in FORGE_METHODS:
        setattr(forge, name, wrap(name, getattr(forge, name)))
    before = len(rsps.calls)
    result = sync(forge, number, now=cab.clock(), identity=cab.identity)
    assert len(rsps.calls) - before == len(run.calls), "a call outside the Forge methods"
    return run, result.status


@dataclass
class Lifecycle:
    tier: str
    runs: list[tuple[str, Run]]  # (what triggered it, its calls)
    phases: dict[str, Run]


def lifecycle(tier: str) -> Lifecycle:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        cab = GitHubCab(gf.FakeGitHub(rsps), Clock())
        if tier == "high":
            cab.approve_exception()  # an active exception: its own PR, not counted here
        number = cab.submit({"low": LOW, "medium": MEDIUM, "high": HIGH}[tier])
        first, status = counted_sync(cab, rsps, number)
        runs = [("PR opened", first)]
        cut = first.comment_done_at or 0
        phases = {"open+score+label+comment": Run(first.calls[:cut])}
        if tier == "low":
            assert status == "merged", status
            phases["decide+merge"] = Run(first.calls[cut:])
        else:
            assert status == "pending", status
            phases["pending record"] = Run(first.calls[cut:])
            cab.review(number, "sec-sam" if tier == "high" else "bob-cab")
            second, status = counted_sync(cab, rsps, number)
            assert status == "merged", status
            runs.append(("approving review", second))
            phases["decide+merge"] = second
        return Lifecycle(tier, runs, phases)


def describe(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def main() -> None:
    print("HTTP calls per PR lifecycle, real engine on GitHubForge (schema-checked fake GitHub)\n")
    for tier in ("low", "medium", "high"):
        found = lifecycle(tier)
        total = sum(len(run.calls) for _, run in found.runs)
        print(f"{tier}: {total} calls in {len(found.runs)} run(s)")
        for phase, run in found.phases.items():
            target = TARGETS.get(phase)
            verdict = f"target <= {target}  ratio {len(run.calls) / target:.2f}" if target else "(no target)"
            print(f"  {phase:<26} {len(run.calls):>3} calls ({run.writes()} writes)  {verdict}")
            print(f"    {describe(run.by_method())}")
        print()


if __name__ == "__main__":
    main()
