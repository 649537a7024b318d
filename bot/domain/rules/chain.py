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
        or trailers.retro_from_message(message)
    )
    return found.record_sha256 if found is not None else None


def broken_link(previous: str | None, older_record: str | None) -> str | None:
    """Why a record's `previous` does not name the record before it; None when the chain holds."""
    if previous == older_record:
        return None
    before = f"has record sha256 {older_record}" if older_record else "does not exist"
    return f"previous is {previous or 'none'} but the decision before it {before}"


def fork_problems(added: list[tuple[str, str | None, str]], newest_before: str | None) -> list[str]:
    """Why records added together (each `(record sha256, previous, path)`, in any order) do not
    continue the chain from `newest_before` as one line; an empty list means they do."""
    after: dict[str | None, list[tuple[str, str]]] = {}
    for sha, previous, path in added:
        after.setdefault(previous, []).append((sha, path))
    problems = [
        f"{', '.join(sorted(path for _, path in nexts))} all name previous {previous or 'none'}: "
        "the chain forks"
        for previous, nexts in after.items()
        if len(nexts) > 1
    ]
    chained, link = set(), newest_before
    while len(after.get(link, ())) == 1 and link not in chained:
        chained.add(link)
        link = after[link][0][0]
    problems += [
        f"{path} does not chain onto the records before it "
        f"(the newest before them: {newest_before or 'none'})"
        for _, previous, path in sorted(added, key=lambda a: a[2])
        if previous not in chained and len(after.get(previous, ())) == 1
    ]
    return problems
