"""Hypothesis strategies for CAB histories, and the driver that acts one out on a `Cab`.

A `History` is plain data: changes (an evidence pack each, with the tier the v1.0 model gives it),
accepted-risk exceptions aimed at those changes, and one interleaving of everyone's steps
(submitting, reviewing, pushing, commenting, syncing, approving exceptions, time passing). Several
pull requests are open at once and are decided in whichever order the interleaving says.
`drive(cab, history)` performs it through the engine on any forge and reports what was merged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import strategies as st

from bot.domain import documents
from bot.domain.models import EvidencePack, RiskModel
from bot.domain.models.decision import APPROVING_OUTCOMES
from bot.domain.scoring import score
from bot.services.sync import SyncResult
from tests.builders import REMOVE, dump_yaml, evidence_pack
from tests.exception_builders import exception_data
from tests.sandbox import DATA

MONTH = "2026-11"
SUBMITTED = dt.datetime(2026, 11, 19, 9, 0, tzinfo=dt.UTC)
REQUESTED = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC)
CVE_POOL = tuple(f"CVE-2026-{n}" for n in range(4100, 4116))
REVIEWERS = ("bob-cab", "carol-cab", "sec-sam", "mallory", "dependabot[bot]", "alice-eng")
_MODEL = documents.parse((DATA / "risk-model/v1.0.yaml").read_bytes(), "risk-model/v1.0.yaml", RiskModel)

Tier = Literal["low", "medium", "high"]


# --- the data a history is made of ------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    change_id: str
    pack: dict[str, Any]
    tier: str  # what risk model v1.0 gives the pack

    @property
    def path(self) -> str:
        return f"evidence/{MONTH}/{self.change_id}.yaml"

    @property
    def serious(self) -> tuple[str, ...]:
        scan = self.pack.get("vulnerability_scan") or {"findings": []}
        return tuple(f["id"] for f in scan["findings"] if f["severity"] in ("critical", "high"))

    def content(self, revision: int = 0) -> bytes:
        pack = dict(self.pack)
        if revision:
            pack["description"] = f"Revision {revision} of the change."
        return dump_yaml(pack).encode()


@dataclass(frozen=True)
class ExceptionSpec:
    exception_id: str
    scope: dict[str, list[str]]
    lifetime: dt.timedelta  # expires_at = the moment it is submitted + lifetime (may be negative)
    verdict: Literal["approve", "reject", "non_owner", "none"]
    aimed_at: str  # the change id it was written for, and how: for reading failures
    how: str

    @property
    def path(self) -> str:
        return f"exceptions/{MONTH}/{self.exception_id}.yaml"

    def content(self, now: dt.datetime) -> bytes:
        data = exception_data(
            id=self.exception_id,
            title=f"Accept risk for {self.aimed_at} ({self.how})",
            scope=self.scope,
            requested_at=REQUESTED,
            expires_at=now + self.lifetime,
        )
        return dump_yaml(data).encode()


@dataclass(frozen=True)
class Submit:
    author: str


@dataclass(frozen=True)
class Sync:
    pass


@dataclass(frozen=True)
class Review:
    login: str
    state: Literal["APPROVED", "CHANGES_REQUESTED"]
    on_first_commit: bool  # on the commit first submitted (stale after a human push)


@dataclass(frozen=True)
class Push:
    author: str
    evidence: bool  # rewrite the evidence (its description) rather than add a notes file


@dataclass(frozen=True)
class Comment:
    login: str
    body: str


@dataclass(frozen=True)
class Advance:
    delta: dt.timedelta


Step = Submit | Sync | Review | Push | Comment


@dataclass(frozen=True)
class History:
    changes: tuple[Change, ...]
    exceptions: tuple[ExceptionSpec, ...]
    # ("change", index, step) | ("exception", index, None) | ("clock", -1, Advance)
    steps: tuple[tuple[str, int, Step | Advance | None], ...]

    def tiers(self) -> set[str]:
        return {c.tier for c in self.changes}


# --- evidence packs -------------------------------------------------------------------------

# Each factor's choices, from least to most risky; a pack draws every factor near its target tier.
_COVERAGE = (95.0, 80.0, 65.0, 40.0, None)
_FAILED = (0, 0, 1, 5)
_PILOT = ("passed", "passed", "not_run", "partial", "failed")
_ROLLBACK = ("tested", "tested", "untested", None)
_COMPONENTS = (1, 1, 3, 8, 12)
_USERS = (50, 80, 500, 5000, 50000)
_COMPLEXITY = ("low", "low", "medium", "high")
_SIGNATURE = ("verified", "verified", "unverified", None)
_SBOM = (True, True, False)
_VIOLATIONS = (0, 0, 1)
_SECTIONS = ("install", "uninstall", "detection", "rollout")


def _pick(draw: st.DrawFn, options: tuple[Any, ...], tier: str) -> Any:
    """Low packs draw from the safer half, medium ones from the middle, high ones mostly the worst."""
    last = len(options) - 1
    if tier == "high":
        return options[last if draw(st.integers(0, 4)) else last - 1]
    first, stop = (0, last // 2) if tier == "low" else ((last + 1) // 2, last)
    return options[draw(st.integers(first, stop))]


@st.composite
def findings(draw: st.DrawFn, tier: str) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Listed findings (ids from a small shared pool) and counts that may exceed what is listed."""
    fewest, most = {"low": (0, 2), "medium": (0, 5), "high": (3, 10)}[tier]
    ids = draw(st.lists(st.sampled_from(CVE_POOL), min_size=fewest, max_size=most, unique=True))
    severities = ("critical", "high", "medium", "low")
    weights = {
        "low": severities[2:],
        "medium": severities,
        "high": ("critical", "critical", "high", "medium"),
    }
    listed = [{"id": i, "severity": draw(st.sampled_from(weights[tier])), "package": "libfoo"} for i in ids]
    counts = {s: sum(1 for f in listed if f["severity"] == s) for s in severities}
    if draw(st.integers(0, 5)) == 0:  # a truncated scan: counts more critical findings than it lists
        counts["critical"] += draw(st.integers(1, 2))
    if tier == "high" and draw(st.booleans()):
        counts["medium"] += draw(st.integers(0, 9))
    return listed, counts


