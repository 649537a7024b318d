"""The CAB's retro-review of an emergency change, carried out through the forge.

`/cab retro-approve` is said on the emergency change's pull request after it merged; the Action
syncs that (closed) pull request, and `retro_sync` reads the decision on the default branch, asks
the pure plan (`bot.domain.retro_plan`) and lands the `RetroApproval` record: a branch of the bot's
own, one signed commit, a pull request, and the bot's decision merge, so the audit accounts for it
like every decision. Every step is idempotent: a re-run finds the record on the branch and merges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, cast

from bot.adapters.forge.interface import Forge
from bot.domain import documents, retro_plan
from bot.domain.errors import InputError
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify, decision_path, records_of
from bot.domain.models import EvidencePack
from bot.domain.pull_request import PullRequest, Team
from bot.domain.rules import records
from bot.domain.rules.codeowners import first_found, owners_for, team_slugs
from bot.domain.rules.trailers import with_base
from bot.services import base_tip

COMMAND = "/cab retro-approve"


@dataclass(frozen=True)
class RetroResult:
    """What one retro-review step did (the sync reports it as the PR's result)."""

    status: Literal["closed", "refused", "merged"]
    summary: str
    record_path: str | None = None
    head_sha: str | None = None
    merge_sha: str | None = None


class RetroForge(Forge, Protocol):
    """What landing a record on a branch of the bot's own needs beyond `Forge` (both forges have it)."""

    def ensure_branch(self, branch: str, from_sha: str) -> str: ...

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str: ...


def retro_sync(
    forge: Forge, pr: PullRequest, *, now: dt.datetime, identity: BotIdentity
) -> RetroResult | None:
    """Record a retro-approval said on merged PR `pr`; None when there is nothing of the kind to do."""
    comments = tuple(forge.comments(pr.number))
    if not any(COMMAND in c.body for c in comments):
        return None
    if not (hasattr(forge, "ensure_branch") and hasattr(forge, "commit_to_branch")):
        return None  # a forge that cannot open a branch of its own records no retro-approval
    branching = cast(RetroForge, forge)
    main = forge.branch_head(pr.base_ref)
    found = _emergency_record(forge, pr, main)
    if found is None:
        return None
    path, raw, requester = found
    record = records.parse(raw, path).model
    if record.outcome != "emergency":
        return None
    target = retro_plan.retro_path(record)
    if forge.read_file(main, target) is not None:
        return RetroResult("closed", f"{record.change_id} is retro-approved already ({target})")
    data = retro_plan.RetroInput(
        pr=pr,
        record=record,
        record_path=path,
        record_sha256=records.record_sha256(raw, path),
        requester=requester,
        comments=comments,
        cab_teams=_cab_teams(forge, main, record.change_id, path),
        previous=forge.latest_decision_sha256(main),
    )
    planned = retro_plan.plan(data, now, identity)
    if planned is None:
        return None
    if isinstance(planned, list):
        forge.upsert_comment(pr.number, retro_plan.RETRO_COMMENT_MARKER, retro_plan.refusal_comment(planned))
        return RetroResult("refused", "retro-approval not recorded: " + "; ".join(planned))
    held = base_tip.untrusted_tip(forge, main, identity)
    if held is not None:  # the bot lays its merge only on an accounted tip, as `sync` does
        why = f"{pr.base_ref} is held, so the bot records no decision on it: {held}"
        forge.upsert_comment(pr.number, retro_plan.RETRO_COMMENT_MARKER, retro_plan.refusal_comment([why]))
        return RetroResult("refused", f"retro-approval not recorded: {why}")
    start = branching.ensure_branch(planned.branch, main)
    head = branching.commit_to_branch(planned.branch, start, {planned.path: planned.raw}, planned.subject)
    body = f"The CAB's retro-approval of emergency change `{record.change_id}` (#{pr.number})."
    number = forge.open_pull_request(planned.branch, pr.base_ref, planned.subject[:250], body)
    forge.set_status(head, "success", f"retro-approval recorded: {record.change_id}"[:140])  # required check
    merged = forge.merge(number, head, planned.subject, with_base(planned.message, main), base=main)
    forge.upsert_comment(pr.number, retro_plan.RETRO_COMMENT_MARKER, planned.comment)
    forge.upsert_issue(planned.issue.marker, planned.issue.title, planned.issue.body)
    return RetroResult("merged", f"{record.change_id} retro-approved", planned.path, head, merged)


def _emergency_record(forge: Forge, pr: PullRequest, main: str) -> tuple[str, bytes, str | None] | None:
    """(path, bytes, requester) of the decision the merged PR's pack has on the default branch."""
    packs = [
        f.path for f in forge.changed_files(pr.number) if (g := classify(f.path)) and g.kind == "EvidencePack"
    ]
    if len(packs) != 1:
        return None
    for path in records_of(packs[0]):
        raw = forge.read_file(main, path)
        if raw is not None:
            pack = forge.read_file(main, packs[0])
            try:
                requester = documents.parse(pack, packs[0], EvidencePack).model.requester if pack else None
            except InputError:
                requester = None
            return path, raw, requester
    return None


def _cab_teams(forge: Forge, main: str, change_id: str, record_path: str) -> list[Team]:
    """The teams owning medium decisions on the default branch: the CAB."""
    codeowners = first_found(lambda location: forge.read_file(main, location)) or ""
    month = record_path.split("/")[2]
    slugs = team_slugs(owners_for(codeowners, decision_path(change_id, "medium", month)))
    return [team for slug in slugs if (team := forge.team(slug)) is not None]
