"""Accepted-risk exceptions. Named ExceptionRecord so it never shadows the builtin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.domain.models.base import CabModel, ChangeId, Login, Name, Sha256, Text, UtcTime, VulnId

MAX_EXCEPTION_DAYS = 90


class ExceptionScope(CabModel):
    change_ids: list[ChangeId] = Field(default_factory=list, max_length=100)
    artifact_sha256s: list[Sha256] = Field(default_factory=list, max_length=100)
    vulnerability_ids: list[VulnId] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _not_empty(self) -> ExceptionScope:
        if not (self.change_ids or self.artifact_sha256s or self.vulnerability_ids):
            raise ValueError("scope must name at least one change id, artifact sha256 or vulnerability id")
        return self


class CompensatingControl(CabModel):
    control: Text
    verification: Text


class ExceptionRecord(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["Exception"]
    id: ChangeId
    title: Name
    scope: ExceptionScope
    justification: Text
    compensating_controls: list[CompensatingControl] = Field(min_length=1, max_length=50)
    requested_by: Login
    requested_at: UtcTime
    expires_at: UtcTime

    @model_validator(mode="after")
    def _expiry_is_bounded(self) -> ExceptionRecord:
        # The approval date is only known at merge; the policy re-checks expiry against it.
        # Here we hold the request itself to the same bound so a pack can never ask for more.
        if self.expires_at <= self.requested_at:
            raise ValueError("expires_at must be after requested_at")
        if (self.expires_at - self.requested_at).total_seconds() > MAX_EXCEPTION_DAYS * 86400:
            raise ValueError(f"expires_at must be at most {MAX_EXCEPTION_DAYS} days after requested_at")
        return self
