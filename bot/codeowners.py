"""Who owns a path, per GitHub's CODEOWNERS rules (last matching line wins).

Matching is the PyPI `codeowners` package (a port of hmarr/codeowners). It disagrees with GitHub
on two measured cases (see shared FACTS): brackets, which GitHub treats literally (it has no
character classes), and a trailing `/**/`, which GitHub matches against files below the
directory. Both are fixed by rewriting the pattern before handing it over.
"""

from __future__ import annotations

import re

from codeowners import CodeOwners


def _github_pattern(pattern: str) -> str:
    pattern = re.sub(r"(?<!\\)([\[\]])", r"\\\1", pattern)
    if pattern.endswith("/**/"):
        pattern = pattern[:-1]
    return pattern


def _rewrite(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            lines.append(line)
            continue
        pattern, _, rest = stripped.partition(" ")
        lines.append(f"{_github_pattern(pattern)} {rest}".rstrip())
    return "\n".join(lines)


def owners_for(codeowners_text: str, path: str) -> list[str]:
    """Owners of `path` as written (`@org/team`, `@user`, `email`); [] when nothing matches."""
    matcher = CodeOwners(_rewrite(codeowners_text))
    return [owner for _kind, owner in matcher.of(path)]


def team_slugs(owners: list[str]) -> list[str]:
    """The `org/team` slugs among owners, lower-cased as GitHub normalizes them."""
    return [owner[1:].lower() for owner in owners if owner.startswith("@") and "/" in owner]


def user_logins(owners: list[str]) -> list[str]:
    return [owner[1:] for owner in owners if owner.startswith("@") and "/" not in owner]
