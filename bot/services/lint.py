"""`cab lint`: find the CODEOWNERS file GitHub would read, in the work tree or at a revision, and lint it;
`online`, also ask the forge whether each owner exists and may write (`bot.services.owner_access`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.adapters import files
from bot.adapters.forge.interface import Forge
from bot.adapters.git.blobs import GitBlobs
from bot.domain.errors import FindingError, Problem
from bot.domain.rules import codeowners, codeowners_access, codeowners_lint
from bot.domain.strict_yaml import Limits
from bot.services import owner_access

# Read one byte past GitHub's limit, so an oversized file is reported as such, not refused unread.
_LIMITS = Limits(max_bytes=codeowners_lint.MAX_BYTES + 1)


@dataclass(frozen=True)
class Linted:
    source: str
    problems: list[Problem]


def _from_tree(repo: Path) -> tuple[str, bytes]:
    present = {location for location in codeowners.LOCATIONS if (repo / location).is_file()}
    location = codeowners.locate(present)
    if location is None:
        raise FindingError(_none_found(str(repo)))
    path = repo / location
    return str(path), files.read_file_bytes(path, _LIMITS)


def _from_revision(repo: Path, ref: str) -> tuple[str, bytes]:
    blobs = GitBlobs.open(repo)
    sha = blobs.resolve(ref)
    found: dict[str, bytes] = {}

    def read(location: str) -> bytes | None:
        raw = blobs.read_file(sha, location)
        if raw is not None:
            found[location] = raw
        return raw

    if codeowners.first_found(read) is None:
        raise FindingError(_none_found(ref))
    location, raw = next(iter(found.items()))
    return f"{ref}:{location}", raw


def _none_found(where: str) -> str:
    looked = ", ".join(codeowners.LOCATIONS)
    return f"{where}: no CODEOWNERS file ({looked}): GitHub requests no review from anyone"


def lint(repo: Path, ref: str | None = None, online: Forge | None = None) -> Linted:
    source, raw = _from_tree(repo) if ref is None else _from_revision(repo, ref)
    text = raw.decode("utf-8", errors="replace")
    found = codeowners_lint.lint(text, size=len(raw))
    if online is not None and len(raw) <= codeowners_lint.MAX_BYTES:
        access = owner_access.look_up(online, codeowners_access.owners(text))
        found = sorted(found + codeowners_access.problems_of(text, access), key=lambda p: (p.line, p.column))
    return Linted(source, [Problem(source, p.line, p.column, p.message) for p in found])
