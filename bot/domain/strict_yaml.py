"""Strict YAML loading: the one way any governed document is read.

Why not `yaml.safe_load`: it silently keeps the last of duplicate keys, expands alias bombs,
overflows the stack on deep nesting, and applies YAML 1.1 coercions (`NO` → False, `0755` → 493,
`1:30` → 90). Here libyaml's C parser produces events and we build the document ourselves with
an explicit stack, so every limit is checked before anything is expanded, plain scalars follow
YAML 1.2's core schema, and every value keeps its line and column for error messages.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import yaml

from bot.domain.errors import InputError, Problem

try:  # libyaml is the fast path; the pure-Python parser behaves the same, only slower.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml ships in PyYAML's wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]


class Limits(NamedTuple):
    """Bounds on a document, checked while parsing; defaults suit hand-written evidence."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    max_collection_items: int = 10_000
    max_scalar_chars: int = 64 * 1024
    max_int_digits: int = 30


DEFAULT_LIMITS = Limits()


class Document:
    """A parsed document and where each value stood in the source. A plain class, not a
    dataclass: `cab verify` reads YAML too, and the dataclasses module costs its start-up."""

    __slots__ = ("data", "key_positions", "positions", "raw_scalars", "source")

    def __init__(
        self,
        source: str,
        data: Any,
        positions: dict[Path, tuple[int, int]] | None = None,
        key_positions: dict[Path, tuple[int, int]] | None = None,
        raw_scalars: dict[Path, str] | None = None,
    ) -> None:
        self.source = source
        self.data = data
        self.positions: dict[Path, tuple[int, int]] = {} if positions is None else positions
        self.key_positions: dict[Path, tuple[int, int]] = {} if key_positions is None else key_positions
        self.raw_scalars: dict[Path, str] = {} if raw_scalars is None else raw_scalars

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line/column of the deepest known prefix of `path` (1-based)."""
        table = self.key_positions if key else self.positions
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.positions:
                return self.positions[prefix]
        return (1, 1)


# Characters that make text display differently from what it is (Trojan Source, CVE-2021-42574),
# or that hide content. Rejected anywhere in a governed document.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00]")
# Double-quoted scalars can spell any character as an escape (`"\u202e"`, `"\0"`, `"\e"`), which the
# raw-text check above never sees; their decoded value must not hide characters either.
_ESCAPED_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)

# YAML 1.2 core schema, plain scalars only. Everything else is a string.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_NONFINITE = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$")
_TIMESTAMP = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]*))?"
    r"(?:[ \t]*(?P<tz>Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$"
)
_STR_TAG = "tag:yaml.org,2002:str"
# A plain scalar starting with anything else is text in the core schema: skip the regexes.
_MAYBE_NOT_TEXT = frozenset("~nNtTfF+-.0123456789")

_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_DOCUMENT_START, _STREAM_END = yaml.DocumentStartEvent, yaml.StreamEndEvent


def load_bytes(
    raw: bytes, source: str, limits: Limits = DEFAULT_LIMITS, *, positions: bool = True
) -> Document:
    """Parse one YAML document from bytes, or raise InputError naming the line and column.

    With `positions=False` the document's position tables stay empty (about a third faster); every
    check and every error of the loader itself is the same. Load again with positions to explain
    a later problem, such as a schema error, by line and column.
    """
    if len(raw) > limits.max_bytes:
        raise InputError.at(source, 1, 1, f"file is {len(raw)} bytes; the limit is {limits.max_bytes} bytes")
    text = _decode(raw, source)
    return _Builder(source, limits).build(raw, text, positions)


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise InputError.at(source, 1, 1, "file starts with a byte-order mark; save it as UTF-8 without BOM")
    nul = raw.find(b"\x00")
    if nul >= 0:  # UTF-16/32 without a BOM, or binary: say so rather than "invisible character"
        line, column = raw.count(b"\n", 0, nul) + 1, nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError.at(source, line, column, "NUL byte; is this UTF-16 or binary? save it as UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError.at(source, line, column, "file is not valid UTF-8") from None
    bad = _INVISIBLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InputError.at(
            source,
            line,
            column,
            f"invisible or bidirectional control character U+{ord(bad.group()):04X} is not allowed",
        )
    return text


class _Builder:
    """Builds Python values from libyaml events with an explicit stack (no recursion)."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits

    def fail(self, mark: Any, message: str) -> InputError:
        return InputError.at(self.source, mark.line + 1, mark.column + 1, message)

    def build(self, raw: bytes, text: str, track: bool = True) -> Document:
        """Parse `raw` (already checked to decode as `text`); libyaml reads the bytes directly."""
        doc = Document(self.source, None)
        loader = _Loader(raw)
        try:
            self._build(loader.get_event, doc, track)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or exc.context or "malformed YAML"
            raise InputError([Problem(self.source, line, column, f"YAML syntax: {problem}")]) from None
        except yaml.reader.ReaderError as exc:  # libyaml reports a byte offset into the UTF-8 text
            before = raw[: exc.position].decode("utf-8", "replace")
            line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
            character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
            raise InputError.at(self.source, line, column, f"character {character}: {exc.reason}") from None
        except yaml.YAMLError as exc:
            raise InputError.at(self.source, 1, 1, f"YAML syntax: {exc}") from None
        finally:
            loader.dispose()
        return doc

    def _build(self, next_event: Callable[[], Any], doc: Document, track: bool) -> None:
        # This loop runs once per YAML event of every governed file, so it is written for speed:
        # the most frequent events (scalars) come first and the stack frame is a plain list
        # [container, path, pending_key, key_position, is_mapping]; a mapping's pending_key is
        # None while it waits for a key. Paths and positions are only built when `track` is set.
        stack: list[list[Any]] = []
        positions, key_positions, raw_scalars = doc.positions, doc.key_positions, doc.raw_scalars
        max_items, max_depth = self.limits.max_collection_items, self.limits.max_depth
        max_chars = self.limits.max_scalar_chars
        documents = 0
        root_set = False
        path: Path | None = None
        while True:
            event = next_event()
            kind = type(event)
            if kind is _SCALAR:
                if event.anchor is not None:
                    raise self.fail(event.start_mark, "anchors (&name) are not allowed; write the value out")
                text = event.value
                # The common case inline: no tag, not double-quoted (no escapes), not too long.
                simple = event.tag is None and event.style != '"' and len(text) <= max_chars
                if stack:
                    frame = stack[-1]
                    if frame[4] and frame[2] is None:  # a key
                        if simple and text != "<<" and text not in frame[0] and len(frame[0]) < max_items:
                            frame[2] = text
                            if track:
                                frame[3] = (event.start_mark.line + 1, event.start_mark.column + 1)
                        else:
                            self._key(event, frame, track)
                        continue
                if not simple:
                    value = self._scalar(event)
                elif event.implicit[0] and (not text or text[0] in _MAYBE_NOT_TEXT):
                    value = self._plain(text, event.start_mark)
                else:
                    value = text
            elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                if event.anchor is not None:
                    raise self.fail(event.start_mark, "anchors (&name) are not allowed; write the value out")
                if stack and stack[-1][4] and stack[-1][2] is None:
                    raise self.fail(event.start_mark, "keys must be plain strings, not lists or mappings")
                if event.tag is not None and not event.implicit:
                    raise self.fail(event.start_mark, f"tag {event.tag!r} is not allowed")
                if len(stack) >= max_depth:
                    raise self.fail(event.start_mark, f"nesting deeper than {max_depth} levels")
                value = {} if kind is _MAPPING_START else []
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                stack.pop()
                continue
            elif kind is _ALIAS:
                raise self.fail(event.start_mark, "aliases (*name) are not allowed; write the value out")
            elif kind is _DOCUMENT_START:
                documents += 1
                if documents > 1:
                    raise self.fail(event.start_mark, "only one YAML document per file is allowed")
                continue
            elif kind is _STREAM_END or event is None:
                break
            else:  # stream start, document end
                continue

            # Attach the scalar or new container to its parent and note where it stood.
            if stack:
                frame = stack[-1]
                container = frame[0]
                if frame[4]:
                    key = frame[2]
                    container[key] = value
                    frame[2] = None
                    if track:
                        path = (*frame[1], key)
                        key_positions[path] = frame[3]
                else:
                    if len(container) >= max_items:
                        raise self.fail(event.start_mark, f"more than {max_items} items in a list")
                    if track:
                        path = (*frame[1], len(container))
                    container.append(value)
            else:
                if root_set:  # pragma: no cover - libyaml ends the document first
                    raise self.fail(event.start_mark, "only one top-level value is allowed")
                doc.data = value
                root_set = True
                path = ()
            if track:
                assert path is not None
                mark = event.start_mark
                positions[path] = (mark.line + 1, mark.column + 1)
                if kind is _SCALAR and event.implicit[0]:
                    raw_scalars[path] = event.value
            if kind is not _SCALAR:
                stack.append([value, path, None, None, kind is _MAPPING_START])
        if not root_set or doc.data is None:
            raise InputError.at(self.source, 1, 1, "document is empty")
        if not isinstance(doc.data, dict):
            raise InputError.at(self.source, 1, 1, "top level must be a mapping of keys to values")

    def _key(self, event: Any, frame: list[Any], track: bool) -> None:
        if event.tag is not None and event.tag not in ("!", _STR_TAG):
            raise self.fail(event.start_mark, f"tag {event.tag!r} is not allowed on a key")
        key = event.value
        self._check_escapes(event)
        if event.implicit[0] and key == "<<":
            raise self.fail(event.start_mark, "merge keys (<<) are not allowed; write the keys out")
        if key in frame[0]:
            raise self.fail(event.start_mark, f"duplicate key {key!r}")
        if len(frame[0]) >= self.limits.max_collection_items:
            raise self.fail(event.start_mark, f"more than {self.limits.max_collection_items} keys")
        frame[2] = key
        if track:
            frame[3] = (event.start_mark.line + 1, event.start_mark.column + 1)

    def _scalar(self, event: Any) -> Any:
        text: str = event.value
        if len(text) > self.limits.max_scalar_chars:
            raise self.fail(event.start_mark, f"value longer than {self.limits.max_scalar_chars} characters")
        if event.tag is not None and event.tag not in ("!", _STR_TAG):
            raise self.fail(event.start_mark, f"tag {event.tag!r} is not allowed")
        self._check_escapes(event)
        if not event.implicit[0] or event.tag == _STR_TAG:
            return text  # quoted or block scalar, or explicitly !!str: always a string
        return self._plain(text, event.start_mark)

    def _check_escapes(self, event: Any) -> None:
        if event.style == '"':
            bad = _ESCAPED_HIDDEN.search(event.value)
            if bad:
                raise self.fail(
                    event.start_mark,
                    f"escaped control or invisible character U+{ord(bad.group()):04X} is not allowed",
                )

    def _plain(self, text: str, mark: Any) -> Any:
        if text and text[0] not in _MAYBE_NOT_TEXT:
            return text
        if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
            # What _INT matches without a sign: most plain scalars of a document that are not text.
            if len(text) > self.limits.max_int_digits:
                raise self.fail(mark, f"number has more than {self.limits.max_int_digits} digits")
            return int(text)
        if _NULL.match(text):
            return None
        if _BOOL.match(text):
            return text.lower() == "true"
        if _INT.match(text):
            if len(text.lstrip("+-")) > self.limits.max_int_digits:
                raise self.fail(mark, f"number has more than {self.limits.max_int_digits} digits")
            return int(text)
        if _NONFINITE.match(text):
            raise self.fail(mark, f"{text} is not allowed: numbers must be finite")
        if _FLOAT.match(text):
            if len(text) > self.limits.max_int_digits + 10:
                raise self.fail(mark, "number is too long")
            number = float(text)
            if not math.isfinite(number):
                raise self.fail(mark, f"{text} is out of range: numbers must be finite")
            return number
        match = _TIMESTAMP.match(text)
        if match:
            return self._timestamp(match, text, mark)
        return text

    def _timestamp(self, m: re.Match[str], text: str, mark: Any) -> dt.date | dt.datetime:
        try:
            if m.group("H") is None:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            fraction = (m["f"] or "0")[:6].ljust(6, "0")
            tz: dt.tzinfo | None = None
            if m["tz"] == "Z":
                tz = dt.UTC
            elif m["tz"]:
                sign = -1 if m["tz"][0] == "-" else 1
                digits = m["tz"][1:].replace(":", "")
                hours, minutes = (
                    int(digits[:-2] or digits),
                    int(digits[-2:]) if len(digits) > 2 else 0,
                )
                tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
            return dt.datetime(
                int(m["y"]),
                int(m["m"]),
                int(m["d"]),
                int(m["H"]),
                int(m["M"]),
                int(m["S"]),
                int(fraction),
                tzinfo=tz,
            )
        except ValueError as exc:
            raise self.fail(mark, f"{text!r} is not a valid date or time ({exc})") from None
