"""The shapes of ids, hashes and logins, as regular expressions. Pure and light on purpose: the
models' types (bot.domain.models.base), the layout and the deployment gate share them, and the
gate reads them without loading pydantic."""

from __future__ import annotations

CHANGE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
GIT_SHA_PATTERN = r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$"
# GitHub logins: alphanumerics and single hyphens; bots end in [bot]. ASCII only (no homoglyphs).
LOGIN_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$"
TEAM_PATTERN = r"^@?[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$"
VULN_ID_PATTERN = (
    r"^(?:CVE-[0-9]{4}-[0-9]{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|[A-Z][A-Z0-9]+-[A-Za-z0-9._:-]+)$"
)
SCORE_PATTERN = r"^(?:100\.00|[0-9]{1,2}\.[0-9]{2})$"  # a risk score as its decimal text
EVIDENCE_PATH_PATTERN = r"^evidence/[0-9]{4}-[0-9]{2}/[a-z0-9][a-z0-9._-]{2,63}\.yaml$"
NAME_PATTERN = r"^[^\n\r\t]+$"  # a display name: one line
URL_PATTERN = r"^https://[^\s]+$"
PRINCIPAL_PATTERN = r"^[^\s@<>]+@[^\s@<>]+$"  # the e-mail a commit key may sign as
SIGNER_IDENTITY_PATTERN = r"^[^\s*]+\*?$"  # a Sigstore certificate identity; a trailing `*` is a prefix
