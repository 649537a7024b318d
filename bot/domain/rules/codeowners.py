"""Who owns a path according to a CODEOWNERS file, with GitHub's matching rules.

Matching is delegated to the PyPI `codeowners` package (a port of hmarr/codeowners), which agrees
with GitHub on all but two of hmarr's test vectors. We rewrite those two pattern shapes before
handing the text over, rather than maintaining our own glob engine:

- `foo/**/` must match everything below `foo/` (the package requires a further slash);
- brackets are literal on GitHub (no character classes), so `/apps/[param]/file.ts` names a
  directory called `[param]`; the package would read it as a class. GitHub has no `[section]`
  headers either, which the package would otherwise skip as GitLab sections.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from codeowners import CodeOwners

_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")


def _github_pattern(pattern: str) -> str:
    if pattern.endswith("/**/"):
        pattern = pattern[:-1]
    return _UNESCAPED_BRACKET.sub(r"\\\1", pattern)


def _rewrite_line(line: str) -> str:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return line
    # The pattern is the first token; `\ ` is an escaped space inside it.
    match = re.match(r"((?:\\.|\S)+)(.*)$", stripped)
    if match is None:  # pragma: no cover - a non-blank line always has a first token
        return line
    return _github_pattern(match.group(1)) + match.group(2)


@functools.lru_cache(maxsize=8)
def _rules(codeowners_text: str) -> CodeOwners:
    """The compiled rules of a CODEOWNERS text, kept for the last few texts: the audit asks about
    several paths of every decision under the same file, and compiling is most of the cost."""
    return CodeOwners("\n".join(_rewrite_line(line) for line in codeowners_text.splitlines()))


def owners_for(codeowners_text: str, path: str) -> list[str]:
    """Owners (`@user`, `@org/team` or e-mail, as written) of `path`; the last matching rule wins."""
    return [owner for _kind, owner in _rules(codeowners_text).of(path)]


def deciding_line(codeowners_text: str, path: str) -> int | None:
    """The line (1-based) of the rule that decides `path`'s owners, None when no rule matches."""
    line: int | None = _rules(codeowners_text).matching_line(path)[1]
    return line


# Where GitHub looks for the file, first found wins (GitHub does not read `.gitlab/`).
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def locate(present: set[str]) -> str | None:
    """Which of the present regular files GitHub would read as CODEOWNERS."""
    return next((path for path in LOCATIONS if path in present), None)


def first_found(read: Callable[[str], bytes | None]) -> str | None:
    """The CODEOWNERS text GitHub would use: the first location that holds a file, in its order.

    `read` returns a location's bytes, or None where there is no regular file. The bot (through
    its forge) and the audit (through git objects) both look up the file with this one rule.
    """
    for location in LOCATIONS:
        raw = read(location)
        if raw is not None:
            return raw.decode("utf-8", errors="replace")
    return None


def team_slugs(owners: list[str]) -> list[str]:
    """The `org/team` slugs among owners, lower-cased as GitHub normalizes them."""
    return [owner[1:].lower() for owner in owners if owner.startswith("@") and "/" in owner]


def user_logins(owners: list[str]) -> list[str]:
    return [owner[1:] for owner in owners if owner.startswith("@") and "/" not in owner]


def all_team_slugs(codeowners_text: str) -> list[str]:
    """Every `org/team` the file names, in first-mention order: the teams a sync may need to read."""
    seen: dict[str, None] = {}
    for line in codeowners_text.splitlines():
        match = re.match(r"\s*(?:\\.|[^\s#])+(.*)$", line)  # the pattern, then the owners
        if match is None:
            continue
        owners = match.group(1).split("#", 1)[0].split()
        for slug in team_slugs(owners):
            seen.setdefault(slug, None)
    return list(seen)
