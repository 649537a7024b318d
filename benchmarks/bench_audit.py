"""Benchmark `cab audit` on a synthetic repository of N decisions in the month-sharded layout.

Prints, from one run: the floor (one `git log --first-parent --name-status` pass plus every
evidence and decision blob read once with `git cat-file --batch` and parsed to libyaml's events,
which is all of PyYAML the bot uses; `yaml.load`'s Python constructor would be no floor), the
full audit time, the incremental re-audit after 10 new decisions, their ratios, and the peak RSS
of the audit process and of its largest git process at N and N/4 (memory should be flat in N).
Targets: full <= 2x floor, incremental <= 5% of full, signatures included. The repository has one
lifecycle-shaped PR per decision (evidence commit, pending-record commit, final-record commit, bot
`--no-ff` merge with trailers), every bot commit signed with an SSH key that the first commit's
`policy/signers.yaml` trusts (`benchmarks/signed_history.py`: fast-import cannot sign).

    python benchmarks/bench_audit.py [--decisions 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.signed_history import ObjectWriter, SshSigner, check_one, pack  # noqa: E402
from bot.adapters.environment import bot_identity  # noqa: E402
from bot.domain import documents  # noqa: E402
from bot.domain.canonical import content_sha256  # noqa: E402
from bot.domain.models import EvidencePack, RiskModel  # noqa: E402
from bot.domain.models.signers import CommitSigner, signers_yaml  # noqa: E402
from bot.domain.rules.trailers import DecisionTrailers, merge_message  # noqa: E402
from bot.domain.scoring import score  # noqa: E402
from bot.services.audit.service import AuditOptions, run  # noqa: E402
from tests.repo_builder import CODEOWNERS, EXAMPLES, TEAMS  # noqa: E402

PER_MONTH = 300
BOT = bot_identity({})


class _Dumper(yaml.CSafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


class Synth:
    """Streams lifecycle-shaped history into `git fast-import`, asking it for commit ids as it goes."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.mark = 0
        self.count = 0
        self.previous: str | None = None
        self.clock = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        model_raw = (ROOT / "risk-model" / "v1.0.yaml").read_bytes()
        self.model_raw = model_raw
        self.model = documents.parse(model_raw, "model", RiskModel)
        self.templates = {}
        for tier, name in (("low", "payments-api-7.4.2.yaml"), ("medium", "identity-gateway-3.0.0.yaml")):
            text = (EXAMPLES / name).read_text()
            loaded = documents.parse(text.encode(), name, EvidencePack)
            risk = score(loaded.model, self.model.model, self.model.sha256)
            assert risk.tier == tier
            self.templates[tier] = (text, loaded.data, risk.model_dump())

    def start(self, fresh: bool) -> None:
        self.proc = subprocess.Popen(
            ["git", "-C", str(self.repo), "fast-import", "--quiet", "--done"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.out: IO[bytes] = self.proc.stdin
        self.inp: IO[bytes] = self.proc.stdout
        if fresh:
            self.main = self._commit(
                "refs/heads/main",
                ("cab-admin", "admin@example.com"),
                "Initial CAB repository",
                None,
                None,
                {".github/CODEOWNERS": CODEOWNERS.encode(), "risk-model/v1.0.yaml": self.model_raw},
            )
        else:
            self.main = "refs/heads/main^0"

    def finish(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        assert self.proc.wait() == 0

    def _tick(self, minutes: int) -> dt.datetime:
        self.clock += dt.timedelta(minutes=minutes)
        return self.clock

    def _commit(
        self,
        ref: str,
        who: tuple[str, str],
        message: str,
        parent: str | None,
        merge: str | None,
        files: dict[str, bytes],
    ) -> str:
        self.mark += 1
        stamp = int(self._tick(1).timestamp())
        body = message.encode()
        lines = [
            f"commit {ref}\nmark :{self.mark}\n".encode(),
            f"author {who[0]} <{who[1]}> {stamp} +0000\n".encode(),
            f"committer {who[0]} <{who[1]}> {stamp} +0000\n".encode(),
            f"data {len(body)}\n".encode() + body + b"\n",
        ]
        if parent:
            lines.append(f"from {parent}\n".encode())
        if merge:
            lines.append(f"merge {merge}\n".encode())
        for path, content in files.items():
            lines.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")
        self.out.write(b"".join(lines) + b"\n")
        return f":{self.mark}"

    def _sha(self, mark: str) -> str:
        self.out.write(f"get-mark {mark}\n".encode())
        self.out.flush()
        return self.inp.readline().decode().strip()

    def decision(self) -> None:
        n = self.count
        self.count += 1
        tier = "medium" if n % 5 == 4 else "low"
        text, data, risk = self.templates[tier]
        month_index = n // PER_MONTH
        month = f"{2024 + month_index // 12}-{month_index % 12 + 1:02d}"
        submitted = dt.datetime(
            2024 + month_index // 12, month_index % 12 + 1, 1, tzinfo=dt.UTC
        ) + dt.timedelta(minutes=n % PER_MONTH)
        change_id = f"change-{n:06d}"
        evidence_text = re.sub(r"(?m)^change_id: .*$", f"change_id: {change_id}", text)
        evidence_text = re.sub(
            r"(?m)^submitted_at: .*$", f"submitted_at: {submitted.isoformat()}", evidence_text
        )
        evidence_data = {**data, "change_id": change_id, "submitted_at": submitted}
        evidence_sha = content_sha256(evidence_data)
        evidence_path = f"evidence/{month}/{change_id}.yaml"
        record_path = f"decisions/{tier}/{month}/{change_id}.yaml"
        record: dict[str, Any] = {
            "apiVersion": "cab/v1",
            "kind": "Decision",
            "change_id": change_id,
            "outcome": "pending",
            "evidence": {"path": evidence_path, "sha256": evidence_sha},
            "risk": dict(risk),
            "rationale": f"Risk tier {tier}.",
        }
        if data.get("correlation_id"):
            record["correlation_id"] = data["correlation_id"]
        pr = "refs/heads/pr"
        ev = self._commit(
            pr, ("erin-dev", "101+erin-dev@users.noreply.github.com"), "Evidence", self.main, None,
            {evidence_path: evidence_text.encode()},
        )  # fmt: skip
        pending = self._commit(
            pr,
            (BOT.name, BOT.email),
            "cab: pending",
            ev,
            None,
            {record_path: yaml.dump(record, Dumper=_Dumper).encode()},
        )
        decided_at = submitted + dt.timedelta(hours=2)
        record.update(outcome="auto_approved" if tier == "low" else "approved", decided_at=decided_at)
        if tier == "medium":
            reviewed = self._sha(pending)
            members = TEAMS["example/cab"][1]
            record["pull_request"] = {
                "number": n + 1,
                "head_sha": reviewed,
                "base_sha": reviewed,
                "author": "erin-dev",
            }
            record["approvals"] = [
                {
                    "login": "carol-cab", "user_id": 201, "team": "example/cab", "team_id": 11,
                    "team_members": list(members), "review_id": n + 1, "reviewed_sha": reviewed,
                    "evidence_sha256": evidence_sha, "approved_at": decided_at - dt.timedelta(minutes=5),
                }
            ]  # fmt: skip
        record["previous"] = self.previous
        record_yaml = yaml.dump(record, Dumper=_Dumper).encode()
        record_sha = content_sha256(record)
        final = self._commit(
            pr, (BOT.name, BOT.email), "cab: final", pending, None, {record_path: record_yaml}
        )
        trailers = DecisionTrailers(
            decision=record["outcome"], change=change_id, tier=tier, risk_score=risk["score"],
            evidence_sha256=evidence_sha, model=f"v{risk['model_version']} sha256:{risk['model_sha256']}",
            record=record_path, record_sha256=record_sha, previous=self.previous or "none",
            approved_by=tuple(f"{a['login']} ({a['user_id']})" for a in record.get("approvals", [])),
            correlation_id=record.get("correlation_id"),
        )  # fmt: skip
        message = merge_message(f"cab: {record['outcome']} {change_id}", record["rationale"], trailers)
        self.main = self._commit(
            "refs/heads/main", (BOT.name, BOT.email), message, self.main, final,
            {evidence_path: evidence_text.encode(), record_path: record_yaml},
        )  # fmt: skip
        self.previous = record_sha


class SignedSynth(Synth):
    """The same history, written object by object so that every bot commit can be signed."""

    def __init__(self, repo: Path) -> None:
        super().__init__(repo)
        self.signer = SshSigner()
        self.writer = ObjectWriter(repo, self.signer, f"{BOT.name} <{BOT.email}>".encode())
        self.signed_one: str | None = None

    def start(self, fresh: bool) -> None:
        if fresh:
            key = CommitSigner(
                name="bench", format="ssh", public_key=self.signer.public_line, principals=[BOT.email]
            )
            self.main = self._commit(
                "refs/heads/main",
                ("cab-admin", "admin@example.com"),
                "Initial CAB repository",
                None,
                None,
                {
                    ".github/CODEOWNERS": CODEOWNERS.encode(),
                    "risk-model/v1.0.yaml": self.model_raw,
                    "policy/signers.yaml": signers_yaml([key]).encode(),
                },
            )

    def finish(self) -> None:
        pack(self.repo, self.main)
        if self.signed_one is None:
            self.signed_one = self.main
            check_one(self.repo, self.main, BOT.email, self.signer.public_line)

    def _commit(
        self,
        ref: str,
        who: tuple[str, str],
        message: str,
        parent: str | None,
        merge: str | None,
        files: dict[str, bytes],
    ) -> str:
        stamp = int(self._tick(1).timestamp())
        parents = [p for p in (parent, merge) if p]
        return self.writer.commit(parents, f"{who[0]} <{who[1]}>", stamp, message.encode(), files)

    def _sha(self, mark: str) -> str:
        return mark


def build(repo: Path, decisions: int) -> Synth:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    synth = SignedSynth(repo)
    synth.start(fresh=True)
    for _ in range(decisions):
        synth.decision()
    synth.finish()
    return synth


def floor(repo: Path) -> float:
    """git log --name-status once, every evidence and decision blob read once, parsed to libyaml events."""
    start = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(repo), "log", "--first-parent", "--name-status", "--format=%H", "HEAD"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "HEAD", "--", "evidence", "decisions"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    oids = "".join(line.split()[2] + "\n" for line in listing.splitlines())
    batch = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"], input=oids.encode(), check=True, capture_output=True
    ).stdout
    position = 0
    while position < len(batch):
        end = batch.index(b"\n", position)
        size = int(batch[position:end].split()[2])
        loader = yaml.CSafeLoader(batch[end + 1 : end + 1 + size])  # libyaml's events: all the bot uses
        while type(loader.get_event()) is not yaml.StreamEndEvent:
            pass
        loader.dispose()
        position = end + 1 + size + 1
    return time.perf_counter() - start


def audit_seconds(repo: Path, use_cache: bool) -> tuple[float, int, int]:
    start = time.perf_counter()
    report = run(AuditOptions(root=repo, bot=BOT, use_cache=use_cache))
    elapsed = time.perf_counter() - start
    return elapsed, len(report.findings), report.checked


_MEASURE = """
import json, resource, sys
from bot.cli import main
argv = ["audit", "--repo", sys.argv[1], "--no-cache", "--jobs", "1", "--format", "json"]
code = main([*argv, "-o", sys.argv[2]])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # the high-water mark of this process's own memory since exec
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "audit_kib": own, "git_kib": children}))
"""


def peak_rss_mib(repo: Path) -> tuple[float, float]:
    """Peak RSS of `cab audit` in a child process, and of the largest git process it ran.

    Measured inside the child: the kernel's ru_maxrss of a spawned process also counts its
    parent's memory at spawn time (vfork, then exec), which here would be this benchmark's.
    """
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(repo), os.devnull],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return measured["audit_kib"] / 1024, measured["git_kib"] / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        repo, small = base / "repo", base / "small"
        t0 = time.perf_counter()
        synth = build(repo, args.decisions)
        built = time.perf_counter() - t0
        commits = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"built {args.decisions} decisions ({commits} commits) in {built:.1f}s")
        floor_s = floor(repo)
        full_s, findings, _ = audit_seconds(repo, use_cache=False)
        assert findings == 0, "the synthetic history must audit clean"
        audit_seconds(repo, use_cache=True)  # prime the cache
        synth.start(fresh=False)
        for _ in range(10):
            synth.decision()
        synth.finish()
        incr_s, findings, checked = audit_seconds(repo, use_cache=True)
        assert findings == 0
        assert checked == 10
        build(small, max(args.decisions // 4, 1))
        (rss_big, git_big), (rss_small, git_small) = peak_rss_mib(repo), peak_rss_mib(small)
        small_n = max(args.decisions // 4, 1)
        print(f"floor (git log --name-status + cat-file --batch + libyaml events): {floor_s:.2f}s")
        print(f"full audit: {full_s:.2f}s, ratio to floor {full_s / floor_s:.2f} (target <= 2)")
        print(
            f"incremental after 10 new decisions: {incr_s:.3f}s, {incr_s / full_s:.2%} of full (target <= 5%)"
        )
        print(
            f"peak RSS of the audit process: {rss_big:.0f} MiB at N={args.decisions}, "
            f"{rss_small:.0f} MiB at N={small_n}, ratio {rss_big / rss_small:.2f} (flat = ~1)"
        )
        print(
            f"peak RSS of its largest git process: {git_big:.0f} MiB at N={args.decisions}, "
            f"{git_small:.0f} MiB at N={small_n}, ratio {git_big / git_small:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
