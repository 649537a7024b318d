"""The sandbox forge driven step by step, as `cab sandbox` and `cab demo` do: try a pack offline.

Each step is what a person does on GitHub (open a pull request, push, review, comment); `run_bot`
is what the Action would do next, and answers in the words of the bot's own PR comment, so what a
user reads at the terminal is what their reviewers will read on GitHub.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from bot.adapters.forge.sandbox import Clock, SandboxForge
from bot.domain import documents
from bot.domain.comments import MARKER
from bot.domain.errors import UsageError
from bot.domain.identity import BotIdentity
from bot.domain.layout import SIGNERS_PATH, evidence_path, exception_path
from bot.domain.models import EvidencePack, ExceptionRecord
from bot.domain.models.signers import Signers, signers_yaml
from bot.domain.pull_request import PullRequest
from bot.services.sync import SyncResult, sync

# The teams of the shipped CODEOWNERS (bot/data/repo-template/.github/CODEOWNERS), used when
# `cab sandbox create` is given none, so that a fresh sandbox can approve something at all.
DEFAULT_TEAMS: dict[str, tuple[str, ...]] = {
    "example/cab": ("bob-cab", "dana-cab"),
    "example/security": ("sec-sam",),
}
# What a CAB repository's main branch needs before the first pull request: who owns what, how to
# score, and the policy files (signers, allow-lists) when the repository has them.
SEED_FILES = (".github/CODEOWNERS",)
SEED_DIRECTORIES = ("risk-model", "policy")
Verdict = Literal["approve", "request-changes"]
REVIEW_STATES: dict[Verdict, Literal["APPROVED", "CHANGES_REQUESTED"]] = {
    "approve": "APPROVED",
    "request-changes": "CHANGES_REQUESTED",
}


def _data(path: str) -> bytes:
    return resources.files("bot").joinpath("data", path).read_bytes()


def shipped_seed() -> dict[str, bytes]:
    """The shipped CODEOWNERS, risk model and history policy (start: this root): what `cab demo`
    starts from."""
    return {
        ".github/CODEOWNERS": _data("repo-template/.github/CODEOWNERS"),
        "risk-model/v1.0.yaml": _data("risk-model/v1.0.yaml"),
        "policy/history.yaml": _data("repo-template/policy/history.yaml"),
    }


def seed_from(root: Path) -> dict[str, bytes]:
    """CODEOWNERS, risk models and policy files of a CAB repository's work tree (e.g. made by
    `cab init`); the shipped file stands in for any it does not have yet."""
    if not root.is_dir():
        raise UsageError(f"cab sandbox: --from {root}: not a directory; give your CAB repository")
    found = shipped_seed()
    for name in SEED_FILES:
        if (root / name).is_file():
            found[name] = (root / name).read_bytes()
    for directory in SEED_DIRECTORIES:
        for file in sorted((root / directory).rglob("*.yaml")):
            if file.is_file():
                found[file.relative_to(root).as_posix()] = file.read_bytes()
    if any(name.startswith("risk-model/") and name != "risk-model/v1.0.yaml" for name in found):
        found.pop("risk-model/v1.0.yaml")  # the repository brings its own
    return found


def create(
    directory: Path,
    identity: BotIdentity,
    clock: Clock,
    *,
    teams: Mapping[str, Sequence[str]],
    users: Sequence[str] = (),
    seed: Mapping[str, bytes],
    founder: str | None = None,
) -> SandboxForge:
    """A new sandbox forge in `directory` whose main branch holds `seed`, pushed by `founder`
    (default: the first team member), with these teams."""
    if directory.is_file():
        raise UsageError(f"cab sandbox: {directory} is a file; give a new or empty directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise UsageError(f"cab sandbox: {directory} is not empty; give a new or empty directory")
    forge = SandboxForge.create(directory, identity, clock)  # its own constructor: keys, state file
    members = [m for team in teams.values() for m in team]
    for login in dict.fromkeys([*users, *members]):
        forge.add_user(login)
    for slug, team in teams.items():
        forge.add_team(slug, list(team))
    founder = founder or next(iter([*members, *users]), "cab-admin")
    forge.add_user(founder)
    # the sandbox's own signing key in policy/signers.yaml: what makes its bot commits trusted
    bootstrap = {**seed, **_with_seed_signers(forge.bootstrap_files(), seed.get(SIGNERS_PATH))}
    forge.push("main", bootstrap, author=founder, message="Set up the CAB repository")
    return forge


def _with_seed_signers(bootstrap: dict[str, bytes], seeded: bytes | None) -> dict[str, bytes]:
    """The sandbox's `policy/signers.yaml` (its commit key) plus the keys and artifact identities
    of the seed's own signers file, so that a seed trusting a release workflow keeps trusting it."""
    if seeded is None:
        return bootstrap
    ours = documents.parse(bootstrap[SIGNERS_PATH], SIGNERS_PATH, Signers).model
    theirs = documents.parse(seeded, SIGNERS_PATH, Signers).model
    combined = signers_yaml([*ours.commits, *theirs.commits], theirs.artifacts)
    return {**bootstrap, SIGNERS_PATH: combined.encode()}


