"""The other open changes' planned rollouts, read for a change that plans a rollout window.

Bounded: at most `LIMIT` open pull requests (most recently updated first), each read with its
file list and its pack at its head (on GitHub, two GraphQL requests each), and only when the
change being synced names a rollout window itself. What cannot be read is left out: a conflict
note informs the board, it decides nothing.
"""

from __future__ import annotations

from bot.adapters.forge.interface import Forge, ForgeError
from bot.domain import documents
from bot.domain.decision_plan import Plan, triage
from bot.domain.errors import InputError
from bot.domain.models import EvidencePack
from bot.domain.rules.rollout_conflicts import Planned, planned

LIMIT = 10  # open PRs looked at: the board's agenda (`cab agenda`) lists every conflict anyway


def open_rollouts(forge: Forge, exclude: int, limit: int = LIMIT) -> tuple[Planned, ...]:
    """The planned rollouts of the open change PRs other than `exclude`."""
    found = []
    for number in forge.open_pull_requests(limit + 1):
        if number == exclude:
            continue
        try:
            pr = forge.pull_request(number)
            target = triage(forge.changed_files(number))
            if isinstance(target, Plan) or target.kind != "change":
                continue
            raw = forge.read_file(pr.head_sha, target.path)
            pack = documents.parse(raw or b"", target.path, EvidencePack).model
        except (ForgeError, InputError):
            continue  # its own sync reports it on its PR
        rollout = planned(pack, f"#{number}")
        if rollout is not None:
            found.append(rollout)
    return tuple(found[:limit])
