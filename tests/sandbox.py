"""Builders for end-to-end tests on the sandbox forge: a CAB repository with teams and people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.forge.sandbox import SandboxForge
from bot.adapters.git.process import parse_commit
from bot.domain.git_objects import CommitHeader
from bot.domain.identity import BotIdentity
from bot.services.sync import SyncResult, sync

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bot" / "data"
EXAMPLES = DATA / "examples"
BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

LOW = "evidence/2026-11/payments-api-7.4.2.yaml"
MEDIUM = "evidence/2026-11/identity-gateway-3.0.0.yaml"
HIGH = "evidence/2026-11/edge-proxy-hotfix.yaml"
EXCEPTION = "exceptions/2026-11/edge-proxy-nghttp2.yaml"


@dataclass
class Clock:
    now: dt.datetime = T0
    step: dt.timedelta = field(default_factory=lambda: dt.timedelta(minutes=1))

    def __call__(self) -> dt.datetime:
        self.now += self.step
        return self.now


@dataclass
class CabRepo:
    """A sandbox CAB repository: requester alice-eng, CAB member bob-cab, security sec-sam."""

    forge: SandboxForge
    clock: Clock

    def example(self, path: str) -> bytes:
        return (EXAMPLES / path).read_bytes()

    def submit(
        self,
        path: str,
        *,
        content: bytes | None = None,
        author: str = "alice-eng",
        branch: str | None = None,
        extra: dict[str, bytes | None] | None = None,
    ) -> int:
        branch = branch or "change/" + Path(path).stem
        files: dict[str, bytes | None] = {path: content if content is not None else self.example(path)}
        files.update(extra or {})
        self.forge.push(branch, files, author=author, message=f"Add {path}", start="main")
        return self.forge.open_pr(branch, "main", f"Change {Path(path).stem}", author)

    def push(self, number: int, files: dict[str, bytes | None], author: str = "alice-eng") -> str:
        pr = self.forge.pull_request(number)
        return self.forge.push(pr.head_ref, files, author=author, message="update")

    def sync(self, number: int) -> SyncResult:
        return sync(self.forge, number, now=self.clock(), identity=BOT)

    def approve_exception(self, path: str = EXCEPTION, *, requester: str = "alice-eng") -> SyncResult:
        """An exception through its own PR, approved by security: what makes it active."""
        number = self.submit(path, author=requester)
        self.sync(number)  # on `opened`: the pending record snapshots the team a review must be from
        self.forge.review(number, "sec-sam", "APPROVED")
        return self.sync(number)

    def main_files(self, directory: str) -> list[str]:
        return list(self.forge.list_files(self.forge.branch_head("main"), directory))


def commit_at(forge: SandboxForge, branch: str) -> CommitHeader:
    """The commit at the tip of a sandbox branch, read as a raw git object."""
    sha = forge.branch_head(branch)
    return parse_commit(sha, forge.git.read_object(sha, "commit"))


def make_cab_repo(path: Path) -> CabRepo:
    clock = Clock()
    forge = SandboxForge.create(path, BOT, clock)
    for login in ("alice-eng", "bob-cab", "carol-cab", "sec-sam", "mallory"):
        forge.add_user(login)
    forge.add_user("dependabot[bot]", bot=True)
    forge.add_team("example/cab", ["bob-cab", "carol-cab", "dependabot[bot]"])
    forge.add_team("example/security", ["sec-sam"])
    files: dict[str, bytes | None] = {
        ".github/CODEOWNERS": (DATA / "repo-template/.github/CODEOWNERS").read_bytes(),
        "risk-model/v1.0.yaml": (DATA / "risk-model/v1.0.yaml").read_bytes(),
        "policy/history.yaml": (DATA / "repo-template/policy/history.yaml").read_bytes(),
        **forge.bootstrap_files(),
    }
    forge.push("main", files, author="sec-sam", message="Initial CAB repository")
    return CabRepo(forge, clock)
