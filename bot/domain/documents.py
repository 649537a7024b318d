"""Turn bytes into a validated, hashed document, or errors that point at the line and column.

This is the single entry point for reading any governed file (evidence, exception, risk model,
decision), whether it comes from the working tree, a git blob or a PR. Pure: bytes in; reading files is
`bot.adapters.files`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.canonical import content_sha256
from bot.domain.errors import InputError, Problem
from bot.domain.models import MODELS_BY_KIND
from bot.domain.models.base import (
    CHANGE_ID_PATTERN,
    GIT_SHA_PATTERN,
    LOGIN_PATTERN,
    SHA256_PATTERN,
    TEAM_PATTERN,
)
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

# What each shared pattern means, in words: the regex itself helps nobody who wrote the file.
_PATTERN_WORDS = {
    SHA256_PATTERN: "a sha256: 64 hexadecimal digits (0-9, a-f) in lowercase",
    GIT_SHA_PATTERN: "a git commit id: 40 (or 64) hexadecimal digits in lowercase",
    CHANGE_ID_PATTERN: "an id: 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
    LOGIN_PATTERN: "a GitHub login: letters, digits and '-', at most 39 characters",
    TEAM_PATTERN: "a team as org/team, e.g. @example/cab",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}
_TIME_EXAMPLE = "2026-11-03T10:00:00Z"


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
    doc, model = _validated(raw, source, expect, limits)
    return Loaded(model=model, sha256=content_sha256(doc.data), source=source, data=doc.data)


def check(raw: bytes, source: str, expect: type[M] | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The model `parse` would return, with the same errors, but unhashed: for callers that only
    need the verdict (`cab validate`), the canonical hash is a fifth of the work."""
    return _validated(raw, source, expect, limits)[1]


def _validated(raw: bytes, source: str, expect: type[M] | None, limits: Limits) -> tuple[Document, BaseModel]:
    # Positions are only needed to explain a problem: parse without them, and again with them
    # (the same bytes give the same document) when there is something to explain.
    doc = load_bytes(raw, source, limits, positions=False)
    model_type = expect or MODELS_BY_KIND.get(_kind(doc))
    if model_type is None:
        raise _kind_error(load_bytes(raw, source, limits))
    claimed = MODELS_BY_KIND.get(_kind(doc))
    if expect is not None and claimed is not None and claimed is not expect:
        raise _wrong_kind_error(load_bytes(raw, source, limits), expect)
    try:
        model = model_type.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_problems(exc, load_bytes(raw, source, limits), model_type)) from None
    return doc, model


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


def _wrong_kind_error(doc: Document, expect: type[BaseModel]) -> InputError:
    """A document of another known kind where one kind is expected: one line, not every field."""
    wanted = _kind_name(expect)
    line, column = doc.locate(("kind",))
    return InputError.at(doc.source, line, column, f"this is {_article(_kind(doc))}, not {_article(wanted)}")


def _kind_name(model_type: type[BaseModel]) -> str:
    return next((kind for kind, model in MODELS_BY_KIND.items() if model is model_type), model_type.__name__)


def _article(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _problems(exc: ValidationError, doc: Document, model_type: type[BaseModel]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
        path = _strip_union_tags(loc, doc)
        field = _dotted(path) or "document"
        kind = error["type"]
        if kind == "extra_forbidden":
            line, column = doc.locate(path, key=True)
            message = f"{field}: unknown field (not in the {_kind_name(model_type)} schema)"
            message += _did_you_mean(path, model_type)
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
    return _explain_value(error, value) or message


def _explain_value(error: Any, value: Any) -> str | None:
    """Patterns, times and numbers in words; None keeps pydantic's own message."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERN_WORDS:
        text = f"expected {_PATTERN_WORDS[ctx['pattern']]}, got {value!r}"
        if ctx["pattern"] in (SHA256_PATTERN, GIT_SHA_PATTERN) and isinstance(value, str):
            if value != value.lower() and re.match(ctx["pattern"], value.lower()):
                return f"{text}: write it in lowercase"
            return f"{text} ({len(value)} characters)"
        foreign = next((c for c in str(value) if not c.isascii()), None)
        if foreign is not None:  # a homoglyph reads as the right text and is not
            return f"{text}: {foreign!r} is U+{ord(foreign):04X}, not an ASCII character"
        return text
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing") and isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value)
        except ValueError as exc:
            reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
            return f"expected a date and time with time zone, e.g. {_TIME_EXAMPLE}; got {value!r}{reason}"
        return f"expected a date and time with time zone, e.g. {_TIME_EXAMPLE}; got text {value!r}"
    if kind in _BOUNDS and ctx.get(_BOUNDS[kind][0]) is not None:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx[key]}, got {value!r}"
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing") and isinstance(value, str):
        return f"expected a number, got text {value!r}"
    if kind == "finite_number":
        return f"expected a finite number, got {value!r}"
    return None


def _did_you_mean(path: tuple[str | int, ...], model_type: type[BaseModel]) -> str:
    """`; did you mean 'title'?` when an unknown key is close to a field the schema has there."""
    if not path or not isinstance(path[-1], str):
        return ""
    close = difflib.get_close_matches(path[-1], _fields_at(model_type, path[:-1]), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields_at(annotation: Any, path: tuple[str | int, ...]) -> list[str]:
    """Field names (as written in documents) of the model(s) found by following `path` from `annotation`."""
    nodes = [annotation]
    for part in path:
        nodes = [inner for node in nodes for inner in _step(node, part)]
    return sorted({name for node in nodes for name in _model_fields(node)})


def _alternatives(annotation: Any) -> list[Any]:
    """`Annotated[X, …]` is X; `X | Y` is both."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _alternatives(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [alt for arg in typing.get_args(annotation) for alt in _alternatives(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> list[Any]:
    out = []
    for node in _alternatives(annotation):
        origin, args = typing.get_origin(node), typing.get_args(node)
        if isinstance(node, type) and issubclass(node, BaseModel) and isinstance(part, str):
            out += [f.annotation for name, f in node.model_fields.items() if (f.alias or name) == part]
        elif origin in (list, tuple, frozenset, set) and isinstance(part, int) and args:
            out.append(args[0])
        elif origin is dict and isinstance(part, str) and len(args) == 2:
            out.append(args[1])
    return out


def _model_fields(annotation: Any) -> list[str]:
    return [
        field.alias or name
        for node in _alternatives(annotation)
        if isinstance(node, type) and issubclass(node, BaseModel)
        for name, field in node.model_fields.items()
    ]
