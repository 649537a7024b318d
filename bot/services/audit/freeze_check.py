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
from bot.domain.rules.freeze import breach, components, exempt
from bot.services.audit.merge_check import Memo

Found = tuple[str, str, str]  # rule, path, message


def freeze_findings(
    store: ObjectStore, memo: Memo, base_tree: str, record: Decision, pack: EvidencePack | None
) -> list[Found]:
    """The findings of one change decision against the freeze calendar at its base."""
    found = lookup(store, base_tree, FREEZE_PATH)
    if found is None or record.decided_at is None or (pack is not None and exempt(pack)):
        return []  # no calendar; a record without its time is `record.not-final` already
    if found.mode != REGULAR_FILE:
        return [("freeze.calendar-unreadable", FREEZE_PATH, f"mode {found.mode} is not a regular file")]
    calendar, error = memo.get("freeze", found.oid, lambda: read_calendar(store.blob(found.oid)))
    broken = breach(calendar, error, components(pack) if pack else [], record.decided_at, record.change_id)
    if broken is None:
        return []
    rule, message = broken
    return [(rule, FREEZE_PATH if rule == "freeze.calendar-unreadable" else record.evidence.path, message)]
