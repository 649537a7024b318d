"""`cab init`: a new CAB repository that is ready to push: the templates filled in with the teams,
the pinned action and the bot identity given, in a git repository with its bootstrap commit.

The options are checked before anything is written, so a refused `cab init` leaves no half-made
directory behind. Files that exist are kept (`scaffold`); a directory that already is a git
repository with commits gets no commit of ours: what to commit is then the user's call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.git.process import Git
from bot.domain.errors import CabError, UsageError
from bot.domain.layout import SIGNERS_PATH
from bot.services.scaffold import ScaffoldReport, scaffold

TEAM = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9][A-Za-z0-9._-]*")
BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
ACTION_REF = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+@[0-9a-f]{40}")
PLACEHOLDER_REF = f"your-org/cab-bot@{'0' * 40} # replace: pin the release commit"
TEMPLATE_TEAMS = {"cab": "@example/cab", "security": "@example/security"}
# The identity `GITHUB_TOKEN` gives the bot's comments, record commits and merges.
TOKEN_IDENTITY = (
    "github-actions[bot]",
    "github-actions[bot]",
    "41898282+github-actions[bot]@users.noreply.github.com",
)
WORKFLOWS_WITH_ACTION = (".github/workflows/cab.yml", ".github/workflows/cab-expiry.yml")
BOOTSTRAP_MESSAGE = "cab: bootstrap the CAB repository (cab init)"


@dataclass(frozen=True)
class InitOptions:
    cab_team: str | None = None  # @org/team, CODEOWNERS owner of decisions/medium/
    security_team: str | None = None  # @org/team, owner of decisions/high/ and exceptions/
    action_ref: str | None = None  # OWNER/REPO@SHA of the cab-bot release the workflows run
    bot_login: str = TOKEN_IDENTITY[0]
    bot_name: str = TOKEN_IDENTITY[1]
    bot_email: str = TOKEN_IDENTITY[2]
    branch: str = "main"


@dataclass
class InitReport:
    files: ScaffoldReport
    created_repository: bool = False
    bootstrap_commit: str | None = None
    branch: str | None = None  # the branch the bootstrap commit is on
    next_steps: list[str] = field(default_factory=list)


def check_options(options: InitOptions) -> None:
    """Refuse, before anything is written, what would make a broken CODEOWNERS or workflow."""
    for flag, team in (("--cab-team", options.cab_team), ("--security-team", options.security_team)):
        if team is not None and not TEAM.fullmatch(team):
            raise UsageError(
                f"cab init: {flag} must be an organization team like @octo-org/cab, got {team!r}"
            )
    if options.action_ref is not None and not ACTION_REF.fullmatch(options.action_ref):
        raise UsageError(
            "cab init: --action-ref must be OWNER/REPO@SHA with the full 40-character commit sha "
            f"of a cab-bot release, got {options.action_ref!r}"
        )
    for flag, value in (
        ("--bot-login", options.bot_login),
        ("--bot-name", options.bot_name),
        ("--bot-email", options.bot_email),
    ):
        if not value or any(c in value for c in "\n\r\"'#${}") or value != value.strip():
            raise UsageError(f"cab init: {flag} must be one plain line, got {value!r}")
    if not BRANCH.fullmatch(options.branch) or ".." in options.branch:
        raise UsageError(f"cab init: --branch must be a plain branch name like main, got {options.branch!r}")
    if "@" not in options.bot_email:
        raise UsageError(f"cab init: --bot-email must be an e-mail address, got {options.bot_email!r}")


def render(options: InitOptions) -> Callable[[str, bytes], bytes]:
    """The template filled in: teams into CODEOWNERS; the pin and the identity into the workflows."""

    def fill(name: str, content: bytes) -> bytes:
        text = content.decode("utf-8")
        if name == ".github/CODEOWNERS":
            for role, team in (("cab", options.cab_team), ("security", options.security_team)):
                if team is not None:
                    text = text.replace(TEMPLATE_TEAMS[role], team)
            if options.cab_team and options.security_team:
                kept = [line for line in text.splitlines() if not line.startswith("# Replace")]
                text = "\n".join(kept) + "\n"
        elif name.startswith(".github/workflows/"):
            if options.action_ref is not None:
                text = text.replace(PLACEHOLDER_REF, f"{options.action_ref} # cab-bot release (cab init)")
            text = (
                text.replace("bot-login: github-actions[bot]", f"bot-login: {options.bot_login}")
                .replace("bot-name: github-actions[bot]", f"bot-name: {options.bot_name}")
                .replace(f"bot-email: {TOKEN_IDENTITY[2]}", f"bot-email: {options.bot_email}")
            )
        return text.encode("utf-8")

    return fill


def _refusal(message: str) -> CabError:
    return UsageError(f"cab init: {message}")


def init(root: Path, options: InitOptions) -> InitReport:
    check_options(options)
    git = Git(root, _refusal)
    own = root.is_dir() and _toplevel(git) == root.resolve()
    fresh = not (own and git.object_id("HEAD") is not None)
    here = Git(_nearest_directory(root), _refusal)
    if fresh and here.run("var", "GIT_AUTHOR_IDENT", check=False).returncode != 0:
        raise UsageError(
            "cab init: git does not know who you are, for the bootstrap commit: run "
            "git config --global user.name 'Your Name' and git config --global user.email you@example.com"
        )
    report = InitReport(scaffold(root, render(options)))
    if fresh:
        if not own:
            git.run("init", "--quiet", f"--initial-branch={options.branch}")
            report.created_repository = True
        git.run("add", "--", *report.files.created, *report.files.kept)
        git.run("commit", "--quiet", "--no-verify", "-m", BOOTSTRAP_MESSAGE)
        report.bootstrap_commit = git.object_id("HEAD")
        report.branch = git.run("symbolic-ref", "--short", "HEAD").text
    report.next_steps = next_steps(root, options, report)
    return report


def _toplevel(git: Git) -> Path | None:
    """The work tree `git` is in (None outside one): a DIR inside another repository gets its own."""
    found = git.run("rev-parse", "--show-toplevel", check=False)
    return Path(found.text).resolve() if found.returncode == 0 else None


def _nearest_directory(path: Path) -> Path:
    path = path.absolute()
    while not path.is_dir():
        path = path.parent
    return path


def next_steps(root: Path, options: InitOptions, report: InitReport) -> list[str]:
    """What is left to do, each step true of the repository just written (re-running cab init does
    not help with a file it kept: it never overwrites)."""
    kept = set(report.files.kept)
    steps = []
    if report.bootstrap_commit is None:
        steps.append(f"commit the created files: git -C {root} add --all && git -C {root} commit")
    if ".github/CODEOWNERS" in kept:
        steps.append(
            "your .github/CODEOWNERS was kept as it was: check that it names your CAB and security teams"
        )
    elif not (options.cab_team and options.security_team):
        steps.append(
            "replace @example/cab and @example/security in .github/CODEOWNERS with your organization's teams "
            "and commit (or start again in a new DIR with --cab-team and --security-team, so the bootstrap "
            "commit names them)"
        )
    workflows = [name for name in WORKFLOWS_WITH_ACTION if name in kept]
    for name in workflows:
        steps.append(f"your {name} was kept as it was: check its uses: pin and its bot-* inputs")
    if options.action_ref is None and len(workflows) < len(WORKFLOWS_WITH_ACTION):
        steps.append(
            f"replace {PLACEHOLDER_REF.split(' ')[0]} in .github/workflows/cab.yml and cab-expiry.yml "
            "with OWNER/cab-bot@SHA, the commit of the cab-bot release you trust (the action is "
            "action.yml at the root of the cab-bot repository; each release's summary prints its pin) "
            "and commit (or start again in a new DIR with --action-ref)"
        )
    if not (root / SIGNERS_PATH).is_file():
        steps.append(
            f"pin GitHub's web-flow signing key in {SIGNERS_PATH} (https://github.com/web-flow.gpg), "
            "or the audit trusts no bot commit: docs/github-setup.md"
        )
    steps.append(
        "create the repository on GitHub and push: "
        f"git -C {root} remote add origin git@github.com:OWNER/NAME.git && git -C {root} push -u origin "
        f"{report.branch or options.branch}"
    )
    steps.append("protect the branch and set up the teams and credentials: docs/github-setup.md")
    return steps
