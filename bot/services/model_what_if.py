"""Put `cab simulate`'s table into the comment of a pull request that proposes a risk model.

A policy change that adds or edits `risk-model/vX.Y.yaml` gets, below its policy comment, the
tier-shift table of that model over the past decisions on the base branch, read through the forge
(so it works in the Action without a clone). The work is bounded: the `MAX_DECISIONS` most recent
records (by month folder) are re-scored, and the comment says when that is fewer than all. Anything
that goes wrong (an invalid model, an unreadable history, GitHub refusing) becomes a line in the
comment saying why; the section never holds or fails the sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.adapters.forge.interface import Forge
from bot.domain import documents
from bot.domain.comments import MARKER
from bot.domain.decision_plan import Plan
from bot.domain.errors import CabError
from bot.domain.layout import classify
from bot.domain.model_what_if import WhatIf, reusable
from bot.domain.models import RiskModel
from bot.domain.pull_request import ChangedFile, PullRequest
from bot.domain.rules.policy_changes import git_blob_id
from bot.services.simulate import past_decisions

MAX_DECISIONS = 50  # each costs up to three reads on GitHub (record, pack, Sigstore bundle)
MAX_MODELS = 3
_MODEL = re.compile(r"^risk-model/v[0-9]+\.[0-9]+\.yaml$")


def proposed_models(
    files: Sequence[ChangedFile], head: Mapping[str, bytes | None]
) -> list[tuple[str, bytes]]:
    """The risk-model versions the PR adds or changes, with their content at the head."""
    found = []
    for change in files:
        raw = head.get(change.path)
        if change.status != "removed" and _MODEL.match(change.path) and raw is not None:
            found.append((change.path, raw))
    return sorted(found)[:MAX_MODELS]


def recent_first(paths: Sequence[str]) -> list[str]:
    """Decision records, the newest month folder first (then by path, so the choice is stable)."""
    records = [p for p in paths if (g := classify(p)) is not None and g.kind == "Decision"]
    return sorted(records, key=lambda p: (p.split("/")[2], p), reverse=True)


def what_if(forge: Forge, base_sha: str, model_path: str, raw: bytes) -> WhatIf:
    blob = git_blob_id(raw)
    try:
        proposed = documents.parse(raw, model_path, RiskModel)
        records = recent_first(forge.list_files(base_sha, "decisions"))
        shown = records[:MAX_DECISIONS]
        simulation = past_decisions(forge, base_sha, shown, proposed, where="the base branch")
    except CabError as exc:
        return WhatIf(
            model_path, blob, base_sha, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        )
    return WhatIf(model_path, blob, base_sha, simulation, shown=len(shown), total=len(records))


def _own_comment(forge: Forge, number: int) -> str:
    if forge.bot_login is None:  # whose comment it is cannot be told: compute again
        return ""
    for comment in forge.comments(number):
        if MARKER in comment.body and comment.user.login == forge.bot_login:
            return comment.body
    return ""


def annotate(
    forge: Forge,
    pr: PullRequest,
    base_sha: str,
    files: Sequence[ChangedFile],
    head: Mapping[str, bytes | None],
    decided: Plan,
) -> Plan:
    """`decided` with the what-if section of each proposed model appended to its comment."""
    models = proposed_models(files, head)
    if not models:
        return decided
    existing = _own_comment(forge, pr.number)
    sections = []
    for path, raw in models:
        kept = reusable(existing, path, git_blob_id(raw), base_sha)
        sections.append(kept if kept is not None else what_if(forge, base_sha, path, raw).section())
    return replace(decided, comment=decided.comment.rstrip("\n") + "\n\n" + "\n".join(sections))
