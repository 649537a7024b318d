"""What a file is, decided from its content (never from its name), parsed once.

JSON is classified by the keys each tool always writes, XML by its root element, text by its first
line. The parsed value travels on with the format so no importer parses a file twice. XML goes
through `defusedxml`, so entity declarations (billion laughs) and external entities (XXE) are
refused before anything is expanded; a bare `<!DOCTYPE coverage>` is allowed, but one that names an
external DTD (SYSTEM or PUBLIC) is refused: cab never fetches it, and what the file means must not
depend on a document somewhere else. XML must be UTF-8, US-ASCII or ISO-8859-1 (what expat decodes
itself); any other declared encoding (UTF-7 smuggles markup past filters) is refused by name.
JSON is held to RFC 8259 and a bit more: a key given twice in one object is refused (a later
`"Results": []` would silently hide the findings before it), and so is a number that does not fit
a finite float (`1e400` would be read as infinity).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from bot.adapters.importers.interface import (
    ToolOutputError,
    WrongFormatError,
    fail,
    position_of,
    read_tool_output,
)
from bot.domain.errors import Problem


class Format(Enum):
    """Every kind of file cab recognises; the value is how an error message describes it."""

    TRIVY_JSON = "a Trivy vulnerability report (JSON)"
    GRYPE_JSON = "a Grype vulnerability report (JSON)"
    CYCLONEDX_JSON = "a CycloneDX SBOM (JSON)"
    CYCLONEDX_XML = "a CycloneDX SBOM (XML)"
    SPDX_JSON = "an SPDX 2.x SBOM (JSON)"
    SPDX_TAG_VALUE = "an SPDX SBOM in tag-value format"
    JUNIT_XML = "a JUnit test report (XML)"
    COBERTURA_XML = "a Cobertura coverage report (XML)"
    LCOV = "an lcov coverage tracefile"
    CHANGE_PLAN = "a change plan (YAML, kind: ChangePlan)"
    OTHER_JSON = "JSON of no format cab knows"
    OTHER_XML = "XML of no format cab knows"
    OTHER_TEXT = "text of no format cab knows"


@dataclass(frozen=True)
class Input:
    """A file's bytes, what it is, and its parsed form (JSON value, XML root or text)."""

    source: str
    raw: bytes
    format: Format
    detail: str = ""
    json: Any = None
    xml: Element | None = None
    text: str | None = None

    def describe(self) -> str:
        return f"{self.format.value}{f' ({self.detail})' if self.detail else ''}"


_UTF8_BOM = b"\xef\xbb\xbf"
_LCOV_START = re.compile(r"^(?:TN|SF|VER):")
_SPDX_TAG_START = re.compile(r"^SPDXVersion:")
_PLAN_KIND = re.compile(r"""^kind:[ \t]*(["']?)ChangePlan\1[ \t]*(?:#.*)?$""", re.MULTILINE)


def load(path: Path, expected: Collection[Format], role: str) -> Input:
    """Read and detect `path`; if it is not one of `expected`, say what it looks like instead.

    `role` is what the file was passed as (e.g. "--sbom"), for the error message.
    """
    found = sniff(read_tool_output(path), str(path))
    if found.format not in expected:
        wanted = " or ".join(f.value for f in expected)
        raise WrongFormatError(
            [
                Problem(
                    found.source,
                    1,
                    1,
                    f"passed as {role}, but this looks like {found.describe()}; {role} expects {wanted}",
                )
            ]
        )
    return found


def sniff(raw: bytes, source: str) -> Input:
    """Detect the format of `raw` and parse it; malformed JSON/XML is an error at its line:col."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(source, "file is UTF-16; tool output must be UTF-8")
    body = raw[len(_UTF8_BOM) :] if raw.startswith(_UTF8_BOM) else raw
    start = body.lstrip()[:1]
    if start in (b"{", b"["):
        return _sniff_json(raw, body, source)
    if start == b"<":
        return _sniff_xml(raw, source)
    return _sniff_text(raw, body, source)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _NotFinite(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _nth_position(raw: bytes, needle: bytes, n: int) -> tuple[int, int]:
    """1-based line:col of the n-th occurrence of `needle` (the first if there are fewer)."""
    index = -1
    for _ in range(n):
        found = raw.find(needle, index + 1)
        if found < 0:
            break
        index = found
    return _line_col(raw, max(index, 0))


def _sniff_json(raw: bytes, body: bytes, source: str) -> Input:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(body, exc.start)
        raise fail(source, "file is not valid UTF-8", line, column) from None
    try:
        data = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_keys
        )
    except _DuplicateKey as exc:
        # json keeps no positions; the second time the key is written is the likeliest culprit.
        line, column = _nth_position(raw, json.dumps(exc.key).encode("utf-8"), 2)
        raise fail(
            source,
            f"key {exc.key!r} appears twice in one object; tool output must not repeat a key",
            line,
            column,
        ) from None
    except _NotFinite as exc:
        line, column = position_of(raw, exc.text)
        raise fail(source, f"number {exc.text} is too large to be a finite number", line, column) from None
    except json.JSONDecodeError as exc:
        # A string only stays unterminated when the input ends inside it.
        at_end = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        hint = " (is the file truncated?)" if at_end else ""
        raise fail(source, f"not valid JSON: {exc.msg}{hint}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise fail(source, "JSON is nested too deeply to read") from None
    except ValueError as exc:  # NaN/Infinity, integers of thousands of digits
        raise fail(source, f"not valid JSON: {exc}") from None
    fmt, detail = _classify_json(data)
    return Input(source, raw, fmt, detail, json=data)


def _classify_json(data: Any) -> tuple[Format, str]:
    if not isinstance(data, dict):
        return Format.OTHER_JSON, f"top level is a {type(data).__name__}, not an object"
    if data.get("bomFormat") == "CycloneDX":
        return Format.CYCLONEDX_JSON, ""
    if isinstance(data.get("spdxVersion"), str):
        return Format.SPDX_JSON, ""
    if "SchemaVersion" in data and ("Results" in data or "ArtifactName" in data):
        return Format.TRIVY_JSON, ""
    descriptor = data.get("descriptor")
    matches = data.get("matches")
    if isinstance(matches, list) and isinstance(descriptor, dict) and descriptor.get("name") == "grype":
        return Format.GRYPE_JSON, ""
    keys = ", ".join(sorted(str(k) for k in data)[:6])
    return Format.OTHER_JSON, f"top-level keys: {keys}" if keys else "an empty object"


class _Parser(DefusedXMLParser):  # type: ignore[misc]  # defusedxml ships no types
    """defusedxml's parser, refusing a DOCTYPE only when it points at an external DTD."""

    def defused_start_doctype_decl(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
    ) -> None:
        if sysid or pubid:
            raise DTDForbidden(name, sysid, pubid)


