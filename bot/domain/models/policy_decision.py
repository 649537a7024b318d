"""The bot's record that CAB and security decided a policy change: the risk model, CODEOWNERS,
`policy/`, workflows, the bot's code, or any path outside a change's or an exception's allow-list.

It names every path the pull request changed with the git blob it brings, so the audit can check
that the merge brought exactly those blobs and nothing else, and so the bot can tell an approved
risk-model version from one that landed some other way.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import CabModel, ChangeId, GitSha, Login, Sha256, Text, UtcTime
from bot.domain.models.decision import Approval, ChangeAuthor, PullRequestRef, TeamMembership

# Printable ASCII, relative (git itself refuses `..` segments): the bot refuses every other path.
PolicyPathText = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[!-.0-~][ -~]*$")]


class PolicyPath(CabModel):
    """One changed path and the blob the change gives it (None: the change deletes it)."""

    path: PolicyPathText
    blob: GitSha | None = None


class PolicyDecision(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["PolicyDecision"]
    id: ChangeId  # pr-<number>: one policy decision per pull request
    outcome: Literal["pending", "approved", "rejected"]
    paths: Annotated[list[PolicyPath], Field(min_length=1)]
    paths_sha256: Sha256  # what each approval was given on (`bot.domain.rules.policy_changes`)
    approvals: list[Approval] = Field(default_factory=list)
    rationale: Text
    decided_at: UtcTime | None = None
    decided_by: Login | None = None
    pull_request: PullRequestRef | None = None
    previous: Sha256 | None = None
    # the owning teams' members as the syncs saw them, as on a change's record (`rules.membership`)
    membership: list[TeamMembership] = Field(default_factory=list)
    authors: list[ChangeAuthor] = Field(default_factory=list)  # as on a change's record
