"""CODEOWNERS lint: what GitHub would silently skip, and governed paths left without the owners
the CAB's separation of duties needs. Pure: text in, located problems out.

GitHub ignores, without failing anything, lines it cannot use (negation, character ranges,
`\\#`, malformed owners) and a file over 3 MB. A skipped line under `decisions/high/` silently
hands that tier to whoever the earlier lines name, so the lint fails closed on every one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.rules.codeowners import deciding_line, owners_for, team_slugs

MAX_BYTES = 3 * 1024 * 1024  # GitHub does not load a larger CODEOWNERS file at all
_USER = r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_TEAM = r"@[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_OWNER = re.compile(rf"(?:{_TEAM}|{_USER}|{_EMAIL})")

# A file each governed rule is checked against: ownership is per path, so ask with a real shape.
CAB_PATH = "decisions/medium/2026-01/x.yaml"
SECURITY_PATHS = ("decisions/high/2026-01/x.yaml", "exceptions/2026-01/x.yaml")
BOTH_PATHS = (
    "risk-model/v9.9.yaml",
    "policy/signers.yaml",
    "decisions/policy/2026-01/x.yaml",
    ".github/CODEOWNERS",
    ".github/workflows/cab.yml",
    "bot/__init__.py",
    "pyproject.toml",
)


@dataclass(frozen=True)
class LintProblem:
    line: int
    column: int
    message: str


def lint(text: str, size: int | None = None) -> list[LintProblem]:
    """Every problem in a CODEOWNERS file, lines first, then the governed paths."""
    if (size if size is not None else len(text.encode())) > MAX_BYTES:
        return [
            LintProblem(1, 1, f"the file is over GitHub's 3 MB limit ({MAX_BYTES} bytes): GitHub ignores it")
        ]
    problems = [
        problem for number, line in enumerate(text.splitlines(), 1) for problem in _line(number, line)
    ]
    return problems + _governed(text)


def _line(number: int, line: str) -> list[LintProblem]:
    stripped = line.lstrip()
    indent = len(line) - len(stripped) + 1
    if not stripped or stripped.startswith("#"):
        return []
    match = re.match(r"((?:\\.|\S)+)(.*)$", stripped)
    if match is None:  # pragma: no cover - a non-blank line always has a first token
        return []
    pattern, rest = match.group(1), match.group(2)
    skipped = "GitHub skips this line"
    if pattern.startswith("!"):
        return [LintProblem(number, indent, f"'!' negation is not supported in CODEOWNERS; {skipped}")]
    if pattern.startswith("\\#"):
        return [
            LintProblem(number, indent, f"'\\#' (an escaped '#') is not supported in CODEOWNERS; {skipped}")
        ]
    problems = []
    if re.search(r"(?<!\\)[\[\]]", pattern):
        problems.append(
            LintProblem(
                number, indent, "'[ ]' is not a character range in CODEOWNERS (GitHub reads it literally)"
            )
        )
    owners_text = re.split(r"(?:^|\s)#", rest, maxsplit=1)[0]
    column = indent + len(pattern)
    for token in re.finditer(r"\S+", owners_text):
        if _OWNER.fullmatch(token.group()) is None:
            problems.append(
                LintProblem(
                    number,
                    column + token.start(),
                    f"'{token.group()}' is not an owner (@user, @org/team or an e-mail); {skipped}",
                )
            )
            break
    return problems


def owner_tokens(line: str) -> list[tuple[int, str]]:
    """(column, owner) of each owner on a line GitHub uses; none for a blank or comment line, or a
    line GitHub skips (those `lint` reports itself)."""
    stripped = line.lstrip()
    match = re.match(r"((?:\\.|\S)+)(.*)$", stripped)
    if match is None or stripped.startswith("#"):
        return []
    pattern, rest = match.group(1), match.group(2)
    if pattern.startswith(("!", "\\#")):
        return []
    column = len(line) - len(stripped) + 1 + len(pattern)
    owners_text = re.split(r"(?:^|\s)#", rest, maxsplit=1)[0]
    tokens = [(column + t.start(), t.group()) for t in re.finditer(r"\S+", owners_text)]
    return [] if any(_OWNER.fullmatch(owner) is None for _, owner in tokens) else tokens


def _at(text: str, path: str, message: str) -> LintProblem:
    """A governed-path problem, placed on the rule that decides the path (line 1 when none does)."""
    return LintProblem(deciding_line(text, path) or 1, 1, message)


def _governed(text: str) -> list[LintProblem]:
    problems = []
    cab = team_slugs(owners_for(text, CAB_PATH))
    security = team_slugs(owners_for(text, SECURITY_PATHS[0]))
    if not cab:
        problems.append(
            _at(text, CAB_PATH, "decisions/medium/ has no team owner: nobody can approve medium changes")
        )
    for path in SECURITY_PATHS:
        if not team_slugs(owners_for(text, path)):
            problems.append(_at(text, path, f"{_folder(path)} has no team owner: it needs the security team"))
    shared = sorted(set(cab) & set(security))
    if shared:
        owner = ", ".join(f"@{t}" for t in shared)
        message = f"decisions/medium/ and decisions/high/ share the owner {owner}: the tiers need two teams"
        problems.append(_at(text, SECURITY_PATHS[0], message))
    for path in BOTH_PATHS:
        teams = set(team_slugs(owners_for(text, path)))
        missing = [f"@{t}" for t in (*cab[:1], *security[:1]) if t not in teams]
        if not teams:
            message = f"{_folder(path)} has no team owner: it needs the CAB and security teams"
        elif missing:
            owned = ", ".join(sorted(f"@{t}" for t in teams))
            message = f"{_folder(path)} is owned by {owned} but not {', '.join(missing)}: it needs both teams"
        else:
            continue
        problems.append(_at(text, path, message))
    return problems


def _folder(path: str) -> str:
    if path in (".github/CODEOWNERS", "pyproject.toml"):
        return path
    parts = path.split("/")
    return "/".join(parts[:2]) + "/" if parts[0] in ("decisions", ".github") else parts[0] + "/"