_XML_DECLARATION = re.compile(rb"""\A<\?xml[^>]*?\bencoding\s*=\s*(["'])([^"']*)\1""")
_XML_ENCODINGS = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})


def _sniff_xml(raw: bytes, source: str) -> Input:
    body = raw[len(_UTF8_BOM) :] if raw.startswith(_UTF8_BOM) else raw
    declared = _XML_DECLARATION.match(body.lstrip())
    if declared and declared.group(2).decode("ascii", "replace").lower() not in _XML_ENCODINGS:
        line, column = position_of(raw, "encoding=")
        encoding = declared.group(2).decode("ascii", "replace")
        raise fail(
            source,
            f"XML declares encoding {encoding!r}; cab reads XML in UTF-8, US-ASCII or ISO-8859-1",
            line,
            column,
        )
    try:
        parser = _Parser(target=TreeBuilder(), forbid_dtd=True)
        parser.feed(raw)
        root = parser.close()
    except DTDForbidden as exc:
        line, column = position_of(raw, "<!DOCTYPE")
        raise fail(
            source,
            f"XML names an external DTD ({exc.sysid or exc.pubid}), which is refused: cab never fetches "
            "one and a report must mean the same without it; remove the DOCTYPE line",
            line,
            column,
        ) from None
    except ParseError as exc:
        line, column = exc.position  # expat counts columns from 0
        reason = str(exc).split(": line ")[0]
        raise fail(source, f"not well-formed XML: {reason}", line, column + 1) from None
    except DefusedXmlException as exc:
        line, column = position_of(raw, "<!ENTITY")
        raise fail(
            source,
            f"XML declares entities, which are refused (they enable XXE and billion-laughs attacks): {exc}",
            line,
            column,
        ) from None
    except ValueError as exc:  # expat's own refusals, e.g. an encoding it cannot decode
        raise fail(source, f"XML cannot be read: {exc}") from None
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    fmt, detail = _classify_xml(local, namespace, root)
    return Input(source, raw, fmt, detail, xml=root)


def _classify_xml(local: str, namespace: str, root: Element) -> tuple[Format, str]:
    if local in ("testsuites", "testsuite"):
        return Format.JUNIT_XML, ""
    if local == "coverage" and ("line-rate" in root.attrib or "lines-valid" in root.attrib):
        return Format.COBERTURA_XML, ""
    if local == "bom" and namespace.startswith("http://cyclonedx.org/schema/bom/"):
        return Format.CYCLONEDX_XML, ""
    if local == "coverage":
        return Format.OTHER_XML, "root <coverage> without Cobertura's line-rate (Clover?)"
    return Format.OTHER_XML, f"root element <{local}>"


def _sniff_text(raw: bytes, body: bytes, source: str) -> Input:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Input(source, raw, Format.OTHER_TEXT, "binary, or text that is not UTF-8")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if _LCOV_START.match(first):
        return Input(source, raw, Format.LCOV, text=text)
    if _SPDX_TAG_START.match(first):
        return Input(source, raw, Format.SPDX_TAG_VALUE, text=text)
    if _PLAN_KIND.search(text):
        return Input(source, raw, Format.CHANGE_PLAN, text=text)
    detail = "an empty file" if not first else f"first line {first[:40]!r}"
    return Input(source, raw, Format.OTHER_TEXT, detail, text=text)


def _line_col(data: bytes, index: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, index) + 1
    return line, index - (data.rfind(b"\n", 0, index) + 1) + 1


__all__ = ["Format", "Input", "ToolOutputError", "load", "sniff"]
