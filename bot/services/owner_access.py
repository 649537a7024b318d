"""Ask the forge about each CODEOWNERS owner: does the team exist, does the account exist and can
it write to the repository. Bounded (`MAX_OWNERS` lookups); anything unanswered is `unchecked`,
which the rule reports (fail closed), never silently passed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.adapters.forge.interface import Forge, ForgeError
from bot.domain.pull_request import ChangedFile
from bot.domain.rules.codeowners_access import WRITE_PERMISSIONS, OwnerAccess, changed_codeowners, owners

MAX_OWNERS = 50


def look_up(forge: Forge, owners: Iterable[str]) -> dict[str, OwnerAccess]:
    found: dict[str, OwnerAccess] = {}
    for count, owner in enumerate(dict.fromkeys(owners)):
        if count >= MAX_OWNERS:
            found[owner] = OwnerAccess(
                "unchecked", f"more than {MAX_OWNERS} owners; only the first are looked up"
            )
        else:
            found[owner] = _one(forge, owner)
    return found


def _one(forge: Forge, owner: str) -> OwnerAccess:
    if not owner.startswith("@"):
        return OwnerAccess(
            "unchecked", "an e-mail owner cannot be matched to an account online; name it @login"
        )
    name = owner[1:]
    try:
        if "/" in name:  # a team must exist, and be granted write on the repository
            if forge.team(name.lower()) is None:
                return OwnerAccess("missing")
            granted = forge.team_permission(name.lower())
            return (
                OwnerAccess("write")
                if granted in WRITE_PERMISSIONS
                else OwnerAccess("read_only", granted or "no")
            )
        permission = forge.permission(name)
    except ForgeError as exc:
        return OwnerAccess("unchecked", str(exc).splitlines()[0])
    if permission is None:
        return OwnerAccess("missing")
    if permission in WRITE_PERMISSIONS:
        return OwnerAccess("write")
    return OwnerAccess("read_only", permission)


def for_change(
    forge: Forge, changed: Sequence[ChangedFile], head: Mapping[str, bytes | None]
) -> dict[str, OwnerAccess]:
    """What the forge says of every owner in the CODEOWNERS files a policy change brings."""
    named = []
    for path in changed_codeowners(changed):
        raw = head.get(path)
        if raw is not None:
            named += owners(raw.decode("utf-8", errors="replace"))
    return look_up(forge, named)
