"""The deployment gate's light reading of `policy/signers.yaml`: the commit keys, each field held
to the rule the schema (bot.domain.models.signers) gives it. Pure.

Why: `cab verify` checks the bot's commit signatures against this policy in every deployment, and
loading pydantic and the models costs several times Python's own start. As with
bot.domain.rules.gate_record, this is a gate, not a parser of its own: a document that is not
exactly as the schema allows (any field, the artifact identities included, since the full path
then refuses the whole policy) gives None, and the gate leaves the verdict to the full path, which
validates the policy with the model and says what is wrong. Which key is trusted for which commit
stays the one rule of bot.domain.rules.commit_signatures, shared with the audit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

from bot.domain.patterns import NAME_PATTERN, PRINCIPAL_PATTERN, SIGNER_IDENTITY_PATTERN, URL_PATTERN

_API_VERSION = "cab/v1"
_TOP = frozenset(("apiVersion", "kind", "commits", "artifacts"))
_COMMIT = frozenset(("name", "format", "public_key", "principals", "valid_after", "valid_before"))
_ARTIFACT = frozenset(("issuer", "identity"))
# The models' patterns (one home: bot.domain.patterns); the lengths are the models' too.
_NAME, _PRINCIPAL = re.compile(NAME_PATTERN), re.compile(PRINCIPAL_PATTERN)
_URL, _IDENTITY = re.compile(URL_PATTERN), re.compile(SIGNER_IDENTITY_PATTERN)
_MAX_COMMITS, _MAX_ARTIFACTS, _MAX_PRINCIPALS = 50, 200, 20


class Signer(NamedTuple):
    """One commit key, with the fields of the `CommitSigner` model that the signature rule reads."""

    name: str
    format: str
    public_key: str
    principals: tuple[str, ...]
    valid_after: dt.datetime | None
    valid_before: dt.datetime | None


def _text(value: Any, pattern: re.Pattern[str], max_length: int) -> str | None:
    ok = isinstance(value, str) and len(value) <= max_length and pattern.fullmatch(value) is not None
    return value if ok else None


def _time(record: dict[str, Any], key: str) -> tuple[bool, dt.datetime | None]:
    """(readable, value) of an optional aware datetime (models.base.UtcTime, strict)."""
    value = record.get(key)
    if value is None:  # absent, or given as null: both mean "no bound", as the model's default
        return True, None
    aware = isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset() is not None
    return aware, value if aware else None


def _signer(item: Any) -> Signer | None:
    if not isinstance(item, dict) or not set(item) <= _COMMIT:
        return None
    name = _text(item.get("name"), _NAME, 200)
    form, key, principals = item.get("format"), item.get("public_key"), item.get("principals")
    if name is None or form not in ("ssh", "gpg") or not isinstance(key, str) or not 16 <= len(key) <= 20_000:
        return None
    if not isinstance(principals, list) or not 1 <= len(principals) <= _MAX_PRINCIPALS:
        return None
    if any(_text(p, _PRINCIPAL, 254) is None for p in principals):
        return None
    (after_ok, after), (before_ok, before) = _time(item, "valid_after"), _time(item, "valid_before")
    if not (after_ok and before_ok) or (after and before and before <= after):
        return None
    if form == "ssh" and ("\n" in key.strip() or not key.startswith("ssh-")):
        return None
    if form == "gpg" and "BEGIN PGP PUBLIC KEY BLOCK" not in key:
        return None
    return Signer(name, form, key, tuple(principals), after, before)


def _artifact_ok(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == _ARTIFACT
        and _text(item["issuer"], _URL, 2000) is not None
        and isinstance(item["identity"], str)
        and 3 <= len(item["identity"]) <= 500
        and _IDENTITY.fullmatch(item["identity"]) is not None
    )


def read(data: Any) -> tuple[Signer, ...] | None:
    """The commit keys of a parsed signers policy, or None if anything is not as the schema allows."""
    if not isinstance(data, dict) or not set(data) <= _TOP:
        return None
    if data.get("apiVersion") != _API_VERSION or data.get("kind") != "Signers":
        return None
    commits, artifacts = data.get("commits", []), data.get("artifacts", [])
    if not isinstance(commits, list) or not isinstance(artifacts, list):
        return None
    if len(commits) > _MAX_COMMITS or len(artifacts) > _MAX_ARTIFACTS:
        return None
    if not all(_artifact_ok(item) for item in artifacts):
        return None
    signers = [_signer(item) for item in commits]
    if any(signer is None for signer in signers):
        return None
    return tuple(signer for signer in signers if signer is not None)
