"""A standard change: a template the CAB approved once, so that a change meeting it needs no review.

Kept in `policy/standard-changes/<name>.yaml`, so a template arrives, or changes, only through a
policy decision that CAB and security approved (`bot.domain.rules.standard_changes` checks its
blob against the approved ones). A pack names the template (`standard_change: NAME`); the
conditions below are what the pack must meet, judged by the one rule the bot and the audit share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.domain.models.base import CabModel, Name, Text

# What a template may require to be attached (and so re-derived by the bot and the audit):
# a section derived from tool output, or a Sigstore bundle that verified.
AttachmentKind = Literal["sbom", "vulnerability_scan", "tests", "coverage", "signature"]
TemplateName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]


class StandardChange(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["StandardChange"]
    name: TemplateName  # the file name, without `.yaml`
    description: Text
    components: Annotated[list[Name], Field(min_length=1, max_length=200)]  # every affected one in here
    max_score: Annotated[int, Field(ge=0, le=100)]  # the score may not exceed it (as model thresholds)
    required_attachments: list[AttachmentKind] = Field(default_factory=list, max_length=5)
