"""`cab demo`: the whole lifecycle, offline, on a sandbox forge in a fresh git repository.

The story uses the shipped examples and a fixed clock (starting 2026-11-20 09:00 UTC) so that it
tells the same story every time it runs, whatever today's date is:

The sandbox scores with risk model v1.1 (seeded into the bootstrap commit, so it counts as approved),
and its `policy/signers.yaml` trusts both its own commit key and the release workflow that signed
the attested example's artifact:

1. an attested change (scan, JUnit, coverage and a real Sigstore bundle attached, as `cab collect`
   writes them) scores low and is auto-approved;
2. a routine patch whose numbers are only typed in lands in medium by the model's floor: one CAB
   member approves, the requester pushes a fix, the approval goes stale, and another CAB member
   approves the new head;
3. a high-risk hotfix is rejected by security (no exception covers its CVEs), security approves
   an exception naming the change (its unsigned artifact's digest proves nothing), and the
   resubmitted change is approved;
4. the CAB adopts a freeze calendar (`policy/freeze.yaml`, a policy change: CAB and security
   approve), and a payments patch approved during its month-end window waits "frozen until" the
   window's end; the first scheduled run after it merges the change;
5. the CAB and security approve the change types in one policy change: a standard-change
   template for payments patches and the on-call list for emergencies;
6. the next payments patch names the template and is merged as `standard` without review;
7. a login outage: an emergency fix (high risk, no exception) merges with one on-call approval, the
   bot opens the retro-review issue, and another CAB member retro-approves it afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.domain.agenda import markdown as agenda_markdown
from bot.domain.errors import UsageError
from bot.domain.identity import BotIdentity
from bot.domain.metrics import text as metrics_text
from bot.services import agenda, metrics
from bot.services import sandbox_session as session
from bot.services.catch_up import catch_up
from bot.services.queries import Entry, decided
from bot.services.sync import sync

START = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
MODEL = "risk-model/v1.1.yaml"
SIGNERS = "policy/signers.yaml"
ATTESTED = "evidence/2026-11/rfc8785-0.1.2.yaml"
ATTACHMENTS = "evidence/2026-11/rfc8785-0.1.2"
DECLARED = "evidence/2026-11/payments-api-7.4.2.yaml"
HIGH = "evidence/2026-11/edge-proxy-hotfix.yaml"
HIGH_AGAIN = "evidence/2026-11/edge-proxy-hotfix-r2.yaml"
EXCEPTION = "exceptions/2026-11/edge-proxy-nghttp2.yaml"
TEMPLATE = "policy/standard-changes/payments-patch.yaml"
EMERGENCY_POLICY = "policy/emergency.yaml"
STANDARD = "evidence/2026-11/payments-api-7.4.4.yaml"
IDENTITY = "evidence/2026-11/identity-gateway-3.0.0.yaml"
EMERGENCY = "evidence/2026-11/identity-gateway-3.0.1.yaml"
INCIDENT = (
    b"emergency:\n  incident: INC-2026-1124\n"
    b"  justification: Logins fail for every customer since the 3.0.0 certificate rotation.\n"
)
FREEZE = "policy/freeze.yaml"
FROZEN = "evidence/2026-11/payments-api-7.4.3.yaml"
# Inside, then just after, the calendar's `payments-month-end` window (08:00-20:00 Berlin time).
IN_FREEZE = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
AFTER_FREEZE = dt.datetime(2026, 11, 30, 19, 10, tzinfo=dt.UTC)


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
    agenda: str = ""  # `cab agenda` at the story's end, Markdown
    metrics: str = ""  # `cab metrics` at the story's end, text


def _example(path: str) -> bytes:
    return resources.files("bot").joinpath("data", "examples", path).read_bytes()


def _attested() -> dict[str, bytes]:
    """The attested pack and its attachments, where `cab collect` writes them."""
    folder = resources.files("bot").joinpath("data", "examples", ATTACHMENTS)
    files = {f"{ATTACHMENTS}/{item.name}": item.read_bytes() for item in folder.iterdir() if item.is_file()}
    return {ATTESTED: _example(ATTESTED), **dict(sorted(files.items()))}


def seed() -> dict[str, bytes]:
    """The shipped seed, scoring with v1.1 and trusting the attested example's release workflow."""
    data = resources.files("bot").joinpath("data")
    return {
        **session.shipped_seed(),
        MODEL: data.joinpath(MODEL).read_bytes(),
        SIGNERS: _example(SIGNERS),
    }


