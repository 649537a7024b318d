"""Who wrote a change: everyone whose approval of it would be an approval of their own work. Pure.

Git identities are claims typed by whoever makes a commit, so every one of them is an author:
each commit's author and committer, every `Co-authored-by:` trailer (read by git's trailer rules,
`bot.domain.rules.trailers.git_trailers`), and whoever pushed each commit where the forge can tell
(the sandbox records it; on GitHub, the repository's activity list names who moved the branch,
and `attribute_pushes` gives each commit the pushers of the pushes that brought it). Its ruleset
"require approval of the most recent reviewable push" cannot stand in: the bot's own record commit
would be that push, see docs/github-setup.md. Each identity is mapped to an account
(the forge's link of the e-mail, or GitHub's noreply form `ID+login@users.noreply.github.com`);
one that maps to no account fails closed: nobody can be sure the approver did not write it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.domain.pull_request import Commit, PullRequest, Push, User
from bot.domain.rules.trailers import git_trailers

CO_AUTHORED_BY = "Co-authored-by"
_IDENTITY = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>$")
_NOREPLY = re.compile(r"^(?P<id>[0-9]+)\+(?P<login>[A-Za-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$")
# The committer GitHub itself writes on commits made through its API or web UI: no person's claim.
GITHUB_COMMITTER = "noreply@github.com"


@dataclass(frozen=True)
class Authorship:
    """The accounts that wrote the change (id -> why) and the identities no account explains."""

    conflicted: dict[int, str]
    unknown: tuple[str, ...]  # "Carol <carol@x> (co-author of commit abc1234)"


def noreply_account(email: str) -> User | None:
    """The account GitHub's noreply e-mail `12345+login@users.noreply.github.com` names."""
    match = _NOREPLY.match(email.strip().lower())
    if match is None:
        return None
    login = match.group("login")
    return User(login, int(match.group("id")), login.endswith("[bot]"))


def co_authors(message: str) -> list[tuple[str, str | None]]:
    """(the trailer's text, its e-mail or None when it names none) of each `Co-authored-by:`."""
    out = []
    for value in git_trailers(message, CO_AUTHORED_BY):
        match = _IDENTITY.match(value.strip())
        out.append((value.strip(), match.group("email") if match else None))
    return out


def of_change(pr: PullRequest, commits: Sequence[Commit], is_bot: Callable[[User], bool]) -> Authorship:
    """Everyone who wrote the PR's commits, with the first reason for each, and who is unknown.
    Bots (`is_bot`) write commits too, but never approve, so they are nobody's conflict."""
    conflicted = {pr.author.id: "is the PR author"}
    unknown: list[str] = []

    def add(user: User | None, why: str, claim: str) -> None:
        if user is None:
            unknown.append(f"{claim} ({why})")
        elif not is_bot(user):
            conflicted.setdefault(user.id, f"is the {why}")

    for commit in commits:
        short = commit.sha[:7]
        author = commit.author or noreply_account(commit.author_email)
        add(author, f"author of commit {short}", f"<{commit.author_email}>")
        committer = commit.committer or noreply_account(commit.committer_email)
        if committer is not None or commit.committer_email.lower() != GITHUB_COMMITTER:
            add(committer, f"committer of commit {short}", f"<{commit.committer_email}>")
        linked = dict(commit.linked)
        for text, email in co_authors(commit.message):
            user = (linked.get(email.lower()) or noreply_account(email)) if email else None
            add(user, f"co-author of commit {short}", text)
        if commit.pushers is None and (author is None or not is_bot(author)):  # the bot's API commits
            unknown.append(f"the pusher of commit {short} (no push the forge lists brought it)")
        for pusher in commit.pushers or ():
            add(pusher, f"pusher of commit {short}", "")
    return Authorship(conflicted, tuple(dict.fromkeys(unknown)))


def attribute_pushes(commits: Sequence[Commit], pushes: Sequence[Push] | None) -> list[Commit]:
    """The PR's commits (oldest first), each with everyone who pushed it, from the branch's pushes
    in its current life (newest first, as GitHub lists them). A push brought the commits after
    `before` up to `after`; a force push, or one whose `before` is no PR commit, may have brought
    any of those up to `after`, so all of them are counted as its pusher's (a conflict too many
    fails safe). A commit no push explains, or pushed by a deleted account, has pushers None:
    unknown, so the change waits (`of_change`). `pushes` None: the forge could not list them."""
    if pushes is None:
        return [replace(c, pushers=None) for c in commits]
    position = {c.sha: i for i, c in enumerate(commits)}
    pushed: dict[int, list[User | None]] = {}
    for push in pushes:
        last = position.get(push.after)
        if last is None:
            continue  # what it pushed is no longer in the PR
        first = position.get(push.before, -1) + 1 if push.kind == "push" else 0
        for i in range(first, last + 1):
            pushed.setdefault(i, []).append(push.actor)
    out = []
    for i, commit in enumerate(commits):
        actors = pushed.get(i)
        if actors is None or any(a is None for a in actors):
            out.append(replace(commit, pushers=None))
        else:
            out.append(replace(commit, pushers=tuple(a for a in actors if a is not None)))
    return out
