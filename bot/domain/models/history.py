"""History: where the default branch's governed history starts, and the hand-made commits accepted in it.

Kept in `policy/history.yaml` and read at the audited tip. After `start` (default: the root commit
of the first-parent line) every first-parent commit must be the bot's decision merge or be listed
in `bootstrap` with the reason it was accepted. A commit cannot name itself, so the file only
ever names older commits, and the commit that last changed it must be accounted for like any
other: a direct push that lists itself here is still a finding.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.domain.models.base import CabModel, GitSha, Text


class AcceptedCommit(CabModel):
    """One first-parent commit that is neither a decision merge nor before the start, accepted by policy."""

    commit: GitSha
    reason: Text


class History(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["History"]
    start: GitSha | None = None
    bootstrap: list[AcceptedCommit] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _each_commit_once(self) -> History:
        listed = [entry.commit for entry in self.bootstrap]
        twice = sorted({sha for sha in listed if listed.count(sha) > 1})
        if twice:
            raise ValueError(f"bootstrap lists {', '.join(twice)} more than once")
        if self.start is not None and self.start in listed:
            raise ValueError("the start commit is accounted for already; do not list it in bootstrap")
        return self

    def accepted(self) -> frozenset[str]:
        return frozenset(entry.commit for entry in self.bootstrap)
