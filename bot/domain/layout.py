"""Where governed files live, as a strict allowlist of path shapes. Pure string logic.

Paths are checked exactly (lower-case directory names, `.yaml` only, ASCII ids), so that case or
homoglyph variants such as `Exceptions/` or a Cyrillic look-alike can never pass as governed paths, and
anything unexpected under a governed directory is an error rather than silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.domain.models.base import CHANGE_ID_PATTERN

GOVERNED_DIRS = ("evidence", "exceptions", "decisions", "risk-model")
_ID = CHANGE_ID_PATTERN.strip("^$")
_MONTH = r"(?P<month>[0-9]{4}-(?:0[1-9]|1[0-2]))"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "EvidencePack": re.compile(rf"^evidence/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "Exception": re.compile(rf"^exceptions/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "Decision": re.compile(rf"^decisions/(?P<tier>low|medium|high)/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "ExceptionDecision": re.compile(rf"^decisions/exceptions/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "RiskModel": re.compile(r"^risk-model/v(?P<id>[0-9]+\.[0-9]+)\.yaml$"),
}
_DOCS = re.compile(r"^(?:evidence|exceptions|decisions|risk-model)/README\.md$")

Kind = Literal["EvidencePack", "Exception", "Decision", "ExceptionDecision", "RiskModel"]


@dataclass(frozen=True)
class GovernedPath:
    kind: Kind
    id: str
    month: str | None
    tier: str | None


def is_governed(path: str) -> bool:
    """True for anything under a governed directory, whatever its case or shape."""
    top = path.split("/", 1)[0]
    return top.lower() in GOVERNED_DIRS or _fold(top) in GOVERNED_DIRS


def classify(path: str) -> GovernedPath | None:
    """The kind and id a repository-relative path holds, or None if it is not a governed file."""
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(path)
        if match:
            groups = match.groupdict()
            return GovernedPath(kind, groups["id"], groups.get("month"), groups.get("tier"))  # type: ignore[arg-type]
    return None


def is_documentation(path: str) -> bool:
    return bool(_DOCS.match(path))


def evidence_path(change_id: str, month: str) -> str:
    return f"evidence/{month}/{change_id}.yaml"


def decision_path(change_id: str, tier: str, month: str) -> str:
    return f"decisions/{tier}/{month}/{change_id}.yaml"


def exception_path(exception_id: str, month: str) -> str:
    return f"exceptions/{month}/{exception_id}.yaml"


def exception_decision_path(exception_id: str, month: str) -> str:
    return f"decisions/exceptions/{month}/{exception_id}.yaml"


def _fold(text: str) -> str:
    """Fold common Cyrillic/Greek look-alikes to ASCII to spot homoglyph directory names."""
    table = str.maketrans("аеорсхукмтнвѕіјԁɡοαερτυνκ", "aeopcxykmthbsijdgoaeptuvk")
    return text.lower().translate(table)
