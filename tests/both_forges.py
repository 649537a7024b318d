"""One CAB repository API over either forge, so the same scenarios hold both to one behaviour.

`SandboxCab` is `tests.sandbox.CabRepo` (a real git repository) with the few observations the
scenarios make; `GitHubCab` builds the same repository, people and teams on `FakeGitHub` and runs
the engine through `GitHubForge`, a fresh forge object per run as in one Action job. People act on
the fake's state directly (a push, a review, a comment in the web UI); the bot acts only through
the REST calls its forge makes, every answer checked against GitHub's schemas.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
import responses

from bot.adapters.forge.github import GitHubForge
from bot.domain.identity import BotIdentity
from bot.domain.layout import SIGNERS_PATH
from bot.domain.pull_request import PullRequest
from bot.services import action, agenda_issue
from bot.services import expiry_sweep as expiry
from bot.services.action import Report
from bot.services.agenda_issue import AgendaIssue
from bot.services.expiry_sweep import ExpiryReport
from bot.services.sync import SyncResult, sync
from tests import github_fake as gf
from tests.sandbox import BOT, DATA, EXAMPLES, EXCEPTION, CabRepo, Clock, commit_at, make_cab_repo
from tests.signing_keys import signers_file, web_flow_signer

FORGES = ("sandbox", "github")
MAIN = "main"


class Cab(Protocol):
    """A CAB repository with requester alice-eng, CAB members bob-cab and carol-cab (and a bot),
    security reviewer sec-sam, and mallory, who owns nothing."""

    clock: Clock
    identity: BotIdentity  # who the bot commits as; the audit checks decisions against it

    def example(self, path: str) -> bytes: ...

    def submit(
        self,
        path: str,
        *,
        content: bytes | None = None,
        author: str = "alice-eng",
        branch: str | None = None,
        extra: dict[str, bytes | None] | None = None,
    ) -> int: ...

    def push(self, number: int, files: dict[str, bytes | None], author: str = "alice-eng") -> str: ...

    def push_main(
        self, files: dict[str, bytes | None], author: str = "alice-eng", message: str = "hotfix"
    ) -> str:
        """`author` pushes one commit straight to main, as a person with write access can where
        the branch rule lets them (an admin, a rule not yet set up)."""
        ...

    def push_forged_decision_merge(self, files: dict[str, bytes | None], message: str) -> str:
        """A merge onto main made with plain git, shaped and named as the bot's decision merge
        (its author, committer and `message`) but unsigned: what anyone can type and push."""
        ...

    def land_on_main(self, sha: str) -> None:
        """Move main to `sha`, a descendant of it, as a push or the merge queue landing a group does."""
        ...

    def push_entry(self, number: int, path: str, mode: str, content: bytes, author: str = "alice-eng") -> str:
        """A push of one tree entry that is no plain file: a symlink (120000, `content` its target),
        an executable (100755) or a submodule (160000, `content` the commit sha)."""
        ...

    def review(self, number: int, login: str, state: str = "APPROVED", *, on: str | None = None) -> int:
        """A review on commit `on` (default: the PR's current head); returns its id."""
        ...

    def comment(self, number: int, login: str, body: str) -> int:
        """A comment by `login`; returns its id."""
        ...

    def edit_comment(self, number: int, comment_id: int, login: str, body: str) -> None:
        """`login` edits a comment in the web UI (maintainers may edit anyone's)."""
        ...

    def email(self, login: str) -> str:
        """The e-mail the forge links to `login`'s account."""
        ...

    def user_id(self, login: str) -> int:
        """The account id of `login`."""
        ...

    def push_as(
        self,
        number: int,
        files: dict[str, bytes | None],
        *,
        pusher: str,
        identity: tuple[str, str] | None = None,
        message: str = "update",
    ) -> str:
        """`pusher` pushes one commit to the PR branch, written as git `identity` (name, e-mail;
        default: the pusher's own) with `message` (which may carry trailers)."""
        ...

    def add_member(self, team: str, login: str) -> None:
        """`login` joins the team `team` (its slug without the organization)."""
        ...

    def remove_member(self, team: str, login: str) -> None: ...

    def set_permission(self, login: str, permission: str) -> None:
        """`login`'s permission on the repository becomes `permission` (admin, write, read, none)."""
        ...

    def add_team(self, team: str, members: list[str], permission: str | None = "write") -> None:
        """A new team `example/<team>` granted `permission` on the repository (None: no access)."""
        ...

    def sync(self, number: int) -> SyncResult: ...

    def action_run(self, number: int) -> Report:
        """What one `cab action` run does for an event on PR `number`: its sync, then catching up
        on the other open PRs (whose own runs GitHub's concurrency group may have cancelled)."""
        return self.action_step(action.Step("sync", number, "test"))

    def action_step(self, step: action.Step) -> Report:
        """One `cab action` run of `step`, through the real engine."""
        ...

    def approve_exception(self, path: str = EXCEPTION, *, requester: str = "alice-eng") -> SyncResult: ...

    def sync_crashing_before_merge(self, number: int) -> None:
        """A sync whose process dies after the final record is committed, right before the merge."""
        ...

    def sweep(self, now: dt.datetime) -> ExpiryReport: ...

    def publish_agenda(self, now: dt.datetime) -> AgendaIssue:
        """The scheduled run's agenda step, over a full clone of the history the forge made."""
        ...

    def pinned(self) -> list[int]:
        """Numbers of the issues pinned to the repository."""
        ...

    def pr(self, number: int) -> PullRequest: ...

    def comments(self, number: int) -> list[str]: ...

    def status(self, sha: str) -> str | None: ...

    def main_file(self, path: str) -> bytes | None: ...

    def read_head(self, number: int, path: str) -> bytes:
        """A file at the PR's current head, read as the bot reads it."""
        ...

    def main_message(self) -> str: ...

    def issues(self) -> list[tuple[int, str, str]]:
        """Open issues: number, title, body."""
        ...

    def writes(self) -> object:
        """A fingerprint of everything the bot can write: equal before and after means no write."""
        ...

    def repository(self) -> Path:
        """The git repository an auditor would clone: the history the forge made."""
        ...


def commit_entry(
    git_dir: Path, parent: str, path: str, mode: str, content: bytes, who: tuple[str, str]
) -> str:
    """A commit on `parent` that sets one entry with `mode`, made with git plumbing, as `git push` of a
    `ln -s`, `chmod +x` or `git submodule add` would bring it."""
    env = {**os.environ, "GIT_DIR": str(git_dir), "GIT_INDEX_FILE": str(git_dir / "cab-entry-index")}
    env |= {"GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1]}
    env |= {"GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}

    def git(*args: str, data: bytes | None = None) -> str:
        return subprocess.run(
            ["git", *args], input=data, env=env, check=True, capture_output=True
        ).stdout.decode()

    git("read-tree", parent)
    obj = content.decode() if mode == "160000" else git("hash-object", "-w", "--stdin", data=content).strip()
    git("update-index", "--add", "--cacheinfo", f"{mode},{obj},{path}")
    tree = git("write-tree").strip()
    sha = git("commit-tree", tree, "-p", parent, "-m", f"Add {path}").strip()
    (git_dir / "cab-entry-index").unlink()
    return sha


class SandboxCab(CabRepo):
    def push_main(
        self, files: dict[str, bytes | None], author: str = "alice-eng", message: str = "hotfix"
    ) -> str:
        return self.forge.push(MAIN, files, author=author, message=message)

    def push_forged_decision_merge(self, files: dict[str, bytes | None], message: str) -> str:
        git, main = self.forge.git, self.forge.branch_head(MAIN)
        side, _ = self.forge._write_commit(main, files, "side", "alice-eng", self.email("alice-eng"))
        tree = git.object_id(side, "tree")
        assert tree is not None
        env = self.forge._commit_env(BOT.name, BOT.email)
        sha = git.run("commit-tree", tree, "-p", main, "-p", side, "-m", message, env=env).stdout.strip()
        self.land_on_main(sha)
        return sha

    def land_on_main(self, sha: str) -> None:
        self.forge._move(MAIN, sha, self.forge.branch_head(MAIN))

    def push_entry(self, number: int, path: str, mode: str, content: bytes, author: str = "alice-eng") -> str:
        pr = self.forge.pull_request(number)
        who = (author, f"{author}@users.noreply.sandbox")
        sha = commit_entry(self.forge.git.git_dir(), pr.head_sha, path, mode, content, who)
        self.forge.git.run("update-ref", f"refs/heads/{pr.head_ref}", sha, pr.head_sha)
        self.forge.record_push(sha, author)
        return sha

    identity = BOT

    def review(self, number: int, login: str, state: str = "APPROVED", *, on: str | None = None) -> int:
        return self.forge.review(number, login, state, commit_id=on).id  # type: ignore[arg-type]

    def action_run(self, number: int) -> Report:
        return self.action_step(action.Step("sync", number, "test"))

    def action_step(self, step: action.Step) -> Report:
        return action.execute([step], self.forge, action.load_engine(), now=self.clock(), identity=BOT)

    def comment(self, number: int, login: str, body: str) -> int:
        return self.forge.comment(number, login, body).id

    def edit_comment(self, number: int, comment_id: int, login: str, body: str) -> None:
        self.forge.edit_comment(comment_id, login, body)

    def email(self, login: str) -> str:
        return f"{login}@users.noreply.sandbox"

    def user_id(self, login: str) -> int:
        return self.forge.user(login).id

    def push_as(
        self,
        number: int,
        files: dict[str, bytes | None],
        *,
        pusher: str,
        identity: tuple[str, str] | None = None,
        message: str = "update",
    ) -> str:
        branch = self.forge.pull_request(number).head_ref
        return self.forge.push(
            branch, files, author=pusher, message=message, pusher=pusher, identity=identity
        )

    def add_member(self, team: str, login: str) -> None:
        self.forge.add_member(f"example/{team}", login)

    def remove_member(self, team: str, login: str) -> None:
        self.forge.remove_member(f"example/{team}", login)

    def set_permission(self, login: str, permission: str) -> None:
        self.forge.set_permission(login, permission)

    def add_team(self, team: str, members: list[str], permission: str | None = "write") -> None:
        self.forge.add_team(f"example/{team}", members)
        self.forge.set_team_permission(f"example/{team}", permission)

    def sync_crashing_before_merge(self, number: int) -> None:
        def runner_dies(*_args: object, **_kwargs: object) -> str:
            raise RuntimeError("runner died")

        self.forge.merge = runner_dies  # type: ignore[method-assign]
        try:
            self.sync(number)
        except RuntimeError:
            return
        finally:
            del self.forge.merge
        raise AssertionError("the sync did not reach the merge")

    def sweep(self, now: dt.datetime) -> ExpiryReport:
        return expiry.run(self.forge, now=now, identity=BOT)

    def publish_agenda(self, now: dt.datetime) -> AgendaIssue:
        return agenda_issue.publish(self.forge, self.repository(), now=now, ref=MAIN)

    def pinned(self) -> list[int]:
        return [i["number"] for i in self.forge.issues() if i.get("pinned")]

    def pr(self, number: int) -> PullRequest:
        return self.forge.pull_request(number)

    def comments(self, number: int) -> list[str]:
        return [c.body for c in self.forge.comments(number)]

    def status(self, sha: str) -> str | None:
        found = self.forge.status(sha)
        return None if found is None else found["state"]

    def main_file(self, path: str) -> bytes | None:
        return self.forge.read_file(self.forge.branch_head(MAIN), path)

    def read_head(self, number: int, path: str) -> bytes:
        found = self.forge.read_file(self.forge.pull_request(number).head_sha, path)
        assert found is not None, f"{path} is not on the head of #{number}"
        return found

    def main_message(self) -> str:
        return commit_at(self.forge, MAIN).message

    def issues(self) -> list[tuple[int, str, str]]:
        return [(i["number"], i["title"], i["body"]) for i in self.forge.issues() if i["state"] == "open"]

    def writes(self) -> object:
        return (self.forge._state_path.read_text(), self.forge.git.run("for-each-ref").stdout)

    def repository(self) -> Path:
        return self.forge.git.git_dir()


PEOPLE = {"alice-eng": 201, "bob-cab": 202, "carol-cab": 203, "sec-sam": 204, "mallory": 205}


class GitHubCab:
    """The same repository on the schema-checked fake GitHub, decided through `GitHubForge`
    configured as the shipped workflow configures it: the bot is the token's `github-actions[bot]`."""

    identity = gf.TOKEN_IDENT

    def __init__(self, fake: gf.FakeGitHub, clock: Clock) -> None:
        self.fake = fake
        self.clock = clock
        self.people = {login: fake.add_user(login, uid) for login, uid in PEOPLE.items()}
        self.people["dependabot[bot]"] = fake.add_user("dependabot[bot]", 49699333, "Bot")
        cab = [self.people[login] for login in ("bob-cab", "carol-cab", "dependabot[bot]")]
        fake.add_team("cab", 7001, cab)
        fake.add_team("security", 7002, [self.people["sec-sam"]])
        files = {
            ".github/CODEOWNERS": (DATA / "repo-template/.github/CODEOWNERS").read_bytes(),
            "risk-model/v1.0.yaml": (DATA / "risk-model/v1.0.yaml").read_bytes(),
            SIGNERS_PATH: signers_file(web_flow_signer()),
            "policy/history.yaml": (DATA / "repo-template/policy/history.yaml").read_bytes(),
        }
        fake.refs[MAIN] = fake.commit_tree(files, [], "Initial CAB repository", self.people["sec-sam"])

    def forge(self) -> GitHubForge:
        """A new forge per run: nothing cached from an earlier run, as in a new Action job."""
        forge: GitHubForge = gf.make_forge(identity=self.identity, bot_login=gf.BOT_USER[0])
        return forge

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
        self.fake.refs.setdefault(branch, self.fake.refs[MAIN])
        self.fake.push(branch, files, self.people[author], f"Add {path}")
        for number, pr in self.fake.prs.items():
            if pr["branch"] == branch and not pr["merged"]:
                return number
        number = self.fake.next_number()
        self.fake.open_pr(number, branch, MAIN, self.people[author])
        return number

    def push(self, number: int, files: dict[str, bytes | None], author: str = "alice-eng") -> str:
        return self.fake.push(self.fake.prs[number]["branch"], files, self.people[author])

    def push_main(
        self, files: dict[str, bytes | None], author: str = "alice-eng", message: str = "hotfix"
    ) -> str:
        return self.fake.push(MAIN, files, self.people[author], message)

    def push_forged_decision_merge(self, files: dict[str, bytes | None], message: str) -> str:
        main = self.fake.refs[MAIN]
        side = self.fake.commit_tree(
            self.fake._changed(main, files), [main], "side", self.people["alice-eng"]
        )
        sha = self.fake.api_commit(self.fake._changed(main, files), [main, side], message, signed=False)
        self.land_on_main(sha)
        return sha

    def land_on_main(self, sha: str) -> None:
        self.fake.refs[MAIN] = sha

    def push_entry(self, number: int, path: str, mode: str, content: bytes, author: str = "alice-eng") -> str:
        branch = self.fake.prs[number]["branch"]
        who = self.fake._ident(self.people[author])
        sha = commit_entry(self.fake.git.root, self.fake.refs[branch], path, mode, content, who)
        self.fake.refs[branch] = sha
        return sha

    def review(self, number: int, login: str, state: str = "APPROVED", *, on: str | None = None) -> int:
        head = on or self.fake.refs[self.fake.prs[number]["branch"]]
        return int(self.fake.add_review(number, self.people[login], state, head, self.clock())["id"])

    def comment(self, number: int, login: str, body: str) -> int:
        return int(self.fake.add_comment(number, self.people[login], body, self.clock())["id"])

    def edit_comment(self, number: int, comment_id: int, login: str, body: str) -> None:
        self.fake.edit_comment(number, comment_id, self.people[login], body, self.clock())

    def email(self, login: str) -> str:
        return self.fake._ident(self.people[login])[1]

    def user_id(self, login: str) -> int:
        return int(self.people[login]["id"])

    def push_as(
        self,
        number: int,
        files: dict[str, bytes | None],
        *,
        pusher: str,
        identity: tuple[str, str] | None = None,
        message: str = "update",
    ) -> str:
        """The commit carries `identity`; GitHub's activity list names the account that pushed it."""
        branch = self.fake.prs[number]["branch"]
        person = self.fake._person(*(identity or self.fake._ident(self.people[pusher])))
        parent = self.fake.refs[branch]
        tree = self.fake.git.tree(self.fake._changed(parent, files))
        self.fake.acting = self.people[pusher]
        try:
            self.fake.refs[branch] = self.fake.git.commit(tree, [parent], person, person, message)
        finally:
            self.fake.acting = None
        return self.fake.refs[branch]

    def add_member(self, team: str, login: str) -> None:
        self.fake.teams[team][1].append(self.people[login])

    def remove_member(self, team: str, login: str) -> None:
        members = self.fake.teams[team][1]
        members[:] = [m for m in members if m["login"] != login]

    def set_permission(self, login: str, permission: str) -> None:
        self.fake.permissions[login] = permission

    def add_team(self, team: str, members: list[str], permission: str | None = "write") -> None:
        self.fake.add_team(team, 7100 + len(self.fake.teams), [self.people[login] for login in members])
        self.fake.team_permissions[team] = permission

    def sync(self, number: int) -> SyncResult:
        return sync(self.forge(), number, now=self.clock(), identity=self.identity)

    def action_run(self, number: int) -> Report:
        return self.action_step(action.Step("sync", number, "test"))

    def action_step(self, step: action.Step) -> Report:
        forge, engine = self.forge(), action.load_engine()
        return action.execute([step], forge, engine, now=self.clock(), identity=self.identity)

    def approve_exception(self, path: str = EXCEPTION, *, requester: str = "alice-eng") -> SyncResult:
        number = self.submit(path, author=requester)
        self.sync(number)  # on `opened`: the pending record snapshots the team a review must be from
        self.review(number, "sec-sam")
        return self.sync(number)

    def sync_crashing_before_merge(self, number: int) -> None:
        self.fake.crash_before(r"^PUT .*/pulls/\d+/merge$")
        try:
            self.sync(number)
        except gf.Crash:
            return
        finally:
            self.fake.crash_before(None)
        raise AssertionError("the sync did not reach the merge")

    def sweep(self, now: dt.datetime) -> ExpiryReport:
        return expiry.run(self.forge(), now=now, identity=self.identity)

    def publish_agenda(self, now: dt.datetime) -> AgendaIssue:
        return agenda_issue.publish(self.forge(), self.repository(), now=now, ref=MAIN)

    def pinned(self) -> list[int]:
        return list(self.fake.pinned)

    def pr(self, number: int) -> PullRequest:
        return self.forge().pull_request(number)

    def comments(self, number: int) -> list[str]:
        return [c.body for c in self.forge().comments(number)]

    def status(self, sha: str) -> str | None:
        states = [state for at, state in self.fake.statuses if at == sha]
        return states[-1] if states else None

    def main_file(self, path: str) -> bytes | None:
        forge = self.forge()
        return forge.read_file(forge.branch_head(MAIN), path)

    def read_head(self, number: int, path: str) -> bytes:
        forge = self.forge()
        found = forge.read_file(forge.pull_request(number).head_sha, path)
        assert found is not None, f"{path} is not on the head of #{number}"
        return found

    def main_message(self) -> str:
        return self.fake.commits[self.fake.refs[MAIN]][2]

    def issues(self) -> list[tuple[int, str, str]]:
        return [(n, i["title"], i["body"]) for n, i in self.fake.issues.items() if i["state"] == "open"]

    def writes(self) -> object:
        return tuple(self.fake.writes())

    def repository(self) -> Path:
        return self.fake.git.root


def make_cab(kind: str, tmp_path: Path) -> Iterator[Cab]:
    """A fresh CAB repository on the named forge (a generator: the GitHub one needs its mock open)."""
    if kind == "sandbox":
        repo = make_cab_repo(tmp_path / "repo")
        yield SandboxCab(repo.forge, repo.clock)
        return
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield GitHubCab(gf.FakeGitHub(rsps), Clock())


def _audit(cab: Cab, report: Path) -> int:
    """`cab audit` of main as an auditor runs it, at the scenario's time; its exit code."""
    from bot.cli import main

    with pytest.MonkeyPatch.context() as env:  # the audit checks decisions against the bot's identity
        env.setenv("CAB_BOT_NAME", cab.identity.name)
        env.setenv("CAB_BOT_EMAIL", cab.identity.email)
        at = cab.clock.now.isoformat()  # overdue retro-reviews are judged at the scenario's time
        return main(
            [
                "audit",
                "--repo",
                str(cab.repository()),
                "--ref",
                MAIN,
                "--at",
                at,
                "--format",
                "text",
                "-o",
                str(report),
            ]
        )


def assert_audits_clean(cab: Cab, report: Path) -> None:
    """What an auditor sees afterwards: `cab audit` finds nothing on main, and `cab verify` passes
    every change main records as approved (at the scenario's time, as a deployment then would)."""
    from bot.adapters.git.blobs import GitBlobs
    from bot.domain.models.decision import APPROVING_OUTCOMES
    from bot.services.queries import decided, verify_change

    code = _audit(cab, report)
    assert code == 0, f"cab audit exited {code} on the {type(cab).__name__} history:\n{report.read_text()}"
    blobs = GitBlobs.open(cab.repository())
    for entry in decided(blobs, MAIN):
        if entry.kind == "change" and entry.outcome in APPROVING_OUTCOMES:
            verdict = verify_change(blobs, MAIN, entry.id, cab.clock.now, cab.identity)
            assert verdict.ok, f"cab verify {entry.id}: {verdict.reason}"


def make_github_cab(tmp_path: Path) -> Iterator[GitHubCab]:
    """`make_cab("github", ...)`, typed: for scenarios that drive the fake GitHub itself."""
    for made in make_cab("github", tmp_path):
        assert isinstance(made, GitHubCab)
        yield made


def make_cab_whose_audit_finds(kind: str, tmp_path: Path, codes: list[str]) -> Iterator[Cab]:
    """`make_cab`, then `assert_audit_finds(codes)` once the scenario is done."""
    for made in make_cab(kind, tmp_path):
        yield made
        assert_audit_finds(made, tmp_path / "audit.txt", codes)


def assert_audit_finds(cab: Cab, report: Path, codes: list[str]) -> None:
    """`cab audit` of main reports exactly these findings (by code), for a scenario that makes them."""
    from bot.domain.findings import RULES

    code = _audit(cab, report)
    text = report.read_text()
    found = [line.split()[0] for line in text.splitlines() if line and line.split()[0] in RULES]
    assert (code, found) == (1, codes), text


def record_of(cab: Cab, path: str) -> Any:
    from bot.domain.rules import records

    raw = cab.main_file(path)
    assert raw is not None, f"{path} is not on main"
    return records.parse(raw, path).model
