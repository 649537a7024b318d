"""The hash chain over every decision record, change and exception decisions alike. Pure.

Each record names the sha256 of the record decided before it on the default branch's first-parent
line (`previous`), so a record cannot be dropped or reordered without a break. The bot finds the
link when it writes a record, and the audit checks it, with these same two functions.
"""

from __future__ import annotations

from bot.domain.rules import trailers


def record_sha256_of_merge(message: str, parent_count: int) -> str | None:
    """The record sha256 a decision merge carries in its trailers; None for any other commit."""
    if parent_count != 2:
        return None
    found = (
        trailers.from_message(message)
        or trailers.exception_from_message(message)
        or trailers.policy_from_message(message)
    )
    return found.record_sha256 if found is not None else None


def broken_link(previous: str | None, older_record: str | None) -> str | None:
    """Why a record's `previous` does not name the record before it; None when the chain holds."""
    if previous == older_record:
        return None
    before = f"has record sha256 {older_record}" if older_record else "does not exist"
    return f"previous is {previous or 'none'} but the decision before it {before}"
