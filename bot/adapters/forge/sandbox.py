"""The Forge interface backed by a local git repository: the lifecycle with no network.

Branches, commits and merges are real git objects, made with git plumbing through the one git
adapter (`bot.adapters.git.process.Git`): a private index per commit, `merge-tree --write-tree`
for merges, `update-ref` with the expected old value so a moved branch is detected exactly as
GitHub's `sha=` guard would. Pull requests, reviews, comments, labels, statuses, users and teams
live in `.git/cab-sandbox.json`.

Every commit the bot makes here (record commits, decision merges) is signed with the sandbox's own
SSH key (ed25519, made when the sandbox is created), as git signs with `gpg.format=ssh`. The
private key lives in `.git/`, outside the work tree, so it can never be committed; its public half
goes into `policy/signers.yaml` of the bootstrap commit (`bootstrap_files`), which is what the
audit trusts.

It also offers what GitHub's UI offers humans (push as a user, open a PR, review, comment), so
`cab demo` and end-to-end tests can act out every role.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from bot.adapters.forge.interface import BaseMovedError, ForgeError, HeadMovedError, NotARegularFile
from bot.adapters.git.blobs import GitBlobs, NotAFile, RepositoryError
from bot.adapters.git.process import Git
from bot.domain.git_objects import CommitHeader
from bot.domain.identity import BotIdentity
from bot.domain.layout import SIGNERS_PATH, is_governed
from bot.domain.models.signers import CommitSigner, signers_yaml
from bot.domain.pull_request import ChangedFile, Comment, Commit, PullRequest, Review, ReviewState, Team, User
from bot.domain.rules import chain
from bot.domain.rules.authorship import co_authors

STATE_FILE = "cab-sandbox.json"
SIGNING_KEY = "cab-sandbox-signing-key"  # in the git directory; `.pub` beside it
Clock = Callable[[], dt.datetime]


def _email(login: str) -> str:
    return f"{login}@users.noreply.sandbox"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class SandboxForge:
    """A code host in a directory. Not thread-safe; one process at a time, like a CI runner."""

    def __init__(self, path: Path, identity: BotIdentity, clock: Clock) -> None:
        self.path = path
        self.identity = identity
        self.clock = clock
        self.git = Git(path, RepositoryError)
        if not self.git.is_repository():
            raise RepositoryError(f"{path}: not a git repository")
        self._blobs = GitBlobs(self.git)
        self._state_path = self.git.git_dir() / STATE_FILE
        if not self._state_path.exists():
            raise ForgeError(
                f"{path} is not a sandbox forge (no {STATE_FILE}); create one with SandboxForge.create"
            )
        bot = self.user_by_email(identity.email)
        if bot is None:
            raise ForgeError("the sandbox has no account for the bot identity")
        self.bot = bot

    # --- setup -------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, identity: BotIdentity, clock: Clock, *, branch: str = "main") -> SandboxForge:
        path.mkdir(parents=True, exist_ok=True)
        repo = Git(path, ForgeError)
        repo.run("init", "--quiet", f"--initial-branch={branch}")
        repo.run("config", "user.name", "sandbox")  # local identity for the demo user's own checkouts
        repo.run("config", "user.email", "sandbox@users.noreply.sandbox")
        bot = {"login": "cab-bot[bot]", "id": 41898282, "bot": True, "email": identity.email}
        state = {
            "users": [bot],
            "teams": [],
            "prs": [],
            "reviews": [],
            "comments": [],
            "statuses": {},
            "next_id": 1000,
        }
        (repo.git_dir() / STATE_FILE).write_text(json.dumps(state, indent=2))
        forge = cls(path, identity, clock)
        forge.signing_key()
        return forge

    # --- signing -----------------------------------------------------------------------------
    def signing_key(self) -> Path:
        """The private key the bot signs with (made on first use), kept in the git directory."""
        key = self.git.git_dir() / SIGNING_KEY
        if not key.exists():
            new_signing_key(key, f"cab sandbox {self.identity.email}")
        return key

    def public_key(self) -> str:
        """The bot's public key as one OpenSSH line."""
        return self.signing_key().with_suffix(".pub").read_text().strip()

    def bootstrap_files(self) -> dict[str, bytes]:
        """What the repository's first commit must hold for the bot's signatures to be trusted:
        `policy/signers.yaml` with this sandbox's key for the bot's e-mail."""
        signer = CommitSigner(
            name="sandbox forge", format="ssh", public_key=self.public_key(), principals=[self.identity.email]
        )
        return {SIGNERS_PATH: signers_yaml([signer]).encode()}

    def _signed(self, *args: str) -> tuple[str, ...]:
        """A git command that signs what it commits with the sandbox key, through
        bot.adapters.git.ssh_sign_program rather than the machine's `ssh-keygen -Y sign`: that one
        may be missing, or too old to sign (OpenSSH before 8.2), and the sandbox made its key itself."""
        key = self.signing_key()
        program = f"gpg.ssh.program={ssh_sign_program(key)}"
        return (
            "-c",
            "gpg.format=ssh",
            "-c",
            f"user.signingkey={key}",
            "-c",
            program,
            *args[:1],
            "-S",
            *args[1:],
        )

    def _load(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._state_path.read_text())
        return data

    def _save(self, state: dict[str, Any]) -> None:
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
        os.replace(tmp, self._state_path)  # atomic: a crash never leaves half a state file

    def _next_id(self, state: dict[str, Any]) -> int:
        state["next_id"] += 1
        return int(state["next_id"])

    def add_user(self, login: str, *, bot: bool = False) -> User:
        state = self._load()
        for user in state["users"]:
            if user["login"] == login:
                return User(user["login"], user["id"], user["bot"])
        user_id = self._next_id(state)
        state["users"].append({"login": login, "id": user_id, "bot": bot, "email": _email(login)})
        self._save(state)
        return User(login, user_id, bot)

    def add_team(self, slug: str, members: Sequence[str]) -> Team:
        state = self._load()
        state["teams"] = [t for t in state["teams"] if t["slug"] != slug.lower()]
        state["teams"].append({"slug": slug.lower(), "id": self._next_id(state), "members": list(members)})
        self._save(state)
        team = self.team(slug)
        assert team is not None
        return team

    def add_member(self, slug: str, login: str) -> None:
        """`login` joins an existing team, which keeps its id."""
        state = self._load()
        for team in state["teams"]:
            if team["slug"] == slug.lower() and login not in team["members"]:
                team["members"].append(login)
        self._save(state)

    def remove_member(self, slug: str, login: str) -> None:
        state = self._load()
        for team in state["teams"]:
            if team["slug"] == slug.lower():
                team["members"] = [m for m in team["members"] if m != login]
        self._save(state)

    def user(self, login: str) -> User:
        for user in self._load()["users"]:
            if user["login"] == login:
                return User(user["login"], user["id"], user["bot"])
        raise ForgeError(f"no sandbox user {login!r}")

    def user_by_email(self, email: str) -> User | None:
        for user in self._load()["users"]:
            if user["email"].lower() == email.lower():
                return User(user["login"], user["id"], user["bot"])
        return None

    # --- git plumbing ------------------------------------------------------------------------
    @contextmanager
    def _index(self, parent: str | None) -> Iterator[dict[str, str]]:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git.run("read-tree", *([parent] if parent else ["--empty"]), env=env)
            yield env

    def _commit_env(self, name: str, email: str) -> dict[str, str]:
        when = _iso(self.clock())
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": when,
        }

    def _write_commit(
        self,
        parent: str | None,
        files: Mapping[str, bytes | None],
        message: str,
        name: str,
        email: str,
        *,
        sign: bool = False,
    ) -> tuple[str, str | None]:
        """Create a commit on top of parent; returns (new sha, parent tree) without moving refs."""
        with self._index(parent) as env:
            for path, content in files.items():
                if content is None:
                    self.git.run("update-index", "--force-remove", "--", path, env=env)
                    continue
                blob = self.git.run("hash-object", "-w", "--stdin", input=content).stdout.strip()
                self.git.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self.git.run("write-tree", env=env).stdout.strip()
        parent_tree = self.git.object_id(parent, "tree") if parent else None
        if tree == parent_tree:
            assert parent is not None
            return parent, parent_tree
        args = ("commit-tree", tree, "-m", message, *(["-p", parent] if parent else []))
        command = self._signed(*args) if sign else args
        sha = self.git.run(*command, env={**env, **self._commit_env(name, email)}).stdout.strip()
        return sha, parent_tree

    def _head(self, branch: str) -> str | None:
        done = self.git.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def _move(self, branch: str, new: str, old: str | None) -> None:
        if self.git.run("update-ref", f"refs/heads/{branch}", new, old or "0" * 40, check=False).returncode:
            raise HeadMovedError(f"branch {branch} moved while committing")

    def push(
        self,
        branch: str,
        files: Mapping[str, bytes | None],
        *,
        author: str,
        message: str,
        start: str | None = None,
        pusher: str | None = None,
        identity: tuple[str, str] | None = None,
    ) -> str:
        """What a human's `git push` would do: one commit by `author` on `branch`, pushed by
        `pusher` (default: the author), written as git `identity` (name, e-mail; default: the
        author's own), which is what anyone can type into `git config user.email`."""
        parent = self._head(branch) or (self._head(start) if start else None)
        user = self.user(author)
        name, email = identity or (user.login, _email(user.login))
        sha, _ = self._write_commit(parent, files, message, name, email)
        self._move(branch, sha, self._head(branch))
        self.record_push(sha, pusher or author)
        return sha

    def record_push(self, sha: str, login: str) -> None:
        """Remember who pushed a commit: the sandbox, unlike GitHub's API, can tell."""
        state = self._load()
        state.setdefault("pushers", {})[sha] = login
        self._save(state)

    def _pusher(self, state: dict[str, Any], sha: str) -> User | None:
        login = state.get("pushers", {}).get(sha)
        return None if login is None else self.user(login)

    # --- human actions -----------------------------------------------------------------------
    def open_pr(self, head: str, base: str, title: str, author: str) -> int:
        state = self._load()
        for pr in state["prs"]:
            if pr["head"] == head and pr["state"] == "open":
                return int(pr["number"])
        number = len(state["prs"]) + 1
        state["prs"].append(
            {
                "number": number,
                "head": head,
                "base": base,
                "title": title,
                "author": author,
                "state": "open",
                "labels": [],
                "merged_head": None,
            }
        )
        self._save(state)
        return number

    def review(
        self, number: int, login: str, state: ReviewState, *, commit_id: str | None = None, body: str = ""
    ) -> Review:
        data = self._load()
        sha = commit_id or self.pull_request(number).head_sha
        record = {
            "id": self._next_id(data),
            "number": number,
            "login": login,
            "state": state,
            "commit_id": sha,
            "at": _iso(self.clock()),
            "body": body,
        }
        data["reviews"].append(record)
        self._save(data)
        return self._review(record)

    def comment(self, number: int, login: str, body: str) -> Comment:
        data = self._load()
        now = _iso(self.clock())
        record = {
            "id": self._next_id(data),
            "number": number,
            "login": login,
            "body": body,
            "created": now,
            "updated": now,
        }
        data["comments"].append(record)
        self._save(data)
        return self._comment(record)

    def edit_comment(self, comment_id: int, login: str, body: str) -> Comment:
        """`login` edits a comment, as a maintainer may edit anyone's comment on GitHub."""
        data = self._load()
        for record in data["comments"]:
            if record["id"] == comment_id:
                record["body"], record["updated"] = body, _iso(self.clock())
                record.setdefault("editors", []).append(login)
                self._save(data)
                return self._comment(record)
        raise ForgeError(f"no comment {comment_id}")

    def labels(self, number: int) -> tuple[str, ...]:
        return self.pull_request(number).labels

    def status(self, sha: str) -> dict[str, str] | None:
        found: dict[str, str] | None = self._load()["statuses"].get(sha)
        return found

    # --- Forge: reads ------------------------------------------------------------------------
    def _pr_record(self, state: dict[str, Any], number: int) -> dict[str, Any]:
        for pr in state["prs"]:
            if pr["number"] == number:
                return dict(pr)
        raise ForgeError(f"no pull request #{number}")

    def pull_request(self, number: int) -> PullRequest:
        record = self._pr_record(self._load(), number)
        head = record["merged_head"] or self._head(record["head"])
        base = self._head(record["base"])
        if head is None or base is None:
            raise ForgeError(f"pull request #{number}: a branch is missing")
        return PullRequest(
            number=number,
            title=record["title"],
            author=self.user(record["author"]),
            head_sha=head,
            head_ref=record["head"],
            base_sha=base,
            base_ref=record["base"],
            state=record["state"],
            labels=tuple(record["labels"]),
        )

    def _merge_base(self, pr: PullRequest) -> str:
        # a merged PR's files stay what they were against the base it merged into, as on GitHub
        merged_into = self._pr_record(self._load(), pr.number).get("merged_base")
        return self.git.run("merge-base", merged_into or pr.base_sha, pr.head_sha).stdout.strip()

    def commits(self, number: int) -> Sequence[Commit]:
        pr = self.pull_request(number)
        span = f"{self._merge_base(pr)}..{pr.head_sha}"
        out = self.git.run("log", "--reverse", "--format=%H%x00%ae%x00%ce%x00%B%x1e", span, "--").text
        state = self._load()
        commits = []
        for entry in out.split("\x1e"):
            if not entry.strip():
                continue
            sha, author, committer, message = entry.strip("\n").split("\x00", 3)
            commits.append(
                Commit(
                    sha,
                    self.user_by_email(author),
                    self.user_by_email(committer),
                    author,
                    committer,
                    message,
                    linked=self._linked(message),
                    pushers=tuple(p for p in [self._pusher(state, sha)] if p is not None),
                )
            )
        return commits

    def _linked(self, message: str) -> tuple[tuple[str, User], ...]:
        """The sandbox users whose e-mails the message's `Co-authored-by:` lines name."""
        found = []
        for _text, email in co_authors(message):
            user = self.user_by_email(email) if email else None
            if email and user is not None:
                found.append((email.lower(), user))
        return tuple(found)

    def changed_files(self, number: int) -> Sequence[ChangedFile]:
        pr = self.pull_request(number)
        out = self.git.run("diff", "--name-status", "-M", "-z", self._merge_base(pr), pr.head_sha, "--").text
        parts = [p for p in out.split("\x00") if p]
        files = []
        i = 0
        statuses: dict[str, Literal["added", "modified", "removed"]] = {
            "A": "added",
            "M": "modified",
            "D": "removed",
            "T": "modified",
        }
        while i < len(parts):
            code = parts[i]
            if code.startswith(("R", "C")):
                files.append(
                    ChangedFile(parts[i + 2], "renamed" if code[0] == "R" else "added", parts[i + 1])
                )
                i += 3
            else:
                files.append(ChangedFile(parts[i + 1], statuses.get(code[0], "modified")))
                i += 2
        return files

    def _review(self, record: dict[str, Any]) -> Review:
        return Review(
            record["id"],
            self.user(record["login"]),
            record["state"],
            record["commit_id"],
            _time(record["at"]),
            record["body"],
        )

    def reviews(self, number: int) -> Sequence[Review]:
        return [self._review(r) for r in self._load()["reviews"] if r["number"] == number]

    def _comment(self, record: dict[str, Any]) -> Comment:
        return Comment(
            record["id"],
            self.user(record["login"]),
            record["body"],
            _time(record["created"]),
            _time(record["updated"]),
            editors=tuple(self.user(login) for login in record.get("editors", [])),
        )

    def comments(self, number: int) -> Sequence[Comment]:
        return [self._comment(c) for c in self._load()["comments"] if c["number"] == number]

    def permission(self, login: str) -> str | None:
        """Every sandbox account may write unless `set_permission` said otherwise."""
        for user in self._load()["users"]:
            if user["login"].lower() == login.lower():
                return str(user.get("permission", "write"))
        return None

    def set_permission(self, login: str, permission: str) -> None:
        state = self._load()
        for user in state["users"]:
            if user["login"] == login:
                user["permission"] = permission
        self._save(state)

    def team_permission(self, slug: str) -> str | None:
        """Every sandbox team may write unless `set_team_permission` said otherwise."""
        for team in self._load()["teams"]:
            if team["slug"] == slug.lower():
                found = team.get("permission", "write")
                return None if found is None else str(found)
        return None

    def set_team_permission(self, slug: str, permission: str | None) -> None:
        state = self._load()
        for team in state["teams"]:
            if team["slug"] == slug.lower():
                team["permission"] = permission
        self._save(state)

    def team(self, slug: str) -> Team | None:
        for team in self._load()["teams"]:
            if team["slug"] == slug.lower():
                return Team(team["slug"], team["id"], tuple(self.user(m) for m in team["members"]))
        return None

    @property
    def bot_login(self) -> str:
        return self.bot.login

    def read_file(self, sha: str, path: str) -> bytes | None:
        try:
            return self._blobs.read_file(sha, path, plain=is_governed(path))
        except NotAFile as exc:
            raise NotARegularFile(exc.path, exc.why) from None
        except RepositoryError as exc:
            raise ForgeError(str(exc)) from None

    def last_commit(self, sha: str, path: str) -> Commit | None:
        out = self.git.run("log", "-1", "--format=%H%x00%P%x00%ae%x00%ce%x00%B", sha, "--", path).stdout
        if not out.strip():
            return None
        found, parents, author, committer, message = out.strip("\n").split("\x00", 4)
        return Commit(
            found,
            self.user_by_email(author),
            self.user_by_email(committer),
            author,
            committer,
            message,
            parents=tuple(parents.split()),
        )

    def commit_header(self, sha: str) -> CommitHeader:
        try:
            return self._blobs.commit(sha)
        except RepositoryError as exc:
            raise ForgeError(str(exc)) from None

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        return self._blobs.list_files(sha, directory)

    def diff_paths(self, base_sha: str, head_sha: str) -> Sequence[str]:
        out = self.git.run("diff", "--name-only", "--no-renames", "-z", base_sha, head_sha, "--").text
        return [p for p in out.split("\x00") if p]

    def branch_head(self, branch: str) -> str:
        head = self._head(branch)
        if head is None:
            raise ForgeError(f"no branch {branch!r}")
        return head

    def latest_decision_sha256(self, sha: str) -> str | None:
        log = ("log", "--first-parent", "--merges", "--format=%ce%x00%P%x00%B%x1e", "--end-of-options", sha)
        with self.git.stream(*log) as process:
            stdout, stderr = process.stdout, process.stderr
            assert stdout is not None
            assert stderr is not None
            buffer = ""
            for chunk in iter(lambda: stdout.read(65536), b""):
                buffer += chunk.decode("utf-8", errors="replace")
                *entries, buffer = buffer.split("\x1e")
                for entry in entries:
                    committer, parents, message = entry.strip("\n").split("\x00", 2)
                    found = chain.record_sha256_of_merge(message, len(parents.split()))
                    if found and committer.lower() == self.identity.email.lower():
                        process.kill()
                        return found
            if process.wait() != 0:
                raise ForgeError(f"git log failed: {stderr.read().decode('utf-8', 'replace').strip()}")
        return None

    # --- Forge: writes -----------------------------------------------------------------------
    def set_risk_label(self, number: int, label: str) -> None:
        state = self._load()
        for pr in state["prs"]:
            if pr["number"] == number:
                keep = [lab for lab in pr["labels"] if not lab.startswith("risk:")]
                pr["labels"] = [*keep, label]
        self._save(state)

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        state = self._load()
        now = _iso(self.clock())
        for comment in state["comments"]:
            if (
                comment["number"] == number
                and comment["login"] == self.bot.login
                and marker in comment["body"]
            ):
                if comment["body"] != body:
                    comment["body"], comment["updated"] = body, now
                    self._save(state)
                return
        state["comments"].append(
            {
                "id": self._next_id(state),
                "number": number,
                "login": self.bot.login,
                "body": body,
                "created": now,
                "updated": now,
            }
        )
        self._save(state)

    def request_team_reviews(self, number: int, slugs: Sequence[str]) -> None:
        state = self._load()
        for pr in state["prs"]:
            if pr["number"] == number:
                asked = pr.setdefault("requested_teams", [])
                asked += [slug for slug in slugs if slug not in asked]
        self._save(state)

    def requested_teams(self, number: int) -> tuple[str, ...]:
        return tuple(self._pr_record(self._load(), number).get("requested_teams", ()))

    def set_status(self, sha: str, state: Literal["pending", "success", "failure"], description: str) -> None:
        data = self._load()
        data["statuses"][sha] = {"context": "cab/decision", "state": state, "description": description}
        self._save(data)

    def commit_files(
        self, number: int, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        pr = self.pull_request(number)
        current = self._head(pr.head_ref)
        if current != expected_head:
            raise HeadMovedError(f"#{number}: head is {str(current)[:7]}, expected {expected_head[:7]}")
        sha, _ = self._write_commit(
            expected_head, files, message, self.identity.name, self.identity.email, sign=True
        )
        if sha != expected_head:
            self._move(pr.head_ref, sha, expected_head)
            self.record_push(sha, self.bot.login)
        return sha

    def ensure_branch(self, branch: str, from_sha: str) -> str:
        """The branch's head, creating the branch at `from_sha` if it does not exist yet (as GitHub's)."""
        current = self._head(branch)
        if current is not None:
            return current
        self._move(branch, from_sha, None)
        return from_sha

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        """Commit to a branch of the bot's own as the bot, signed (as GitHub's createCommitOnBranch)."""
        current = self._head(branch)
        if current != expected_head:
            raise HeadMovedError(f"{branch}: head is {str(current)[:7]}, expected {expected_head[:7]}")
        sha, _ = self._write_commit(
            expected_head, files, message, self.identity.name, self.identity.email, sign=True
        )
        if sha != expected_head:
            self._move(branch, sha, expected_head)
            self.record_push(sha, self.bot.login)
        return sha

    def merge(self, number: int, sha: str, title: str, message: str, *, base: str | None = None) -> str:
        pr = self.pull_request(number)
        if pr.state != "open":
            raise ForgeError(f"#{number} is {pr.state}")
        if pr.head_sha != sha:
            raise HeadMovedError(f"#{number}: head is {pr.head_sha[:7]}, not the evaluated {sha[:7]}")
        if base is not None and pr.base_sha != base:
            raise BaseMovedError(f"#{number}: {pr.base_ref} is at {pr.base_sha[:7]}, not {base[:7]}")
        merged = self.git.run("merge-tree", "--write-tree", pr.base_sha, sha, check=False)
        if merged.returncode != 0:
            raise ForgeError(f"#{number} does not merge cleanly into {pr.base_ref}")
        tree = merged.stdout.splitlines()[0]
        env = self._commit_env(self.identity.name, self.identity.email)
        parents = ("-p", pr.base_sha, "-p", sha)
        command = self._signed("commit-tree", tree, *parents, "-m", message)
        merge_sha = self.git.run(*command, env=env).stdout.strip()
        try:
            self._move(pr.base_ref, merge_sha, pr.base_sha)  # compare-and-swap: another merge may win
        except HeadMovedError as exc:
            raise BaseMovedError(f"#{number}: {pr.base_ref} moved while merging") from exc
        self.record_push(merge_sha, self.bot.login)
        state = self._load()
        for record in state["prs"]:
            if record["number"] == number:
                record["state"], record["merged_head"], record["merged_base"] = "merged", sha, pr.base_sha
        self._save(state)
        return merge_sha

    def upsert_issue(self, marker: str, title: str, body: str, *, label: str = "cab-expiry") -> int:
        state = self._load()
        issues = state.setdefault("issues", [])
        for issue in issues:
            if issue["state"] == "open" and marker in issue["body"]:
                if (issue["title"], issue["body"]) != (title, body):
                    issue["title"], issue["body"] = title, body
                    self._save(state)
                return int(issue["number"])
        number = 10_000 + len(issues) + 1
        issues.append({"number": number, "title": title, "body": body, "state": "open", "labels": [label]})
        self._save(state)
        return number

    def pin_issue(self, number: int) -> None:
        state = self._load()
        for issue in state.get("issues", []):
            if issue["number"] == number:
                if not issue.get("pinned"):
                    issue["pinned"] = True
                    self._save(state)
                return
        raise ForgeError(f"no issue #{number} to pin")

    def issues(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._load().get("issues", [])
        return found

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int:
        return self.open_pr(head, base, title, self.bot.login)

    def pull_request_numbers(self) -> list[int]:
        """Every pull request's number, oldest first (`cab sandbox list`)."""
        return [int(pr["number"]) for pr in self._load()["prs"]]

    def open_pull_requests(self, limit: int) -> Sequence[int]:
        """Open PRs, newest first (the sandbox keeps no update times)."""
        numbers = [int(r["number"]) for r in self._load()["prs"] if r["state"] == "open"]
        return sorted(numbers, reverse=True)[:limit]


def ssh_sign_program(key: Path) -> Path:
    """An executable beside the key that runs bot.adapters.git.ssh_sign_program with this Python
    (git runs `gpg.ssh.program` as one program, without a shell); written once."""
    launcher = key.with_name("cab-ssh-sign")
    if not launcher.exists():
        body = "from bot.adapters.git.ssh_sign_program import main\nraise SystemExit(main())\n"
        launcher.write_text(f"#!{sys.executable}\n{body}")
        launcher.chmod(0o755)
    return launcher


def new_signing_key(path: Path, comment: str) -> None:
    """An ed25519 key pair in OpenSSH's formats (what `ssh-keygen -t ed25519` writes), the private
    half readable by its owner only, as ssh-keygen requires before it signs with it."""
    from cryptography.hazmat.primitives import serialization  # only when a sandbox is made
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    secret = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    path.with_suffix(".pub").write_bytes(public + f" {comment}\n".encode())
