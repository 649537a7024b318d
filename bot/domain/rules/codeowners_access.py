"""CODEOWNERS owners that GitHub cannot use: accounts and teams that do not exist (or the bot
cannot see), and accounts without write access to the repository. GitHub requests no review from
such an owner and says so only on the file's page, so a tier can silently lose its reviewers.

Pure: what the forge said about each owner comes in (`OwnerAccess`), located problems go out.
An owner the forge could not be asked about is a problem too (fail closed): a lint that could not
look is not a lint that passed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.domain.pull_request import ChangedFile
from bot.domain.rules import codeowners_lint
from bot.domain.rules.codeowners import LOCATIONS
from bot.domain.rules.codeowners_lint import LintProblem, owner_tokens

AccessState = Literal["write", "read_only", "missing", "unchecked"]
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})  # an account's: GitHub says write for maintain


@dataclass(frozen=True)
class OwnerAccess:
    state: AccessState
    detail: str = ""  # the permission found (read_only), or why the owner could not be checked


def owners_at(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, owner) of every owner on a line GitHub uses, in file order."""
    for number, line in enumerate(text.splitlines(), 1):
        for column, owner in owner_tokens(line):
            yield number, column, owner


def owners(text: str) -> list[str]:
    """Each distinct owner, as written (`@user`, `@org/team`, an e-mail), in first-use order."""
    return list(dict.fromkeys(owner for _, _, owner in owners_at(text)))


def problems_of(text: str, access: Mapping[str, OwnerAccess]) -> list[LintProblem]:
    """One problem per line an unusable owner appears on."""
    found = []
    for line, column, owner in owners_at(text):
        message = _message(owner, access.get(owner, OwnerAccess("unchecked", "not looked up")))
        if message is not None:
            found.append(LintProblem(line, column, message))
    return found


def _message(owner: str, access: OwnerAccess) -> str | None:
    kind = "team" if "/" in owner else "account"
    if access.state == "write":
        return None
    if access.state == "missing":
        return f"{owner}: no such {kind} (or the bot cannot see it): GitHub requests no review from it"
    if access.state == "read_only":
        return (
            f"{owner} has {access.detail or 'no'} access to this repository: code owners need write "
            "access, or GitHub requests no review from them"
        )
    return f"{owner} could not be checked online: {access.detail}"


def changed_codeowners(changed: Sequence[ChangedFile]) -> list[str]:
    """The CODEOWNERS locations a pull request adds or edits."""
    return [c.path for c in changed if c.path in LOCATIONS and c.status != "removed"]


def change_problems(
    changed: Sequence[ChangedFile],
    head: Mapping[str, bytes | None],
    access: Mapping[str, OwnerAccess] | None,
) -> list[str]:
    """`path:line:col: message` for every problem in each CODEOWNERS file a policy change brings:
    `cab lint`'s offline rules, and, with `access` (what the forge said of each owner), the online
    ones. A file that could not be read at the head is a problem too."""
    found = []
    for path in changed_codeowners(changed):
        raw = head.get(path)
        if raw is None:
            found.append(f"{path}:1:1: not readable at the head")
            continue
        text = raw.decode("utf-8", errors="replace")
        problems = codeowners_lint.lint(text, size=len(raw))
        if access is not None:
            problems += problems_of(text, access)
        found += [f"{path}:{p.line}:{p.column}: {p.message}" for p in problems]
    return found
