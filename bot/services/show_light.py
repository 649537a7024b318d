"""`cab show`'s fast path: a change's record as the bot's signed decision merge wrote it.

`cab show` prints a record by reading it with the models and rendering it again, which costs
pydantic's import and model building (about 0.3 s) for one record. The bot writes every record
with that same rendering (`records.render`, which gives back the bytes it read: the tests hold
this for every record the demo writes), so a record the bot's signed decision merge brought and
nothing changed since prints as its own bytes. That is proven here with the gate's own reading
(bot.services.gate: provenance and signature, no pydantic); anything else, from a pending record
on a branch to an edited one, is left to the full path, which says what is wrong with it.
"""

from __future__ import annotations

from bot.adapters.git.blobs import GitBlobs, MissingCommit, NotAFile
from bot.domain.errors import InputError
from bot.domain.identity import BotIdentity
from bot.domain.rules.deployment_gate import provenance
from bot.services.gate import arrival, record_paths, signed


def shown(blobs: GitBlobs, ref: str, change_id: str, bot: BotIdentity) -> tuple[str, str] | None:
    """The path and text of `change_id`'s decision record at `ref` when the bot's signed decision
    merge on the ref's first-parent line added exactly them; None when the full path must read it."""
    try:
        tip = blobs.commit_id(ref)
        paths = [] if tip is None else record_paths(blobs, tip, change_id)
        if tip is None or len(paths) != 1:
            return None
        came = arrival(blobs, tip, paths[0])
        if came is None or provenance(came, paths[0], bot) is not None or not signed(blobs, came):
            return None
        raw = blobs.read_file(tip, paths[0], plain=True)
        return None if raw is None else (paths[0], raw.decode("utf-8"))
    except (InputError, NotAFile, MissingCommit, UnicodeDecodeError):
        return None  # (a shallow clone: how it arrived cannot be proven here, the record still shows)
