"""`cab demo`: the whole lifecycle, offline, on a sandbox forge in a fresh git repository.

The story uses the shipped examples and a fixed clock (starting 2026-11-20 09:00 UTC) so that it
tells the same story every time it runs, whatever today's date is:

1. a low-risk patch is auto-approved;
2. a medium-risk change is approved by one CAB member, the requester pushes a fix, the approval
   goes stale, and another CAB member approves the new head;
3. a high-risk hotfix is rejected by security (no exception covers its CVEs), security approves
   an exception for the artifact, and the resubmitted change is approved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.adapters.forge.sandbox import SandboxForge
from bot.domain.errors import UsageError
from bot.domain.identity import BotIdentity
from bot.services.queries import Entry, decided
from bot.services.sync import SyncResult, sync

START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
LOW = "evidence/2026-11/payments-api-7.4.2.yaml"
MEDIUM = "evidence/2026-11/identity-gateway-3.0.0.yaml"
HIGH = "evidence/2026-11/edge-proxy-hotfix.yaml"
HIGH_AGAIN = "evidence/2026-11/edge-proxy-hotfix-r2.yaml"
EXCEPTION = "exceptions/2026-11/edge-proxy-nghttp2.yaml"


@dataclass
class _Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=7)
        return self.now


@dataclass
class DemoReport:
    path: Path
    steps: list[str] = field(default_factory=list)
    decisions: list[Entry] = field(default_factory=list)
    log: str = ""


def _data(path: str) -> bytes:
    return resources.files("bot").joinpath("data", path).read_bytes()


def _example(path: str) -> bytes:
    return _data(f"examples/{path}")


def run(directory: Path, identity: BotIdentity, say: Callable[[str], None] = lambda _: None) -> DemoReport:
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{directory} is not empty; cab demo needs a new or empty directory")
    clock = _Clock()
    forge = SandboxForge.create(directory, identity, clock)
    for login in ("alice-eng", "carol-eng", "bob-cab", "dana-cab", "sec-sam"):
        forge.add_user(login)
    forge.add_team("example/cab", ["bob-cab", "dana-cab"])
    forge.add_team("example/security", ["sec-sam"])
    forge.push(
        "main",
        {
            ".github/CODEOWNERS": _data("repo-template/.github/CODEOWNERS"),
            "risk-model/v1.0.yaml": _data("risk-model/v1.0.yaml"),
            **forge.bootstrap_files(),
        },
        author="sec-sam",
        message="Set up the CAB repository",
    )
    report = DemoReport(directory)

    def step(text: str) -> None:
        report.steps.append(text)
        say(text)

    def do_sync(number: int) -> SyncResult:
        result = sync(forge, number, now=clock(), identity=identity)
        where = f" → merged {result.merge_sha[:7]}" if result.merge_sha else ""
        where += "".join(f"; not counted: {reason}" for reason in result.not_counted)
        step(
            f"   sync #{number}: {result.status}"
            f"{f' ({result.tier}, score {result.score})' if result.tier else ''}: {result.summary}{where}"
        )
        return result

    def submit(path: str, author: str, content: bytes | None = None) -> int:
        branch = "change/" + Path(path).stem
        forge.push(
            branch, {path: content or _example(path)}, author=author, message=f"Add {path}", start="main"
        )
        number = forge.open_pr(branch, "main", f"CAB: {Path(path).stem}", author)
        step(f"@{author} opens #{number} with {path}")
        return number

    step("1. A routine patch")
    do_sync(submit(LOW, "alice-eng"))

    step("2. A major release that needs the CAB")
    medium = submit(MEDIUM, "alice-eng")
    do_sync(medium)
    forge.review(medium, "dana-cab", "APPROVED")
    step("@dana-cab approves")
    with_sbom = _example(MEDIUM).replace(
        b"vulnerability_scan:",
        b'sbom:\n  format: cyclonedx\n  spec_version: "1.6"\n  component_count: 340\nvulnerability_scan:',
        1,
    )
    forge.push(
        forge.pull_request(medium).head_ref, {MEDIUM: with_sbom}, author="alice-eng", message="Add the SBOM"
    )
    step("@alice-eng pushes the SBOM she forgot")
    do_sync(medium)
    forge.review(medium, "bob-cab", "APPROVED")
    step("@bob-cab approves the new head")
    do_sync(medium)

    step("3. An emergency hotfix with unpatched critical CVEs")
    high = submit(HIGH, "alice-eng")
    do_sync(high)
    forge.comment(
        high, "sec-sam", "No exception covers the nghttp2 CVEs.\n/cab reject no accepted-risk exception"
    )
    step("@sec-sam comments `/cab reject no accepted-risk exception`")
    do_sync(high)
    exception = submit(EXCEPTION, "carol-eng")
    do_sync(exception)
    forge.review(exception, "sec-sam", "APPROVED")
    step("@sec-sam approves the exception (90-day limit, compensating controls listed)")
    do_sync(exception)
    again = _example(HIGH).replace(b"change_id: edge-proxy-hotfix", b"change_id: edge-proxy-hotfix-r2")
    resubmitted = submit(HIGH_AGAIN, "alice-eng", again)
    do_sync(resubmitted)
    forge.review(resubmitted, "sec-sam", "APPROVED")
    step("@sec-sam approves the resubmitted change")
    do_sync(resubmitted)

    forge.git.run("reset", "--hard", "--quiet")  # show main's files in the work tree
    report.decisions = decided(forge._blobs, "main")
    report.log = forge.git.run(
        "log",
        "--first-parent",
        "--merges",
        "--format=%h %s%n%(trailers:key=Cab-Decision,key=Cab-Change,"
        "key=Cab-Exception-Decision,key=Cab-Tier,key=Cab-Risk-Score,key=Cab-Approved-By,key=Cab-Exception)",
        "main",
    ).text
    return report