def run(directory: Path, identity: BotIdentity, say: Callable[[str], None] = lambda _: None) -> DemoReport:
    """The story as a script of `cab sandbox` steps (bot.services.sandbox_session), on a fixed clock."""
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{directory} is not empty; cab demo needs a new or empty directory")
    clock = _Clock()
    forge = session.create(
        directory,
        identity,
        clock,
        teams=session.DEFAULT_TEAMS,
        users=("alice-eng", "carol-eng"),
        seed=seed(),
        founder="sec-sam",
    )
    report = DemoReport(directory)

    def step(text: str) -> None:
        report.steps.append(text)
        say(text)

    def do_sync(number: int) -> None:
        step("   " + session.run_bot(forge, number, clock(), identity).line())

    def submit(path: str, author: str, content: bytes | None = None) -> int:
        number = session.submit(forge, path, content or _example(path), author)
        step(f"@{author} opens #{number} with {path}")
        return number

    step("1. An attested release: scan, tests and a verified Sigstore signature attached")
    attested = session.submit_files(forge, ATTESTED, _attested(), "alice-eng")
    step(f"@alice-eng opens #{attested} with {ATTESTED} and its attachments in {ATTACHMENTS}/")
    do_sync(attested)

    step("2. A routine patch whose numbers are only typed in: medium under v1.1, so the CAB decides")
    medium = submit(DECLARED, "alice-eng")
    do_sync(medium)
    session.review(forge, medium, "dana-cab", "approve")
    step("@dana-cab approves")
    fixed = _example(DECLARED).replace(
        b"description: Fixes rounding in currency conversion;",
        b"description: Fixes rounding in currency conversion and its changelog;",
        1,
    )
    session.push(forge, medium, {DECLARED: fixed}, "alice-eng")
    step("@alice-eng pushes a corrected description")
    do_sync(medium)
    session.review(forge, medium, "bob-cab", "approve")
    step("@bob-cab approves the new head")
    do_sync(medium)

    step("3. An emergency hotfix with unpatched critical CVEs")
    high = submit(HIGH, "alice-eng")
    do_sync(high)
    session.comment(
        forge,
        high,
        "sec-sam",
        "No exception covers the nghttp2 CVEs.\n/cab reject no accepted-risk exception",
    )
    step("@sec-sam comments `/cab reject no accepted-risk exception`")
    do_sync(high)
    exception = submit(EXCEPTION, "carol-eng")
    do_sync(exception)
    session.review(forge, exception, "sec-sam", "approve")
    step("@sec-sam approves the exception (90-day limit, compensating controls listed)")
    do_sync(exception)
    again = _example(HIGH).replace(b"change_id: edge-proxy-hotfix", b"change_id: edge-proxy-hotfix-r2")
    resubmitted = submit(HIGH_AGAIN, "alice-eng", again)
    do_sync(resubmitted)
    session.review(forge, resubmitted, "sec-sam", "approve")
    step("@sec-sam approves the resubmitted change")
    do_sync(resubmitted)

    step("4. A freeze calendar, and a payments patch approved during its month-end window")
    calendar = submit(FREEZE, "carol-eng")
    do_sync(calendar)
    session.review(forge, calendar, "bob-cab", "approve")
    session.review(forge, calendar, "sec-sam", "approve")
    step("@bob-cab (CAB) and @sec-sam (security) approve the policy change")
    do_sync(calendar)
    clock.now = IN_FREEZE
    frozen = submit(FROZEN, "alice-eng", _example(DECLARED).replace(b"7.4.2", b"7.4.3"))
    do_sync(frozen)
    session.review(forge, frozen, "bob-cab", "approve")
    step("@bob-cab approves")
    do_sync(frozen)
    clock.now = AFTER_FREEZE
    step("The window ends; the hourly scheduled run re-syncs the open pull requests")
    for caught in catch_up(forge, sync, done=[], now=clock(), identity=identity):
        said = session.BotAnswer(caught.result, "").line() if caught.result else f"failed: {caught.error}"
        step("   " + said)

    step("5. The change types, approved once: a standard-change template and the on-call list")
    types = {TEMPLATE: _example(TEMPLATE), EMERGENCY_POLICY: _example(EMERGENCY_POLICY)}
    template = session.submit_files(forge, TEMPLATE, types, "alice-eng")
    step(f"@alice-eng opens #{template} with {TEMPLATE} and {EMERGENCY_POLICY}")
    do_sync(template)
    session.review(forge, template, "dana-cab", "approve")
    session.review(forge, template, "sec-sam", "approve")
    step("@dana-cab (CAB) and @sec-sam (security) approve them, as every policy change needs")
    do_sync(template)

    step("6. A standard change: the next payments patch names the template")
    patch = (
        _example(DECLARED)
        .replace(b"change_id: payments-api-7.4.2", b"change_id: payments-api-7.4.4")
        .replace(b'version: "7.4.2"', b'version: "7.4.4"')
        + b"standard_change: payments-patch\n"
    )
    standard = submit(STANDARD, "alice-eng", patch)
    do_sync(standard)

    step("7. An emergency: logins fail; the fix cannot wait for the CAB")
    fix = (
        _example(IDENTITY)
        .replace(b"change_id: identity-gateway-3.0.0", b"change_id: identity-gateway-3.0.1")
        .replace(b'version: "3.0.0"', b'version: "3.0.1"')
        + INCIDENT
    )
    urgent = submit(EMERGENCY, "alice-eng", fix)
    do_sync(urgent)
    session.review(forge, urgent, "bob-cab", "approve")
    step("@bob-cab (on call) approves")
    do_sync(urgent)
    [issue] = [i for i in forge.issues() if "retro-review" in i["title"]]
    step(f"the bot opened issue #{issue['number']}: {issue['title']}")
    session.comment(forge, urgent, "dana-cab", "Reviewed with the incident report.\n/cab retro-approve")
    step("@dana-cab (CAB) comments `/cab retro-approve` on the merged pull request")
    do_sync(urgent)

    forge.git.run("reset", "--hard", "--quiet")  # show main's files in the work tree
    report.decisions = decided(forge._blobs, "main")
    report.agenda = agenda_markdown(agenda.build(forge._blobs, "main", clock.now))
    report.metrics = metrics_text(metrics.run(directory, identity, clock.now, "main"))
    report.log = forge.git.run(
        "log",
        "--first-parent",
        "--merges",
        "--format=%h %s%n%(trailers:key=Cab-Decision,key=Cab-Change,"
        "key=Cab-Exception-Decision,key=Cab-Tier,key=Cab-Risk-Score,key=Cab-Approved-By,key=Cab-Exception)",
        "main",
    ).text
    return report
