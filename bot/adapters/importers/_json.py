"""Small checked accessors for JSON that tools wrote: a wrong type is an error naming the file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.adapters.importers.interface import ToolOutputError, fail, position_of


def field_error(raw: bytes, source: str, key: str, message: str) -> ToolOutputError:
    line, column = position_of(raw, f'"{key}"')
    return fail(source, message, line, column)


def get_list(obj: dict[str, Any], key: str, raw: bytes, source: str, where: str) -> list[Any]:
    """`obj[key]` as a list; absent or null is an empty list (tools omit empty sections)."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise field_error(raw, source, key, f"{where}{key} should be a list, not {type(value).__name__}")
    return value


def get_object(value: Any, raw: bytes, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(source, f"{where} should be an object, not {type(value).__name__}")
    return value


def get_text(obj: dict[str, Any], key: str, raw: bytes, source: str, where: str) -> str | None:
    """`obj[key]` as text; absent, null or empty is None (never a placeholder)."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise field_error(raw, source, key, f"{where}{key} should be text, not {type(value).__name__}")
    return value


def get_time(obj: dict[str, Any], key: str, raw: bytes, source: str, where: str) -> dt.datetime | None:
    """An RFC 3339 time with a zone, as UTC; absent or empty is None, a naive time is an error."""
    text = get_text(obj, key, raw, source, where)
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise field_error(raw, source, key, f"{where}{key} {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise field_error(raw, source, key, f"{where}{key} {text!r} has no time zone")
    return value.astimezone(dt.UTC)
