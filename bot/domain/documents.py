"""Turn bytes into a validated, hashed document, or errors that point at the line and column.

This is the single entry point for reading any governed file (evidence, exception, risk model,
decision), whether it comes from the working tree, a git blob or a PR. Pure: bytes in; reading files is
`bot.adapters.files`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.canonical import content_sha256
from bot.domain.errors import InputError, Problem
from bot.domain.models import MODELS_BY_KIND
from bot.domain.strict_yaml import DEFAULT_LIMITS, Document, Limits, load_bytes

M = TypeVar("M", bound=BaseModel)

_YAML_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    dt.date: "a date",
    dt.datetime: "a date-time",
    type(None): "empty (null)",
}


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated document with its canonical content hash and where it came from."""

    model: M
    sha256: str
    source: str
    data: dict[str, Any]


def parse(
    raw: bytes, source: str, expect: type[M] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Loaded[Any]:
    """Parse and validate one document; `expect` pins the kind, otherwise `kind:` chooses."""
    # Positions are only needed to explain a problem: parse without them, and again with them
    # (the same bytes give the same document) when there is something to explain.
    doc = load_bytes(raw, source, limits, positions=False)
    model_type = expect or MODELS_BY_KIND.get(_kind(doc))
    if model_type is None:
        raise _kind_error(load_bytes(raw, source, limits))
    try:
        model = model_type.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_problems(exc, load_bytes(raw, source, limits))) from None
    return Loaded(model=model, sha256=content_sha256(doc.data), source=source, data=doc.data)


def _kind(doc: Document) -> str:
    kind = doc.data.get("kind")
    return kind if isinstance(kind, str) else ""


def _kind_error(doc: Document) -> InputError:
    kind = doc.data.get("kind")
    line, column = doc.locate(("kind",))
    allowed = ", ".join(sorted(MODELS_BY_KIND))
    if kind is None:
        return InputError.at(doc.source, line, column, f"missing 'kind' (one of: {allowed})")
    return InputError.at(doc.source, line, column, f"unknown kind {kind!r} (one of: {allowed})")


def _problems(exc: ValidationError, doc: Document) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
        path = _strip_union_tags(loc, doc)
        field = _dotted(path) or "document"
        kind = error["type"]
        if kind == "extra_forbidden":
            line, column = doc.locate(path, key=True)
            message = f"{field}: unknown field (not in the {doc.data.get('kind', 'document')} schema)"
        elif kind == "missing":
            line, column = doc.locate(path[:-1])
            message = f"{field}: required field is missing"
        else:
            line, column = doc.locate(path)
            message = f"{field}: {_explain(error, path, doc)}"
        problems.append(Problem(doc.source, line, column, message))
    return problems


def _strip_union_tags(loc: tuple[str | int, ...], doc: Document) -> tuple[str | int, ...]:
    """Drop pydantic's discriminator/union markers (e.g. 'bands') that are not document keys."""
    path: list[str | int] = []
    node: Any = doc.data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if present:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict | list) and isinstance(part, str) and not _is_union_tag(part, node):
            path.append(part)  # a key that is missing or extra: keep it for the message
            node = None
        # else: a marker past a scalar (e.g. 'function-after[...]'): skip
    return tuple(path)


def _is_union_tag(part: str, node: Any) -> bool:
    return isinstance(node, dict) and (node.get("type") == part or "[" in part)


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _explain(error: Any, path: tuple[str | int, ...], doc: Document) -> str:
    message = str(error["msg"])
    value = error.get("input")
    raw = doc.raw_scalars.get(path)
    wanted_string = error["type"] in ("string_type",)
    if raw is not None and wanted_string and not isinstance(value, str):
        read_as = _YAML_TYPE_NAMES.get(type(value), type(value).__name__)
        return f'expected text, but YAML reads {raw!r} as {read_as}; put it in quotes: "{raw}"'
    if error["type"] in ("timezone_aware",):
        return "time must carry a timezone (use Z for UTC, e.g. 2026-11-03T10:00:00Z)"
    if error["type"] == "datetime_type" and isinstance(value, dt.date):
        return "expected a date and time with timezone (e.g. 2026-11-03T10:00:00Z), not a bare date"
    if raw is not None and error["type"] in ("bool_type",):
        return f"expected true or false, got {raw!r}"
    if error["type"] == "int_type" and isinstance(value, str):
        return f"expected a whole number, got text {value!r}"
    if error["type"] == "int_type" and raw is not None:  # e.g. 0755 or 1.0, read as a number
        return f"expected a whole number, got {raw!r}"
    return message
