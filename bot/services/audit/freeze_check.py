"""The audit's freeze check: was a change merged while a window of the calendar at its base held it?

The bot asks `bot.domain.decision_plan.freeze_hold` before it merges; this asks the same rule
(`bot.domain.rules.freeze.in_force`) again, with the calendar as the decision's base commit had it
and the decision's time (`decided_at`: the bot writes it in the sync that merges).
"""

from __future__ import annotations

from bot.domain.base_branch import read_calendar
from bot.domain.git_objects import REGULAR_FILE, ObjectStore, lookup
from bot.domain.layout import FREEZE_PATH
from bot.domain.models import Decision, EvidencePack
from bot.domain.models.freeze import FreezeCalendar
from bot.domain.rules.emergency import is_emergency
from bot.domain.rules.freeze import components, in_force
from bot.services.audit.merge_check import Memo

Found = tuple[str, str, str]  # rule, path, message


def freeze_findings(
    store: ObjectStore, memo: Memo, base_tree: str, record: Decision, pack: EvidencePack | None
) -> list[Found]:
    """The findings of one change decision against the freeze calendar at its base."""
    if pack is not None and is_emergency(pack):
        return []  # an emergency merges even during a freeze (the bot's `freeze_hold` says the same)
    found = lookup(store, base_tree, FREEZE_PATH)
    if found is None or record.decided_at is None:
        return []  # no calendar; a record without its time is `record.not-final` already
    if found.mode != REGULAR_FILE:
        return [("freeze.calendar-unreadable", FREEZE_PATH, f"mode {found.mode} is not a regular file")]
    calendar: FreezeCalendar | None
    calendar, error = memo.get("freeze", found.oid, lambda: read_calendar(store.blob(found.oid)))
    if error is not None:
        return [("freeze.calendar-unreadable", FREEZE_PATH, f"{error}; the bot merges nothing then")]
    hit = in_force(calendar, components(pack) if pack else [], record.decided_at)
    if hit is None:
        return []
    return [
        (
            "freeze.merged-in-window",
            record.evidence.path,
            f"{record.change_id} was decided {record.decided_at.isoformat()}, inside freeze window "
            f"`{hit.window.name}` ({hit.start.isoformat()} to {hit.end.isoformat()}: {hit.window.reason})",
        )
    ]
