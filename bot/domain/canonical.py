"""Canonical content hashing: the identity of a document is its meaning, not its formatting.

Serialization: JSON with sorted keys, no insignificant whitespace, UTF-8, and numbers normalized
(integral values as integers, so `85`, `85.0` and `8.5e1` are one value; others as the shortest
round-trip decimal). Datetimes become UTC ISO-8601 with a
`Z`. Comments, quoting style, key order and indentation never reach the hash; any change of value
does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

# The common leaves, already canonical (an int is its own integral value): returned as they are,
# without a call, since a document has thousands of them (the audit hashes every document).
_LEAVES = frozenset((str, int, bool, type(None)))


def _normalize(value: Any) -> Any:
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return {
            k if type(k) is str else str(k): v if type(v) in _LEAVES else _normalize(v)
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _LEAVES else _normalize(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if number == number.to_integral_value():
            return int(number)
        # Python's float repr is the shortest round-trip text of an IEEE double: the same everywhere.
        return float(number)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes cannot be hashed canonically")
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    raise TypeError(f"cannot canonicalize {type(value).__name__}")


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(
        _normalize(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_sha256(data: Any) -> str:
    """sha256 of the canonical serialization of a parsed document."""
    return hashlib.sha256(canonical_bytes(data)).hexdigest()
