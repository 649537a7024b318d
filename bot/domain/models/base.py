"""Shared base for every governed document: strict types, unknown fields rejected, immutable."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

API_VERSION = "cab/v1"

CHANGE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
GIT_SHA_PATTERN = r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$"
# GitHub logins: alphanumerics and single hyphens; bots end in [bot]. ASCII only (no homoglyphs).
LOGIN_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$"
TEAM_PATTERN = r"^@?[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$"
VULN_ID_PATTERN = (
    r"^(?:CVE-[0-9]{4}-[0-9]{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|[A-Z][A-Z0-9]+-[A-Za-z0-9._:-]+)$"
)


class CabModel(BaseModel):
    """Strict, frozen, closed: a typo or an injected field is an error, never ignored."""

    model_config = ConfigDict(
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
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\n\r\t]+$")]
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
Url = Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$", max_length=2000)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Percent = Annotated[float, Field(ge=0, le=100)]
Seconds = Annotated[int, Field(ge=1, le=86_400)]
UtcTime = AwareDatetime
