"""A pull request as the rules see it: plain frozen values, one consistent snapshot.

The forges (`bot.adapters.forge`) fill these from GitHub or the sandbox; the rules never know which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
FileStatus = Literal["added", "modified", "removed", "renamed"]


@dataclass(frozen=True)
class User:
    login: str
    id: int
    is_bot: bool = False  # GitHub `type == "Bot"` or a login ending in [bot]


@dataclass(frozen=True)
class Push:
    """One update of a branch as GitHub's activity list gives it (`GET /repos/{o}/{r}/activity`):
    `actor` moved it from `before` to `after`; None: a deleted account (GitHub's "ghost")."""

    before: str
    after: str
    kind: str  # push, force_push, branch_creation, branch_deletion, pr_merge, merge_queue_merge
    actor: User | None


@dataclass(frozen=True)
class Commit:
    sha: str
    author: User | None  # None when the commit email maps to no account
    committer: User | None
    author_email: str
    committer_email: str
    message: str
    # Accounts the forge links to the e-mails of the message's `Co-authored-by:` lines (lower-case
    # e-mail -> account); an e-mail missing here maps to no account.
    linked: tuple[tuple[str, User], ...] = ()
    # who pushed this commit (more than one where pushes overlap); None: the forge cannot tell, which
    # fails closed like an identity no account explains (`bot.domain.rules.authorship`)
    pushers: tuple[User, ...] | None = ()
    parents: tuple[str, ...] | None = None  # None: the forge did not say (never taken for a root)


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: FileStatus
    previous_path: str | None = None


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    author: User
    head_sha: str
    head_ref: str
    base_sha: str
    base_ref: str
    state: Literal["open", "closed", "merged"]
    labels: tuple[str, ...] = ()
    body: str = ""


@dataclass(frozen=True)
class Review:
    id: int
    user: User
    state: ReviewState
    commit_id: str
    submitted_at: dt.datetime
    body: str = ""


@dataclass(frozen=True)
class Comment:
    id: int
    user: User
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime
    editors: tuple[User, ...] = ()  # everyone who edited the body after it was written
    edits_known: bool = True  # False: edited (updated_at moved) but the forge did not say by whom


@dataclass(frozen=True)
class Team:
    slug: str  # "org/team", lower-case as GitHub normalizes it
    id: int
    members: tuple[User, ...] = field(default_factory=tuple)
