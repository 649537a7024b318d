"""Build real git repositories shaped exactly like the lifecycle's output, to audit.

A base commit holds `.github/CODEOWNERS` and `risk-model/v1.0.yaml` (and optionally exceptions).
Each `decide()` then plays one pull request: a PR-author commit adding the evidence pack, a bot
commit with the pending record (the reviewed commit), a bot commit replacing it with the final
record, and a `--no-ff` merge by the bot whose message carries `bot.domain.rules.trailers.merge_message`.
Scores and hashes come from `bot.domain.scoring.score` and `bot.domain.canonical.content_sha256`, so a clean
history is correct by construction; every `Tweak` hook lets a test tamper with one step.
The base commit's `policy/signers.yaml` trusts the session's test SSH key for the bot's e-mail, and
every commit the bot makes is signed with it (`git -c gpg.format=ssh commit -S`), as the sandbox
forge signs; `Tweak.merge_key` and `Tweak.record_key` sign with another key, or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.adapters.environment import bot_identity
from bot.domain import documents
from bot.domain.canonical import content_sha256
from bot.domain.errors import InputError
from bot.domain.identity import BotIdentity
from bot.domain.models import EvidencePack, RiskModel
from bot.domain.rules.trailers import DecisionTrailers, ExceptionTrailers, merge_message
from bot.domain.scoring import score
from tests.signing_keys import bot_ssh_key, signers_file, ssh_signer

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "bot" / "data" / "examples" / "evidence" / "2026-11"
EXAMPLE_BY_TIER = {
    "low": "payments-api-7.4.2.yaml",
    "medium": "identity-gateway-3.0.0.yaml",
    "high": "edge-proxy-hotfix.yaml",
}
MONTH = "2026-11"
# How a commit is signed: "bot" signs with the bot's key when the bot commits (a person's commit
# stays unsigned), None never signs, a path signs with that private key.
Signing = Path | Literal["bot"] | None


@dataclass(frozen=True)
class Person:
    login: str
    user_id: int

    @property
    def email(self) -> str:
        return f"{self.user_id}+{self.login}@users.noreply.github.com"


AUTHOR = Person("erin-dev", 101)
CAB = Person("carol-cab", 201)
CAB_2 = Person("dave-cab", 202)
SECURITY = Person("sam-sec", 301)
OUTSIDER = Person("mallory", 666)
TEAMS: dict[str, tuple[int, list[str]]] = {
    "example/cab": (11, ["carol-cab", "dave-cab"]),
    "example/security": (12, ["sam-sec"]),
    "example/platform": (13, ["mallory", "erin-dev"]),
}
OWNING_TEAM = {"medium": "example/cab", "high": "example/security"}
CODEOWNERS = """\
# Who may approve what (read from the base branch by the bot and the audit).
* @example/platform
/decisions/medium/ @example/cab
/decisions/high/ @example/security
/exceptions/ @example/security
/risk-model/ @example/cab @example/security
/policy/ @example/cab @example/security
/.github/CODEOWNERS @example/cab @example/security
"""


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)


def evidence_text(tier: str, change_id: str, requester: str | None = None) -> str:
    text = (EXAMPLES / EXAMPLE_BY_TIER[tier]).read_text()
    text = re.sub(r"(?m)^change_id: .*$", f"change_id: {change_id}", text)
    if requester:
        text = re.sub(r"(?m)^requester: .*$", f"requester: {requester}", text)
    return text


def exception_text(
    exception_id: str, change_ids: list[str], requested: dt.datetime, expires: dt.datetime
) -> str:
    return to_yaml(
        {
            "apiVersion": "cab/v1",
            "kind": "Exception",
            "id": exception_id,
            "title": "Accepted risk for the audit tests",
            "scope": {"change_ids": change_ids},
            "justification": "Needed to ship while the upstream fix is pending.",
            "compensating_controls": [
                {"control": "WAF rule", "verification": "synthetic probe every 5 minutes"}
            ],
            "requested_by": "carol-eng",
            "requested_at": requested,
            "expires_at": expires,
        }
    )


@dataclass
class Tweak:
    """Hooks to tamper with one step of a decision; the default plays it honestly."""

    outcome: str | None = None
    approvers: list[Person] | None = None
    team: str | None = None
    exceptions: list[str] = field(default_factory=list)
    pr_author: Person = AUTHOR
    requester: str | None = None
    record: Callable[[dict[str, Any]], None] | None = None  # edit the final record's data in place
    record_bytes: bytes | None = None  # write these bytes as the final record instead
    trailers: Callable[[DecisionTrailers], DecisionTrailers] | None = None
    previous: str | None = "chain"  # "chain": the real previous record sha256
    on_pr_branch: Callable[[RepoBuilder], None] | None = None  # before the evidence commit
    pack: Callable[[str], str] | None = None  # edit the evidence pack's text before it is committed
    before_final: Callable[[RepoBuilder], None] | None = None  # staged with the final record
    in_merge: Callable[[RepoBuilder], None] | None = None  # staged into the merge commit
    merge_by: Person | None = None
    record_commit_by: Person | None = None
    merge_key: Signing = "bot"
    record_key: Signing = "bot"


@dataclass
class ExceptionTweak:
    """Hooks to tamper with one exception decision; the default plays it honestly."""

    outcome: str = "approved"
    approvers: list[Person] | None = None
    pr_author: Person = AUTHOR
    team: str = "example/security"
    record: Callable[[dict[str, Any]], None] | None = None  # edit the final record's data in place
    trailers: Callable[[ExceptionTrailers], ExceptionTrailers] | None = None
    before_final: Callable[[RepoBuilder], None] | None = None  # staged with the final record
    in_merge: Callable[[RepoBuilder], None] | None = None  # staged into the merge commit


@dataclass(frozen=True)
class Decided:
    change_id: str
    merge: str
    head: str
    reviewed: str
    record_path: str
    evidence_path: str
    record_sha256: str


class RepoBuilder:
    def __init__(self, root: Path, bot: BotIdentity | None = None) -> None:
        self.root = root
        self.bot = bot or bot_identity({})
        self.clock = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
        self.previous: str | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    # -- plumbing ------------------------------------------------------------------------------

    def tick(self, minutes: int = 30) -> dt.datetime:
        self.clock += dt.timedelta(minutes=minutes)
        return self.clock

    def git(
        self,
        *args: str,
        who: Person | BotIdentity | None = None,
        when: dt.datetime | None = None,
        key: Path | None = None,
    ) -> str:
        """`key`: `args` is a `commit` (or `merge`) signed with this SSH private key."""
        name, email = ("tester", "tester@example.com")
        if isinstance(who, Person):
            name, email = who.login, who.email
        elif isinstance(who, BotIdentity):
            name, email = who.name, who.email
        stamp = (when or self.clock).isoformat()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if key is not None:
            args = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", args[0], "-S", *args[1:])
        done = subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def write(self, path: str, content: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def commit(self, message: str, who: Person | BotIdentity | None = None, key: Signing = "bot") -> str:
        self.git("add", "-A")
        signing = self.signing_key(who, key)
        self.git("commit", "-q", "--allow-empty", "-m", message, who=who, when=self.tick(1), key=signing)
        return self.head()

    def signing_key(self, who: Person | BotIdentity | None, key: Signing) -> Path | None:
        if key == "bot":
            return bot_ssh_key() if isinstance(who, BotIdentity) else None
        return key

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)

    # -- history shapes ------------------------------------------------------------------------

    def base(self, exceptions: dict[str, list[str]] | None = None, signers: bytes | None = None) -> str:
        """The root commit: CODEOWNERS, the risk model, the trusted signers (default: the bot's test
        key for its e-mail) and (optionally) exceptions for change ids."""
        self.write(".github/CODEOWNERS", CODEOWNERS)
        self.write("risk-model/v1.0.yaml", (PROJECT / "risk-model" / "v1.0.yaml").read_bytes())
        self.write("policy/signers.yaml", signers or signers_file(ssh_signer(self.bot.email)))
        for exception_id, change_ids in (exceptions or {}).items():
            self.write(f"exceptions/{MONTH}/{exception_id}.yaml", self.exception(exception_id, change_ids))
        return self.commit("Initial CAB repository", who=CAB)

    def exception(self, exception_id: str, change_ids: list[str], expires: dt.datetime | None = None) -> str:
        requested = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC)
        return exception_text(
            exception_id, change_ids, requested, expires or requested + dt.timedelta(days=30)
        )

    def merge_pr(self, branch: str, files: dict[str, str], who: Person = SECURITY) -> str:
        """An ordinary reviewed PR (not a decision), merged with a merge commit by a human."""
        self.git("checkout", "-q", "-b", branch, "main")
        for path, content in files.items():
            self.write(path, content)
        self.commit(f"Add {', '.join(files)}", who=who)
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, who=who, when=self.tick(1))
        return self.head()

    def decide(self, change_id: str, tier: str, tweak: Tweak | None = None) -> Decided:
        """Play one pull request from evidence to the bot's decision merge."""
        t = tweak or Tweak()
        branch = f"pr/{change_id}"
        base_sha = self.head("main")
        self.git("checkout", "-q", "-b", branch, "main")
        if t.on_pr_branch:
            t.on_pr_branch(self)
        evidence_path = f"evidence/{MONTH}/{change_id}.yaml"
        pack_text = evidence_text(tier, change_id, t.requester)
        self.write(evidence_path, t.pack(pack_text) if t.pack else pack_text)
        self.commit(f"Evidence for {change_id}", who=t.pr_author)

        evidence = documents.parse(self.read(evidence_path), evidence_path, EvidencePack)
        model = documents.parse(self.git("show", f"{base_sha}:risk-model/v1.0.yaml").encode(), "m", RiskModel)
        risk = score(evidence.model, model.model, model.sha256)
        assert risk.tier == tier, f"example for {tier} scores {risk.tier}"
        record_path = f"decisions/{risk.tier}/{MONTH}/{change_id}.yaml"
        record = self._record(change_id, evidence_path, evidence.sha256, risk.model_dump(), t)
        record["outcome"] = "pending"
        if evidence.model.correlation_id:
            record["correlation_id"] = evidence.model.correlation_id
        self.write(record_path, to_yaml(record))
        reviewed = self.commit(f"cab: pending {change_id}", who=self.bot)

        decided_at = self.tick()
        record = self._record(change_id, evidence_path, evidence.sha256, risk.model_dump(), t)
        record.update(outcome=t.outcome or ("auto_approved" if tier == "low" else "approved"))
        if evidence.model.correlation_id:
            record["correlation_id"] = evidence.model.correlation_id
        record["decided_at"] = decided_at
        record["pull_request"] = {
            "number": 1000 + len(change_id),
            "head_sha": reviewed,
            "base_sha": base_sha,
            "author": t.pr_author.login,
        }
        record["approvals"] = self._approvals(t, tier, reviewed, evidence.sha256, decided_at)
        if t.exceptions:
            record["exceptions"] = [self._exception_ref(base_sha, exc) for exc in t.exceptions]
        record["previous"] = self.previous if t.previous == "chain" else t.previous
        if t.record:
            t.record(record)
        raw = t.record_bytes if t.record_bytes is not None else to_yaml(record).encode()
        self.write(record_path, raw)
        if t.before_final:
            t.before_final(self)
        head = self.commit(
            f"cab: {record['outcome']} {change_id}", who=t.record_commit_by or self.bot, key=t.record_key
        )
        try:
            record_sha = documents.parse(raw, record_path).sha256
        except InputError:
            record_sha = content_sha256({k: v for k, v in record.items()})

        trailers = DecisionTrailers(
            decision=record["outcome"],
            change=change_id,
            tier=risk.tier,
            risk_score=risk.score,
            evidence_sha256=evidence.sha256,
            model=f"v{risk.model_version} sha256:{risk.model_sha256}",
            record=record_path,
            record_sha256=record_sha,
            previous=record["previous"] or "none",
            approved_by=tuple(f"{a['login']} ({a['user_id']})" for a in record["approvals"]),
            exceptions=tuple(e["id"] for e in record.get("exceptions", [])),
            correlation_id=evidence.model.correlation_id,
        )
        if t.trailers:
            trailers = t.trailers(trailers)
        message = merge_message(
            f"cab: {record['outcome']} {change_id} ({risk.tier}, {risk.score})", record["rationale"], trailers
        )
        self.git("checkout", "-q", "main")
        merger = t.merge_by or self.bot
        self.git("merge", "-q", "--no-ff", "--no-commit", branch, who=merger)
        if t.in_merge:
            t.in_merge(self)
            self.git("add", "-A")
        merge_key = self.signing_key(merger, t.merge_key)
        self.git("commit", "-q", "-m", message, who=merger, when=self.tick(1), key=merge_key)
        self.previous = record_sha
        return Decided(change_id, self.head(), head, reviewed, record_path, evidence_path, record_sha)

    def write_record(
        self, change_id: str, pack_tier: str, outcome: str, claimed_tier: str | None = None
    ) -> str:
        """Evidence and a final-looking record written by hand (no PR, no bot), staged, not committed.

        The record is what the bot would write for the pack, except its `outcome` and, when given,
        the tier it claims; returns the record's path.
        """
        evidence_path = f"evidence/{MONTH}/{change_id}.yaml"
        self.write(evidence_path, evidence_text(pack_tier, change_id))
        evidence = documents.parse(self.read(evidence_path), evidence_path, EvidencePack)
        model = documents.parse(self.read("risk-model/v1.0.yaml"), "m", RiskModel)
        risk = score(evidence.model, model.model, model.sha256).model_dump()
        risk["tier"] = claimed_tier or risk["tier"]
        record = self._record(change_id, evidence_path, evidence.sha256, risk, Tweak())
        record.update(outcome=outcome, decided_at=self.tick(), previous=self.previous)
        if evidence.model.correlation_id:
            record["correlation_id"] = evidence.model.correlation_id
        path = f"decisions/{risk['tier']}/{MONTH}/{change_id}.yaml"
        self.write(path, to_yaml(record))
        return path

    def approve_exception(
        self,
        exception_id: str,
        change_ids: list[str],
        expires: dt.datetime | None = None,
        tweak: ExceptionTweak | None = None,
    ) -> Decided:
        """Play one exception pull request to the bot's ExceptionDecision merge, as the engine does."""
        t = tweak or ExceptionTweak()
        branch = f"exception/{exception_id}"
        base_sha = self.head("main")
        self.git("checkout", "-q", "-b", branch, "main")
        path = f"exceptions/{MONTH}/{exception_id}.yaml"
        self.write(path, self.exception(exception_id, change_ids, expires))
        self.commit(f"Exception {exception_id}", who=t.pr_author)
        loaded = documents.parse(self.read(path), path)
        record_path = f"decisions/exceptions/{MONTH}/{exception_id}.yaml"
        record: dict[str, Any] = {
            "apiVersion": "cab/v1",
            "kind": "ExceptionDecision",
            "exception_id": exception_id,
            "outcome": "pending",
            "exception": {"path": path, "sha256": loaded.sha256},
            "expires_at": loaded.model.expires_at,
            "rationale": "Needs one approval from a team owning the exception.",
        }
        self.write(record_path, to_yaml(record))
        reviewed = self.commit(f"cab: pending exception {exception_id}", who=self.bot)
        decided_at = self.tick()
        approvers = [SECURITY] if t.approvers is None and t.outcome == "approved" else t.approvers or []
        team_id, members = TEAMS[t.team]
        record.update(
            outcome=t.outcome,
            decided_at=decided_at,
            decided_by=self.bot.name,
            approvals=[
                {
                    "login": person.login,
                    "user_id": person.user_id,
                    "team": t.team,
                    "team_id": team_id,
                    "team_members": list(members),
                    "review_id": 7000 + i,
                    "reviewed_sha": reviewed,
                    "evidence_sha256": loaded.sha256,
                    "approved_at": decided_at - dt.timedelta(minutes=5),
                }
                for i, person in enumerate(approvers)
            ],
            pull_request={
                "number": 2000 + len(exception_id),
                "head_sha": reviewed,
                "base_sha": base_sha,
                "author": t.pr_author.login,
            },
            previous=self.previous,
        )
        if t.record:
            t.record(record)
        raw = to_yaml(record).encode()
        self.write(record_path, raw)
        if t.before_final:
            t.before_final(self)
        head = self.commit(f"cab: exception {exception_id} {t.outcome}", who=self.bot)
        record_sha = documents.parse(raw, record_path).sha256
        trailers = ExceptionTrailers(
            decision=t.outcome,
            exception=exception_id,
            exception_sha256=loaded.sha256,
            expires_at=loaded.model.expires_at.isoformat(),
            record=record_path,
            record_sha256=record_sha,
            previous=self.previous or "none",
            approved_by=tuple(f"{p.login} ({p.user_id})" for p in approvers),
        )
        if t.trailers:
            trailers = t.trailers(trailers)
        message = merge_message(f"cab: exception {exception_id} {t.outcome}", record["rationale"], trailers)
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "--no-commit", branch, who=self.bot)
        if t.in_merge:
            t.in_merge(self)
            self.git("add", "-A")
        self.git("commit", "-q", "-m", message, who=self.bot, when=self.tick(1), key=bot_ssh_key())
        self.previous = record_sha
        return Decided(exception_id, self.head(), head, reviewed, record_path, path, record_sha)

    def _record(
        self, change_id: str, evidence_path: str, evidence_sha: str, risk: dict[str, Any], t: Tweak
    ) -> dict[str, Any]:
        return {
            "apiVersion": "cab/v1",
            "kind": "Decision",
            "change_id": change_id,
            "outcome": "pending",
            "evidence": {"path": evidence_path, "sha256": evidence_sha},
            "risk": risk,
            "exceptions": [],
            "approvals": [],
            "conditions": [],
            "rationale": f"Risk tier {risk['tier']} at score {risk['score']}.",
            "decided_by": self.bot.name,
        }

    def _approvals(
        self, t: Tweak, tier: str, reviewed: str, evidence_sha: str, at: dt.datetime
    ) -> list[dict[str, Any]]:
        default = {"low": [], "medium": [CAB], "high": [SECURITY]}[tier]
        approvers = default if t.approvers is None else t.approvers
        team = t.team or OWNING_TEAM.get(tier, "example/cab")
        team_id, members = TEAMS[team]
        return [
            {
                "login": person.login,
                "user_id": person.user_id,
                "team": team,
                "team_id": team_id,
                "team_members": list(members),
                "review_id": 5000 + i,
                "reviewed_sha": reviewed,
                "evidence_sha256": evidence_sha,
                "approved_at": at - dt.timedelta(minutes=5),
            }
            for i, person in enumerate(approvers)
        ]

    def _exception_ref(self, base_sha: str, exception_id: str) -> dict[str, Any]:
        path = f"exceptions/{MONTH}/{exception_id}.yaml"
        loaded = documents.parse(self.git("show", f"{base_sha}:{path}").encode(), path)
        return {"id": exception_id, "sha256": loaded.sha256, "expires_at": loaded.model.expires_at}


def honest_history(builder: RepoBuilder) -> list[Decided]:
    """A clean history: an approved exception, one decision per tier, the high one relying on it."""
    builder.base()
    builder.approve_exception("edge-nghttp2", ["edge-proxy-1"])
    return [
        builder.decide("payments-api-1", "low"),
        builder.decide("identity-gw-1", "medium"),
        builder.decide("edge-proxy-1", "high", Tweak(exceptions=["edge-nghttp2"])),
    ]


__all__ = ["ExceptionTweak", "RepoBuilder", "Tweak", "honest_history", "replace"]