@st.composite
def packs(draw: st.DrawFn, change_id: str, artifact_sha256: str) -> Change:
    """A valid evidence pack for `change_id` whose risk-moving fields are drawn around a tier."""
    target = draw(st.sampled_from(("low", "medium", "high")))
    listed, counts = draw(findings(target))
    coverage = _pick(draw, _COVERAGE, target)
    pilot = _pick(draw, _PILOT, target)
    rollback = _pick(draw, _ROLLBACK, target)
    signature = _pick(draw, _SIGNATURE, target)
    edits: dict[str, Any] = {
        "change_id": change_id,
        "title": f"Release of {change_id}",
        "requester": draw(st.sampled_from(("alice-eng", "alice-eng", "carol-cab"))),
        "submitted_at": SUBMITTED,
        "correlation_id": f"build-{change_id}",
        "artifact.name": change_id,
        "artifact.sha256": artifact_sha256,
        "vulnerability_scan.counts": counts,
        "vulnerability_scan.findings": listed,
        "tests.coverage_percent": REMOVE if coverage is None else coverage,
        "tests.failed": _pick(draw, _FAILED, target),
        "tests.lab.status": pilot,
        "tests.ring0": REMOVE,
        "rollback": REMOVE if rollback is None else {"plan": "roll back", "tested": rollback == "tested"},
        "scope.affected_components": [f"part-{n}" for n in range(_pick(draw, _COMPONENTS, target))],
        "scope.affected_users": _pick(draw, _USERS, target),
        "complexity": _pick(draw, _COMPLEXITY, target),
        "artifact.signature": REMOVE
        if signature is None
        else {"method": "cosign", "verified": signature == "verified", "signer": "release@example.com"},
        "policy.violations": [{"rule": "unsigned"}] * _pick(draw, _VIOLATIONS, target),
    }
    if not _pick(draw, _SBOM, target):
        edits["sbom"] = REMOVE
    for section in _SECTIONS:
        if _pick(draw, (False, False, True), target):
            edits[section] = REMOVE
    pack = evidence_pack(edits)
    model = EvidencePack.model_validate(pack)
    tier = score(model, _MODEL.model, _MODEL.sha256).tier
    return Change(change_id, pack, tier)


def high_change(change_id: str, listed: list[tuple[str, str]]) -> Change:
    """A pack at the worst of every other factor (so high tier) whose scan lists `listed` exactly."""
    findings = [{"id": i, "severity": severity, "package": "libfoo"} for i, severity in listed]
    counts = {s: sum(1 for _, sev in listed if sev == s) for s in ("critical", "high", "medium", "low")}
    pack = evidence_pack(
        {
            "change_id": change_id,
            "submitted_at": SUBMITTED,
            "artifact.sha256": hashlib.sha256(change_id.encode()).hexdigest(),
            "vulnerability_scan.counts": counts,
            "vulnerability_scan.findings": findings,
            "tests.coverage_percent": 40.0,
            "tests.failed": 5,
            "tests.lab.status": "failed",
            "rollback": REMOVE,
            "scope.affected_users": 50000,
            "scope.affected_components": [f"part-{n}" for n in range(12)],
            "complexity": "high",
            "artifact.signature": REMOVE,
            "sbom": REMOVE,
        }
    )
    tier = score(EvidencePack.model_validate(pack), _MODEL.model, _MODEL.sha256).tier
    return Change(change_id, pack, tier)