def place(raw: bytes, source: str) -> str:
    """Where a pack or an exception request belongs in the repository, from its own content."""
    model = documents.parse(raw, source).model
    if isinstance(model, EvidencePack):
        return evidence_path(model.change_id, model.submitted_at.astimezone(dt.UTC).strftime("%Y-%m"))
    if isinstance(model, ExceptionRecord):
        return exception_path(model.id, model.requested_at.astimezone(dt.UTC).strftime("%Y-%m"))
    raise UsageError(
        f"{source}: a {type(model).__name__} is written by the bot; submit an evidence pack or an exception"
    )


def submit(forge: SandboxForge, path: str, content: bytes, author: str) -> int:
    """Push `content` at `path` on a new branch by `author` and open its pull request."""
    return submit_files(forge, path, {path: content}, author)


def submit_files(forge: SandboxForge, path: str, files: Mapping[str, bytes], author: str) -> int:
    """Push the document at `path` with its companions (e.g. a pack's attachments) on a new branch
    by `author` and open its pull request."""
    forge.add_user(author)
    branch = "change/" + Path(path).stem
    forge.push(branch, dict(files), author=author, message=f"Add {path}", start="main")
    return forge.open_pr(branch, "main", f"CAB: {Path(path).stem}", author)


def push(forge: SandboxForge, number: int, files: Mapping[str, bytes], author: str) -> str:
    """One more commit by `author` on the pull request's branch; its new head."""
    forge.add_user(author)
    pr = _open(forge, number)
    return forge.push(pr.head_ref, dict(files), author=author, message=f"Update {', '.join(files)}")


def review(forge: SandboxForge, number: int, login: str, verdict: Verdict) -> None:
    forge.add_user(login)
    _open(forge, number)
    forge.review(number, login, REVIEW_STATES[verdict])


def comment(forge: SandboxForge, number: int, login: str, text: str) -> None:
    """A comment, on an open or a merged pull request (`/cab retro-approve` is said on a merged one)."""
    forge.add_user(login)
    _known(forge, number)
    forge.comment(number, login, text)


def _known(forge: SandboxForge, number: int) -> PullRequest:
    if number not in forge.pull_request_numbers():
        raise UsageError(f"the sandbox has no pull request #{number}; `cab sandbox list` shows them")
    return forge.pull_request(number)


def _open(forge: SandboxForge, number: int) -> PullRequest:
    pr = _known(forge, number)
    if pr.state != "open":
        raise UsageError(f"pull request #{number} is {pr.state}; open a new one with `cab sandbox submit`")
    return pr


@dataclass(frozen=True)
class BotAnswer:
    """What the bot did on a pull request: one line, and its PR comment as it now reads."""

    result: SyncResult
    comment: str

    def line(self) -> str:
        """`sync #N: STATUS (tier, score N): summary → merged SHA` — the line `cab demo` prints."""
        result = self.result
        scored = f" ({result.tier}, score {result.score})" if result.tier else ""
        where = f" → merged {result.merge_sha[:7]}" if result.merge_sha else ""
        where += "".join(f"; not counted: {reason}" for reason in result.not_counted)
        return f"sync #{result.number}: {result.status}{scored}: {result.summary}{where}"


def run_bot(forge: SandboxForge, number: int, now: dt.datetime, identity: BotIdentity) -> BotAnswer:
    """What the Action does on any event of the pull request: sync it, then read its comment."""
    _known(forge, number)
    result = sync(forge, number, now=now, identity=identity)
    said = [c.body for c in forge.comments(number) if c.user.login == forge.bot_login and MARKER in c.body]
    return BotAnswer(result, said[-1].replace(MARKER, "").strip() if said else "")


def listing(forge: SandboxForge) -> str:
    """Every pull request of the sandbox: number, state, labels, branch and title."""
    rows = [("#", "state", "risk", "branch", "title")]
    for number in forge.pull_request_numbers():
        pr = forge.pull_request(number)
        risk = ", ".join(label for label in pr.labels if label.startswith("risk:")) or "-"
        rows.append((f"#{number}", pr.state, risk, pr.head_ref, pr.title))
    if len(rows) == 1:
        return "no pull requests yet; open one with `cab sandbox submit FILE --as LOGIN`"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)
