"""Decisions per minute that one repository sustains when approvals arrive all at once.

On each forge (the local sandbox, and the GitHub forge against the schema-checked fake GitHub),
N medium-risk PRs are opened and synced (waiting), the CAB approves all of them within the same
minute, and one `cab action` run (its own PR, then catching up on the rest, which is what
GitHub's `cab-merge` concurrency group leaves to run) decides them one after the other. Prints
the run's wall time, decisions per minute, the HTTP calls per decision on GitHub, and checks
that every PR merged on one unbroken hash chain and that `cab audit` is clean.

The fake GitHub answers in-process, so the GitHub figure is the bot's own cost: on github.com
each call adds its round trip, so there decisions/minute = 60 / (calls per decision x latency).

    python benchmarks/bench_contention.py [--prs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.both_forges import FORGES, GitHubCab, assert_audits_clean, make_cab  # noqa: E402
from tests.test_contention import assert_one_unbroken_chain, chain_on_main, submit_medium  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=20)
    args = parser.parse_args()
    for kind in FORGES:
        with tempfile.TemporaryDirectory(prefix="cab-bench-contention-") as tmp:
            for cab in make_cab(kind, Path(tmp)):
                numbers = [submit_medium(cab, n) for n in range(args.prs)]
                for number in numbers:
                    cab.review(number, "bob-cab")
                calls_before = len(cab.fake.log) if isinstance(cab, GitHubCab) else 0
                start = time.perf_counter()
                cab.action_run(numbers[0])
                elapsed = time.perf_counter() - start
                merged = sum(cab.pr(n).state == "merged" for n in numbers)
                assert merged == args.prs, f"{merged} of {args.prs} merged"
                assert_one_unbroken_chain(chain_on_main(cab, numbers))
                assert_audits_clean(cab, Path(tmp) / "audit.txt")
                line = f"{kind}: {merged} decisions in {elapsed:.2f}s, {merged / elapsed * 60:.0f} per minute"
                if isinstance(cab, GitHubCab):
                    calls = (len(cab.fake.log) - calls_before) / merged
                    line += f", {calls:.1f} GitHub calls per decision"
                print(line + "; one unbroken chain, audit clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
