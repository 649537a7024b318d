"""The Forge on GitHub: one client, the reads over it, and the writes over both.

- `github_client`: credentials, PyGithub's retrying `Requester`, REST calls and pages, GraphQL,
  GitHub's refusals as ForgeErrors: every HTTP call goes through it;
- `github_reads`: the two-request snapshot (`github_graphql`), files at commits, teams, history,
  and REST where GraphQL cannot answer in one page; cached for the run;
- `github_writes`: labels, the comment, statuses, record commits, the merge, issues, branches, PRs;
  each compares with what the reads found first, so a repeated run converges.

One forge object serves one run (one Action job).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from github import Auth

from bot.adapters.forge.github_client import DEFAULT_API_URL, GitHubClient, auth_from_env
from bot.adapters.forge.github_reads import GitHubReads
from bot.adapters.forge.github_writes import ISSUE_LABEL, GitHubWrites
from bot.adapters.forge.interface import ForgeError
from bot.adapters.forge.retry import TIMEOUT, ForgeRetry
from bot.domain.git_objects import CommitHeader
from bot.domain.identity import BotIdentity
from bot.domain.pull_request import ChangedFile, Comment, Commit, PullRequest, Review, Team


class GitHubForge:
    """`bot.adapters.forge.interface.Forge` for one GitHub repository."""

    def __init__(
        self,
        repository: str,
        *,
        auth: Auth.Auth,
        identity: BotIdentity,
        base_url: str = DEFAULT_API_URL,
        retry: ForgeRetry | None = None,
        timeout: int = TIMEOUT,
        throttle: bool = True,
        bot_login: str | None = None,
        local_git: Path | None = None,
    ) -> None:
        """`bot_login`: the account the bot posts as (e.g. `github-actions[bot]`); when set, only its
        comments are edited and only merges it authored count as decisions. `local_git`: a clone used to
        list changed files when a PR has more than the API's 3,000; without it such PRs fail closed.
        `throttle=False` drops PyGithub's pause between requests (tests and benchmarks)."""
        if repository.count("/") != 1:
            raise ForgeError(f"repository must be OWNER/NAME, got {repository!r}")
        self.repository = repository
        self.identity = identity
        self.bot_login = bot_login
        self.local_git = local_git
        self.client = GitHubClient(
            repository, auth=auth, base_url=base_url, retry=retry, timeout=timeout, throttle=throttle
        )
        self.reads = GitHubReads(self.client, bot_login=bot_login, local_git=local_git)
        self.writes = GitHubWrites(self.client, self.reads, bot_login=bot_login)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> GitHubForge:
        """Configured the way GitHub Actions configures a job."""
        env = os.environ if environ is None else environ
        repository = env.get("GITHUB_REPOSITORY")
        if not repository:
            raise ForgeError("GITHUB_REPOSITORY is not set (expected OWNER/NAME)")
        from bot.adapters.environment import bot_identity

        return cls(
            repository,
            auth=auth_from_env(env),
            identity=bot_identity(dict(env)),
            base_url=env.get("GITHUB_API_URL", DEFAULT_API_URL),
            bot_login=env.get("CAB_BOT_LOGIN") or None,
            **kwargs,
        )

    # --- reads -------------------------------------------------------------------------------
    def open_pull_request_at(self, head_owner: str, head_branch: str, head_sha: str) -> int | None:
        """The open PR from `head_owner:head_branch` whose head is `head_sha` (a fork's PR, which a
        `workflow_run` event does not name), or None."""
        found = [
            int(item["number"])
            for item in self.client.pages(
                f"{self.client.repo}/pulls",
                f"look for the open PR from {head_owner}:{head_branch}",
                {"state": "open", "head": f"{head_owner}:{head_branch}"},
            )
            if item["head"]["sha"] == head_sha
        ]
        return found[0] if len(found) == 1 else None

    def pull_request(self, number: int) -> PullRequest:
        return self.reads.pull_request(number)

    def commits(self, number: int) -> Sequence[Commit]:
        return self.reads.commits(number)

    def changed_files(self, number: int) -> Sequence[ChangedFile]:
        return self.reads.changed_files(number)

    def reviews(self, number: int) -> Sequence[Review]:
        return self.reads.reviews(number)

    def comments(self, number: int) -> Sequence[Comment]:
        return self.reads.comments(number)

    def team(self, slug: str) -> Team | None:
        return self.reads.team(slug)

    def permission(self, login: str) -> str | None:
        return self.reads.permission(login)

    def team_permission(self, slug: str) -> str | None:
        return self.reads.team_permission(slug)

    def read_file(self, sha: str, path: str) -> bytes | None:
        return self.reads.read_file(sha, path)

    def last_commit(self, sha: str, path: str) -> Commit | None:
        return self.reads.last_commit(sha, path)

    def commit_header(self, sha: str) -> CommitHeader:
        return self.reads.commit_header(sha)

    def list_files(self, sha: str, directory: str) -> Sequence[str]:
        return self.reads.list_files(sha, directory)

    def diff_paths(self, base_sha: str, head_sha: str) -> Sequence[str]:
        return self.reads.diff_paths(base_sha, head_sha)

    def branch_head(self, branch: str) -> str:
        return self.reads.branch_head(branch)

    def latest_decision_sha256(self, sha: str) -> str | None:
        return self.reads.latest_decision_sha256(sha)

    # --- writes ------------------------------------------------------------------------------
    def set_risk_label(self, number: int, label: str) -> None:
        self.writes.set_risk_label(number, label)

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        self.writes.upsert_comment(number, marker, body)

    def request_team_reviews(self, number: int, slugs: Sequence[str]) -> None:
        self.writes.request_team_reviews(number, slugs)

    def upsert_issue(self, marker: str, title: str, body: str, *, label: str = ISSUE_LABEL) -> int:
        return self.writes.upsert_issue(marker, title, body, label=label)

    def pin_issue(self, number: int) -> None:
        self.writes.pin_issue(number)

    def set_status(self, sha: str, state: Literal["pending", "success", "failure"], description: str) -> None:
        self.writes.set_status(sha, state, description)

    def commit_files(
        self, number: int, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        return self.writes.commit_files(number, expected_head, files, message)

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        return self.writes.commit_to_branch(branch, expected_head, files, message)

    def merge(self, number: int, sha: str, title: str, message: str, *, base: str | None = None) -> str:
        # GitHub has no merge conditioned on the base: decisions are serialized by the workflow's
        # `cab-merge` concurrency group (docs/performance.md), or by the merge queue
        del base
        return self.writes.merge(number, sha, title, message)

    def open_pull_requests(self, limit: int) -> Sequence[int]:
        return self.reads.open_pull_requests(limit)

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int:
        return self.writes.open_pull_request(head, base, title, body)

    def ensure_branch(self, branch: str, from_sha: str) -> str:
        return self.writes.ensure_branch(branch, from_sha)


__all__ = ["GitHubForge"]
