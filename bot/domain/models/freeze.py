"""The freeze calendar: blackout windows during which no change merges (`policy/freeze.yaml`).

Kept under `policy/`, so a window is added, moved or lifted only by an approved policy decision,
and read at the base of each decision (by the bot before it merges, by the audit afterwards).

Times are wall-clock times in the window's IANA time zone (`Europe/Berlin`, never an offset), so a
window that repeats every Friday 16:00 stays at 16:00 across daylight-saving changes. A repeating
window is an RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=FR`) read by python-dateutil, whose first
occurrence is `start`; each occurrence lasts `end - start`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cached_property
from typing import Annotated, Literal

from dateutil.rrule import rrule, rrulestr
from pydantic import Field, NaiveDatetime, StringConstraints, field_validator, model_validator

from bot.domain.models.base import CabModel, ChangeId, Name, Text

# Coarser than daily only: a finer rule (hourly, secondly) makes every look-up walk many occurrences.
_FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_ZONE = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]
_RRULE = Annotated[str, StringConstraints(min_length=6, max_length=500, pattern=r"^[A-Z0-9=;,:+\-]+$")]


class FreezeWindow(CabModel):
    """One blackout window (or a series of them, with `repeat`)."""

    name: ChangeId
    reason: Text
    start: NaiveDatetime  # wall-clock time in `time_zone`
    end: NaiveDatetime
    time_zone: _ZONE
    components: Literal["all"] | Annotated[list[Name], Field(min_length=1, max_length=1000)]
    repeat: _RRULE | None = None  # an RFC 5545 RRULE without DTSTART: `start` is the first occurrence

    @field_validator("components", mode="before")
    @classmethod
    def _all_or_names(cls, value: object) -> object:
        if value != "all" and not (isinstance(value, list) and value):
            raise ValueError("components is `all` or a list of at least one component name")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _wall_clock(cls, value: object) -> object:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise ValueError(
                "a wall-clock time in time_zone, without an offset or Z (e.g. 2026-12-24T18:00:00)"
            )
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin") from None
        return value

    @model_validator(mode="after")
    def _window_is_ordered(self) -> FreezeWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.repeat is not None:
            self.rule  # noqa: B018 -- parses and checks the RRULE now, at the file boundary
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    @cached_property
    def rule(self) -> rrule | None:
        """The recurrence, anchored at `start`; None for a one-off window."""
        if self.repeat is None:
            return None
        text = self.repeat.removeprefix("RRULE:")
        if "DTSTART" in text or ":" in text:
            raise ValueError("repeat is one RRULE without DTSTART: start is the first occurrence")
        try:
            parsed = rrulestr(text, dtstart=self.start)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"repeat is not an RFC 5545 RRULE: {exc}") from None
        if not isinstance(parsed, rrule):
            raise ValueError("repeat is one RRULE")
        frequency = re.search(r"(?:^|;)FREQ=([A-Z]+)", text)
        if frequency is None or frequency[1] not in _FREQUENCIES:
            raise ValueError("repeat must be FREQ=YEARLY, MONTHLY, WEEKLY or DAILY")
        return parsed

    def covers(self, component_names: list[str]) -> bool:
        """Whether the window applies to a change touching these components (`all`: every change,
        including one that names no component)."""
        if self.components == "all":
            return True
        return any(name in self.components for name in component_names)


class FreezeCalendar(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["FreezeCalendar"]
    windows: list[FreezeWindow] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _names_are_unique(self) -> FreezeCalendar:
        names = [w.name for w in self.windows]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"window names must be unique: {', '.join(twice)}")
        return self
