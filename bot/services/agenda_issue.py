"""The scheduled agenda: `cab agenda` kept in one pinned issue, edited in place on every run.

The history part (exceptions, last week's decisions) is read from the Action's checkout of the
default branch, which must have its whole history (`fetch-depth: 0`): a shallow clone would end the
decisions list silently at its cut, so it is refused. What waits for the board is read from the
forge: the pending records on the heads of the open pull requests (at most `PR_LIMIT`, most recently
updated first), which a checkout of the default branch does not have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.forge.interface import Forge, ForgeError
from bot.adapters.git.blobs import GitBlobs
from bot.domain.agenda import Waiting, markdown
from bot.domain.errors import CabError
from bot.services.agenda import Packs, build, pending

MARKER = "<!-- cab-bot:agenda -->"
TITLE = "CAB agenda"
LABEL = "cab-agenda"
PR_LIMIT = 100


@dataclass(frozen=True)
class AgendaIssue:
    """What the run did: the issue it keeps, whether it is pinned (and why not), what it lists."""

    issue: int
    pinned: bool
    waiting: int
    not_pinned_because: str = ""

    def summary(self) -> str:
        pin = "pinned" if self.pinned else f"not pinned ({self.not_pinned_because})"
        return f"agenda in issue #{self.issue}, {pin}; {self.waiting} changes waiting"


def waiting_on(forge: Forge, limit: int = PR_LIMIT, packs: Packs | None = None) -> list[Waiting]:
    """Changes with a pending record on an open pull request's head, one entry per change (and, in
    `packs`, each one's pack: the agenda's frozen changes and rollout conflicts)."""
    found: dict[str, Waiting] = {}
    for number in forge.open_pull_requests(limit):
        pr = forge.pull_request(number)
        for changed in forge.changed_files(number):
            if changed.status == "removed" or not changed.path.startswith("decisions/"):
                continue
            item = pending(forge, pr.head_sha, changed.path, pr.head_ref, packs)
            if item is not None:
                found.setdefault(item.change_id, item)
    return list(found.values())


def publish(forge: Forge, clone: Path, *, now: dt.datetime, ref: str = "HEAD", days: int = 7) -> AgendaIssue:
    """Write the agenda into the one agenda issue (opened the first time), and keep it pinned."""
    blobs = GitBlobs.open(clone)
    try:
        if blobs.is_shallow():
            raise CabError(
                f"{clone} is a shallow clone: the agenda needs the whole history "
                "(actions/checkout with fetch-depth: 0)"
            )
        packs: Packs = {}
        waiting = waiting_on(forge, packs=packs)
        body = f"{MARKER}\n{markdown(build(blobs, ref, now, days, waiting, packs))}"
    finally:
        blobs.close()
    number = forge.upsert_issue(MARKER, TITLE, body, label=LABEL)
    try:
        forge.pin_issue(number)
    except ForgeError as exc:  # the agenda is up to date; a repository with three pins keeps them
        return AgendaIssue(number, False, len(waiting), str(exc))
    return AgendaIssue(number, True, len(waiting))
