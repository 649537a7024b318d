"""Builders for policy snapshots: people, teams, reviews and a PR, as plain values."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from bot.domain.pull_request import Comment, Commit, PullRequest, Review, ReviewState, Team, User
from bot.domain.rules.approval import ApprovalInput, Owners

HEAD = "h" * 40
OLD = "o" * 40
T = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

AUTHOR = User("alice-eng", 1)
BOB = User("bob-cab", 2)
CAROL = User("carol-cab", 3)
SAM = User("sec-sam", 4)
OUTSIDER = User("mallory", 5)
BOT = User("dependabot[bot]", 6, is_bot=True)
CAB = Team("example/cab", 100, (BOB, CAROL, BOT))
SECURITY = Team("example/security", 200, (SAM,))

_ids = iter(range(10_000, 99_999))


def review(user: User, state: ReviewState = "APPROVED", commit: str = HEAD) -> Review:
    return Review(next(_ids), user, state, commit, T)


def comment(user: User, body: str) -> Comment:
    return Comment(next(_ids), user, body, T, T)


def commit_by(user: User, sha: str = HEAD) -> Commit:
    return Commit(sha, user, user, f"{user.login}@example.com", f"{user.login}@example.com", "change")


def snapshot(tier: str = "medium", **overrides: Any) -> ApprovalInput:
    pr = PullRequest(7, "Change", AUTHOR, HEAD, "change/x", "b" * 40, "main", "open")
    base = ApprovalInput(
        tier=tier,
        pr=pr,
        commits=[commit_by(AUTHOR)],
        reviews=[],
        comments=[],
        owners=Owners(teams=(SECURITY,) if tier == "high" else (CAB,)),
        reviewable_shas=frozenset({HEAD}),
        bot=None,
        exception_ids=("exc-1",) if tier == "high" else (),
    )
    return dataclasses.replace(base, **overrides)
