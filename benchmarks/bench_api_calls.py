"""HTTP calls per Forge method and per lifecycle step, counted against the schema-checked fake GitHub.

The lifecycle engine decides which forge calls a sync makes; until it is wired in, this script plays
the sequence one PR's sync needs (read PR, files, evidence at head, policy at base, label, comment,
pending record; then reviews, commits, team, previous decision, final record, merge) and counts the
HTTP requests each part sends. Run: `python benchmarks/bench_api_calls.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import responses

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import github_mock as gm

EVIDENCE = "evidence/2026-11/payments-api-7.4.2.yaml"
MODEL = "risk-model/v1.0.yaml"
RECORD = "decisions/medium/2026-11/payments-api-7.4.2.yaml"
MARKER = "<!-- cab-bot:summary -->"
TARGETS = {"open+score+label+comment": 8, "decide+merge": 6}


def main() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = gm.FakeGitHub(rsps)
        main_sha = fake.commit_tree({MODEL: b"kind: RiskModel\n", "CODEOWNERS": b"* @octo-org/cab\n"}, [])
        head = fake.commit_tree({MODEL: b"kind: RiskModel\n", EVIDENCE: b"kind: EvidencePack\n"}, [main_sha])
        fake.refs.update(main=main_sha, **{"cab/payments-api-7.4.2": head})
        fake.open_pr(7, "cab/payments-api-7.4.2", author=gm.user("dev", 101))
        fake.reviews.append(gm.review(1, gm.user("alice", 11), "APPROVED", head))
        fake.teams["cab"] = (42, [gm.user("alice", 11)])

        counts: dict[str, int] = {}

        def step(name: str, run) -> object:
            before = len(rsps.calls)
            result = run()
            counts[name] = len(rsps.calls) - before
            return result

        # run 1: the PR is opened
        forge = gm.make_forge()
        pr = step("pull_request", lambda: forge.pull_request(7))
        step("changed_files", lambda: forge.changed_files(7))
        step("read_file evidence @head (tree+blob)", lambda: forge.read_file(pr.head_sha, EVIDENCE))
        step("read_file model @base (tree+blob)", lambda: forge.read_file(pr.base_sha, MODEL))
        step("set_risk_label", lambda: forge.set_risk_label(7, "risk:medium"))
        step(
            "upsert_comment (new PR: create only)",
            lambda: forge.upsert_comment(7, MARKER, f"score 62 {MARKER}"),
        )
        open_total = sum(counts.values())
        pending = step(
            "commit_files pending record",
            lambda: forge.commit_files(7, pr.head_sha, {RECORD: b"outcome: pending\n"}, "cab: pending"),
        )
        step("set_status", lambda: forge.set_status(str(pending), "pending", "waiting for CAB approval"))

        # run 2: the approval arrives (a new process, a new forge)
        forge = gm.make_forge()
        counts2_start = len(counts)
        pr = step("pull_request (run 2)", lambda: forge.pull_request(7))
        step("set_risk_label (tier changed: remove + add)", lambda: forge.set_risk_label(7, "risk:high"))
        step("reviews", lambda: forge.reviews(7))
        step("read_file CODEOWNERS @base (tree+blob)", lambda: forge.read_file(pr.base_sha, "CODEOWNERS"))
        step("commits", lambda: forge.commits(7))
        step("team (team + members)", lambda: forge.team("octo-org/cab"))
        step("latest_decision_sha256", lambda: forge.latest_decision_sha256(pr.base_sha))
        evaluate_total = sum(list(counts.values())[counts2_start:])
        decide_start = len(counts)
        final = step(
            "commit_files final record",
            lambda: forge.commit_files(7, pr.head_sha, {RECORD: b"outcome: approved\n"}, "cab: approved"),
        )
        step("merge", lambda: forge.merge(7, str(final), "cab: approved", "trailers"))
        decide_total = sum(list(counts.values())[decide_start:])

    width = max(len(name) for name in counts)
    print("HTTP calls per forge call (schema-checked fake GitHub):")
    for name, n in counts.items():
        print(f"  {name:<{width}}  {n}")
    print()
    for name, total in (("open+score+label+comment", open_total), ("decide+merge", decide_total)):
        target = TARGETS[name]
        print(f"{name:<26} {total:>2} calls  target <= {target}  ratio {total / target:.2f}")
    print(f"{'evaluate approvals (reads)':<26} {evaluate_total:>2} calls  (no target)")


if __name__ == "__main__":
    main()
