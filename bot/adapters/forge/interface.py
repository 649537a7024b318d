"""What the lifecycle needs from a code host, and nothing more.

Two implementations hold to this one contract: the sandbox forge (a local git repository, for
`cab demo` and end-to-end tests) and the GitHub forge (PyGithub). The domain never knows which
one it runs on. Values are frozen dataclasses so a policy evaluation sees one consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from bot.domain.errors import CabError
from bot.domain.git_objects import CommitHeader
from bot.domain.pull_request import ChangedFile, Comment, Commit, PullRequest, Review, Team


class ForgeError(CabError):
    """The code host failed or refused; message says what was being done."""

    exit_code = 3


class NotARegularFile(ForgeError):
    """A governed path at a commit is a symlink, a submodule, a directory, an executable or a blob
    that cannot be read: never followed, and the pull request is refused, not crashed."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path} {why}; governed files must be regular files")
        self.path = path
        self.why = why


class HeadMovedError(ForgeError):
    """The PR head is no longer the sha we evaluated: re-sync, never merge blindly."""


class BaseMovedError(ForgeError):
    """Another decision landed on the base since this one read its previous record: re-sync, so
    the record chains onto the newest one (two records naming the same previous fork the chain)."""


class Forge(Protocol):
    """A code host seen through the eyes of a change-approval bot.

    Reads take explicit shas so a decision is evaluated on one fixed snapshot. Every write is
    idempotent: repeating it with the same arguments leaves the same state.
    """

    # --- reads -------------------------------------------------------------------------------
    def pull_request(self, number: int) -> PullRequest: ...

    def commits(self, number: int) -> Sequence[Commit]:
        """Every commit of the PR (all pages), oldest first."""
        ...

    def changed_files(self, number: int) -> Sequence[ChangedFile]:
        """Every file the PR changes relative to its merge base; fails closed if truncated."""
        ...

    def reviews(self, number: int) -> Sequence[Review]:
        """Every review (all pages), in submission order."""
        ...

    def comments(self, number: int) -> Sequence[Comment]:
        """Every issue comment on the PR (all pages), with each comment's current body."""
        ...

    def team(self, slug: str) -> Team | None:
        """The team and its current members, or None if no such team exists."""
        ...

    def permission(self, login: str) -> str | None:
        """The account's permission on this repository (`admin`, `write`, `read` or `none`; GitHub
        maps maintain to write and triage to read), or None if no such account exists."""
        ...

    def team_permission(self, slug: str) -> str | None:
        """The `org/team`'s permission on this repository (`admin`, `maintain`, `write`, `triage`
        or `read`), or None if it has none (or there is no such team)."""
        ...

    @property
    def bot_login(self) -> str | None:
        """The account the bot's commits are linked to, when the forge knows it."""
        ...

    def read_file(self, sha: str, path: str) -> bytes | None:
        """A regular file's blob at a commit, or None if absent. A symlink, a submodule, a directory,
        an unreadable blob, or an executable governed file raises NotARegularFile."""
        ...

    def last_commit(self, sha: str, path: str) -> Commit | None:
        """The newest commit reachable from `sha` that changed `path`: who wrote what is there."""
        ...

    def commit_header(self, sha: str) -> CommitHeader:
        """The commit as git stores it: parents, author, committer, message, and its signature with
        the bytes it signs, so the bot checks a tip with the audit's own rule and keys."""
        ...

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        """Paths of all regular files under `directory` at a commit, recursively."""
        ...

    def diff_paths(self, base_sha: str, head_sha: str) -> Sequence[str]:
        """Paths whose content differs between two commits (both sides of renames)."""
        ...

    def branch_head(self, branch: str) -> str: ...

    def latest_decision_sha256(self, sha: str) -> str | None:
        """`Cab-Record-Sha256` trailer of the newest CAB merge reachable by first parents from `sha`."""
        ...

    # --- writes ------------------------------------------------------------------------------
    def set_risk_label(self, number: int, label: str) -> None:
        """Make `label` the PR's only `risk:*` label; other labels are left alone."""
        ...

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        """Create, or edit in place, the one bot comment that contains `marker`."""
        ...

    def request_team_reviews(self, number: int, slugs: Sequence[str]) -> None:
        """Ask the teams (`org/team` slugs) to review the PR; asking a team already asked changes nothing."""
        ...

    def set_status(self, sha: str, state: Literal["pending", "success", "failure"], description: str) -> None:
        """The `cab/decision` commit status on a sha."""
        ...

    def commit_files(
        self, number: int, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        """Commit to the PR branch as the bot (None deletes). Raises HeadMovedError if the branch
        is not at `expected_head`. Returns the new head sha; returns `expected_head` unchanged if
        the files already have that content."""
        ...

    def merge(self, number: int, sha: str, title: str, message: str, *, base: str | None = None) -> str:
        """Merge exactly `sha` (else HeadMovedError) with a merge commit; returns the merge sha.
        `base`: the base commit the decision's record chained onto; where the forge can make the
        merge conditional on it, a moved base raises BaseMovedError instead of forking the chain."""
        ...

    def open_pull_requests(self, limit: int) -> Sequence[int]:
        """Numbers of at most `limit` open PRs, most recently updated first."""
        ...

    def upsert_issue(self, marker: str, title: str, body: str, *, label: str = "cab-expiry") -> int:
        """Create, or edit in place, the one open bot issue whose body contains `marker`; a new
        issue gets `label` (the forge may look for the issue by it)."""
        ...

    def pin_issue(self, number: int) -> None:
        """Pin the issue to the repository; pinning a pinned issue changes nothing."""
        ...

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int:
        """Open a PR from branch `head`, or return the number of the open one that exists."""
        ...