# --- exceptions -------------------------------------------------------------------------------

SCOPES = ("change_id", "artifact", "vulns_all", "vulns_split", "vulns_partial", "vulns_other")
LIFETIMES = {
    "long": dt.timedelta(days=30),
    "short": dt.timedelta(hours=3),  # expires after a two-day Advance
    "past": dt.timedelta(hours=-1),  # expired before it is even reviewed: the engine refuses it
}


@st.composite
def exceptions_for(draw: st.DrawFn, change: Change, first_id: int) -> list[ExceptionSpec]:
    """One exception aimed at `change` (two for a split scope), with a lifetime and a verdict."""
    how = draw(st.sampled_from(SCOPES))
    serious = list(change.serious)
    if how.startswith("vulns_") and how != "vulns_other" and not serious:
        how = "vulns_other"
    scopes: list[dict[str, list[str]]]
    if how == "change_id":
        scopes = [{"change_ids": [change.change_id]}]
    elif how == "artifact":
        scopes = [{"artifact_sha256s": [change.pack["artifact"]["sha256"]]}]
    elif how == "vulns_all":
        extra = draw(st.lists(st.sampled_from(CVE_POOL), max_size=2, unique=True))
        scopes = [{"vulnerability_ids": sorted(set(serious) | set(extra))}]
    elif how == "vulns_split" and len(serious) >= 2:
        cut = draw(st.integers(1, len(serious) - 1))
        scopes = [{"vulnerability_ids": serious[:cut]}, {"vulnerability_ids": serious[cut:]}]
    elif how in ("vulns_split", "vulns_partial"):
        how = "vulns_partial"
        scopes = [{"vulnerability_ids": serious[:-1] or [CVE_POOL[0]]}]
    else:
        others = [c for c in CVE_POOL if c not in serious] or [CVE_POOL[0]]
        scopes = [
            {
                "vulnerability_ids": draw(
                    st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True)
                )
            }
        ]
    lifetime = LIFETIMES[draw(st.sampled_from(("long", "long", "long", "short", "past")))]
    verdicts = st.sampled_from(("approve", "approve", "approve", "approve", "reject", "non_owner", "none"))
    return [
        ExceptionSpec(f"exc-{first_id + n}", scope, lifetime, draw(verdicts), change.change_id, how)
        for n, scope in enumerate(scopes)
    ]


# --- each change's script -----------------------------------------------------------------------

COMMENTS = (
    "/cab reject rollback was never rehearsed",
    "/cab conditions deploy outside business hours",
    "/cab conditions keep the old version warm",
    "looks fine to me",
)


def steps() -> st.SearchStrategy[Step]:
    return st.one_of(
        st.just(Sync()),
        st.builds(
            Review,
            st.sampled_from(REVIEWERS),
            st.sampled_from(("APPROVED", "APPROVED", "APPROVED", "CHANGES_REQUESTED")),
            st.booleans(),
        ),
        st.builds(Push, st.sampled_from(("alice-eng", "carol-cab")), st.booleans()),
        st.builds(
            Comment,
            st.sampled_from(("bob-cab", "carol-cab", "sec-sam", "mallory")),
            st.sampled_from(COMMENTS),
        ),
    )


@st.composite
def scripts(draw: st.DrawFn, change: Change) -> list[Step]:
    """Submit, sync, then a few human actions each followed by a sync more often than not."""
    author = draw(st.sampled_from(("alice-eng", "alice-eng", "bob-cab")))
    script: list[Step] = [Submit(author), Sync()]
    owners = {"low": "bob-cab", "medium": "bob-cab", "high": "sec-sam"}
    likely = Review(owners[change.tier] if author != owners[change.tier] else "carol-cab", "APPROVED", False)
    for step in draw(st.lists(st.one_of(steps(), st.just(likely)), max_size=3)):
        script.append(step)
        if not isinstance(step, Sync) and draw(st.booleans()):
            script.append(Sync())
    ending = draw(st.sampled_from(("approve", "approve", "reject", "conditions", "none")))
    if ending == "reject":  # most changes end with the owner's verdict
        script += [Comment(likely.login, COMMENTS[0]), Sync()]
    elif ending == "conditions":
        script += [Comment(likely.login, COMMENTS[1]), likely, Sync()]
    elif ending == "approve":
        script += [likely, Sync()]
    return script


