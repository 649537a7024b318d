"""Shared base for every governed document: strict types, unknown fields rejected, immutable."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from bot.domain.patterns import CHANGE_ID_PATTERN as CHANGE_ID_PATTERN
from bot.domain.patterns import GIT_SHA_PATTERN as GIT_SHA_PATTERN
from bot.domain.patterns import LOGIN_PATTERN as LOGIN_PATTERN
from bot.domain.patterns import NAME_PATTERN, URL_PATTERN
from bot.domain.patterns import SHA256_PATTERN as SHA256_PATTERN
from bot.domain.patterns import TEAM_PATTERN as TEAM_PATTERN
from bot.domain.patterns import VULN_ID_PATTERN as VULN_ID_PATTERN

API_VERSION = "cab/v1"


class CabModel(BaseModel):
    """Strict, frozen, closed: a typo or an injected field is an error, never ignored."""

    model_config = ConfigDict(
        # Each model's validator is built when it is first used, not when bot.domain.models is
        # imported: `cab show` and `cab status` use two or three of the 58 (about 40 ms of
        # their start); a full audit builds them all, as before.
        defer_build=True,
        strict=True,
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        str_strip_whitespace=False,
        validate_default=True,
    )


def _no_control_chars(value: str) -> str:
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value):
        raise ValueError("control characters are not allowed")
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_no_control_chars)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NAME_PATTERN)]
ChangeId = Annotated[str, StringConstraints(pattern=CHANGE_ID_PATTERN)]
Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
GitSha = Annotated[str, StringConstraints(pattern=GIT_SHA_PATTERN)]
Login = Annotated[str, StringConstraints(pattern=LOGIN_PATTERN)]
TeamSlug = Annotated[str, StringConstraints(pattern=TEAM_PATTERN)]
VulnId = Annotated[str, StringConstraints(pattern=VULN_ID_PATTERN, max_length=100)]
# A file inside the repository: relative, no `.`/`..` segments, no scheme, no option-like names.
RelativePath = Annotated[
    str,
    StringConstraints(
        max_length=500, pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"
    ),
]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=2000)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Percent = Annotated[float, Field(ge=0, le=100)]
Seconds = Annotated[int, Field(ge=1, le=86_400)]
UtcTime = AwareDatetime