@st.composite
def histories(draw: st.DrawFn, max_changes: int = 3) -> History:
    """A history: up to `max_changes` changes, exceptions aimed at them, one interleaving of it all."""
    count = draw(st.integers(1, max_changes))
    changes: list[Change] = []
    for n in range(count):
        shared = n > 0 and draw(st.integers(0, 4)) == 0  # rebuilt from the same artifact as the last
        sha = (
            changes[-1].pack["artifact"]["sha256"]
            if shared
            else hashlib.sha256(f"art-{n}".encode()).hexdigest()
        )
        changes.append(draw(packs(f"svc-{n}", sha)))
    exceptions: list[ExceptionSpec] = []
    for change in changes:
        wanted = 1 if change.tier == "high" else 0
        for _ in range(draw(st.integers(0, wanted + 1) if wanted else st.integers(0, 1))):
            exceptions += draw(exceptions_for(change, len(exceptions)))
    actors: dict[tuple[str, int], list[Any]] = {
        ("change", n): list(draw(scripts(c))) for n, c in enumerate(changes)
    }
    for n in range(len(exceptions)):
        actors[("exception", n)] = [None]
    advances = draw(st.lists(st.sampled_from((dt.timedelta(hours=1), dt.timedelta(days=2))), max_size=2))
    actors[("clock", -1)] = [Advance(d) for d in advances]
    tokens = [key for key, items in actors.items() for _ in items]
    order = draw(st.permutations(tokens))
    queues = {key: list(items) for key, items in actors.items()}
    interleaved = tuple((kind, n, queues[(kind, n)].pop(0)) for kind, n in order)
    return History(tuple(changes), tuple(exceptions), interleaved)


# --- acting a history out -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the engine did: the last sync result per change, and the exceptions it decided."""

    results: dict[str, SyncResult] = field(default_factory=dict)
    exceptions: dict[str, SyncResult] = field(default_factory=dict)

    def merged(self) -> dict[str, SyncResult]:
        return {cid: r for cid, r in self.results.items() if r.status == "merged"}

    def approved(self) -> list[str]:
        return [cid for cid, r in self.merged().items() if r.outcome in APPROVING_OUTCOMES]


class _Driver:
    def __init__(self, cab: Any, history: History) -> None:
        self.cab = cab
        self.history = history
        self.numbers: dict[int, int] = {}
        self.first_commit: dict[int, str] = {}
        self.revisions: dict[int, int] = {}
        self.outcome = Outcome()

    def open(self, n: int) -> bool:
        result = self.outcome.results.get(self.history.changes[n].change_id)
        return n in self.numbers and (result is None or result.status != "merged")

    def change_step(self, n: int, step: Step) -> None:
        change = self.history.changes[n]
        if isinstance(step, Submit):
            number = self.cab.submit(change.path, content=change.content(), author=step.author)
            self.numbers[n] = number
            self.first_commit[n] = self.cab.pr(number).head_sha
            return
        if not self.open(n):
            return
        number = self.numbers[n]
        if isinstance(step, Sync):
            self.outcome.results[change.change_id] = self.cab.sync(number)
        elif isinstance(step, Review):
            on = self.first_commit[n] if step.on_first_commit else None
            self.cab.review(number, step.login, step.state, on=on)
        elif isinstance(step, Push):
            revision = self.revisions[n] = self.revisions.get(n, 0) + 1
            files = (
                {change.path: change.content(revision)}
                if step.evidence
                else {f"docs/{change.change_id}-notes.md": f"note {revision}\n".encode()}
            )
            self.cab.push(number, files, author=step.author)
        else:
            self.cab.comment(number, step.login, step.body)

    def exception_step(self, n: int) -> None:
        spec = self.history.exceptions[n]
        number = self.cab.submit(spec.path, content=spec.content(self.cab.clock.now))
        self.cab.sync(number)
        if spec.verdict == "approve":
            self.cab.review(number, "sec-sam")
        elif spec.verdict == "reject":
            self.cab.comment(number, "sec-sam", "/cab reject the controls are not verified")
        elif spec.verdict == "non_owner":
            self.cab.review(number, "bob-cab")
        self.outcome.exceptions[spec.exception_id] = self.cab.sync(number)

    def run(self) -> Outcome:
        for kind, n, step in self.history.steps:
            if kind == "change":
                assert step is not None and not isinstance(step, Advance)
                self.change_step(n, step)
            elif kind == "exception":
                self.exception_step(n)
            else:
                assert isinstance(step, Advance)
                self.cab.clock.now += step.delta
        for n, change in enumerate(self.history.changes):  # a last look at every open PR
            if self.open(n):
                self.outcome.results[change.change_id] = self.cab.sync(self.numbers[n])
        return self.outcome


def drive(cab: Any, history: History) -> Outcome:
    """Act `history` out on `cab` (a `tests.both_forges.Cab`) through the real engine."""
    return _Driver(cab, history).run()
