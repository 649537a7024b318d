"""Where governed files live, as a strict allowlist of path shapes. Pure string logic.

Paths are checked exactly (lower-case directory names, `.yaml` only, ASCII ids), so that case or
homoglyph variants such as `Exceptions/` or a Cyrillic look-alike can never pass as governed paths, and
anything unexpected under a governed directory is an error rather than silently ignored.

Look-alike top-level folders (`evidence/` with a dotless i, `decisions/` with a fullwidth or a
small-capital d, `po1icy/`, `risk-rnodel/`)
are caught by `lookalike`: a top-level name that is not ASCII, or that Unicode's confusables
(UTS #39, the table `confusable_homoglyphs` ships), case and compatibility forms can make read as a
governed name. Both count as governed, so that the PR is refused and the audit reports them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Literal, NamedTuple

from bot.domain.patterns import CHANGE_ID_PATTERN

GOVERNED_DIRS = ("evidence", "exceptions", "decisions", "risk-model")
# Names a look-alike may not imitate: the governed directories and the CAB's configuration.
GOVERNED_NAMES = (*GOVERNED_DIRS, "policy")
# The keys that may sign the bot's commits (kind Signers), read at each decision's base commit.
SIGNERS_PATH = "policy/signers.yaml"
# Paths whose change the audit flags when no policy decision accounts for it, and which the
# deployment gate requires accounted for before a decision's base (issue 12); at the PR every
# path outside the allow-lists is a policy change, these and all others alike (rules.scope).
POLICY_PREFIXES = (
    ".github/",
    "bot/",
    "policy/",
    "risk-model/",
    "pyproject.toml",
    "action.yml",
    "CODEOWNERS",
    "docs/CODEOWNERS",
)
# Pre-approved change templates (kind StandardChange) and the emergency rules (kind EmergencyPolicy),
# read at each decision's base commit like the signers.
STANDARD_CHANGES_DIR = "policy/standard-changes"
EMERGENCY_POLICY_PATH = "policy/emergency.yaml"
# The freeze calendar (kind FreezeCalendar): blackout windows, read at each decision's base commit.
FREEZE_PATH = "policy/freeze.yaml"
_LOOKALIKE_STEPS = 3  # small-capital D -> Cherokee small A (confusable) -> Cherokee A (case) -> D
_ID = CHANGE_ID_PATTERN.strip("^$")
_MONTH = r"(?P<month>[0-9]{4}-(?:0[1-9]|1[0-2]))"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "EvidencePack": re.compile(rf"^evidence/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "Exception": re.compile(rf"^exceptions/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "Decision": re.compile(rf"^decisions/(?P<tier>low|medium|high)/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "ExceptionDecision": re.compile(rf"^decisions/exceptions/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "PolicyDecision": re.compile(rf"^decisions/policy/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "RetroApproval": re.compile(rf"^decisions/retro/{_MONTH}/(?P<id>{_ID})\.yaml$"),
    "RiskModel": re.compile(r"^risk-model/v(?P<id>[0-9]+\.[0-9]+)\.yaml$"),
}
_DOCS = re.compile(r"^(?:evidence|exceptions|decisions|risk-model)/README\.md$")

Kind = Literal[
    "EvidencePack",
    "Exception",
    "Decision",
    "ExceptionDecision",
    "PolicyDecision",
    "RetroApproval",
    "RiskModel",
]
RECORD_KINDS = ("Decision", "ExceptionDecision", "PolicyDecision", "RetroApproval")


class GovernedPath(NamedTuple):
    kind: Kind
    id: str
    month: str | None
    tier: str | None


def is_governed(path: str) -> bool:
    """True for anything under a governed directory, whatever its case or shape, and for anything
    under a top-level name that is not ASCII or looks like a governed one (see `lookalike`)."""
    top = path.split("/", 1)[0]
    return top.lower() in GOVERNED_DIRS or lookalike(top) is not None


def lookalike(top: str) -> str | None:
    """Why a top-level name may not be used, or None: not ASCII, or it reads as a governed name
    without being it."""
    if top in GOVERNED_NAMES:
        return None
    imitated = next((name for name in GOVERNED_NAMES if _reads_as(top, name)), None)
    if imitated is not None:
        return f"{shown(top)}/ looks like {imitated}/ (Unicode confusables, case or width)"
    if not top.isascii():
        return f"{shown(top)}/ is not ASCII; top-level folders must be ASCII"
    return None


def shown(text: str) -> str:
    """The text with every non-ASCII character spelled out, so a look-alike is visible as one."""
    return "".join(c if c.isascii() and c.isprintable() else f"\\u{ord(c):04x}" for c in text)


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


def attachments_dir(change_id: str, month: str) -> str:
    """Where a pack's raw inputs live: next to the pack, in a folder named by its change id."""
    return f"evidence/{month}/{change_id}"


# The file name `cab collect` gives the artifact's Sigstore bundle among the attachments.
SIGSTORE_BUNDLE_NAME = "artifact.sigstore.json"
_ATTACHMENT = re.compile(rf"^evidence/{_MONTH}/(?P<id>{_ID})/(?P<name>[a-z0-9][a-z0-9._-]{{0,63}})$")


def attachment_of(path: str) -> tuple[str, str] | None:
    """(month, change id) of the pack whose attachments folder holds `path`, or None.

    Attachments are not documents of their own: they are governed through their pack, which names
    each one with its sha256 (see `bot.services.attachments`).
    """
    match = _ATTACHMENT.match(path)
    return (match["month"], match["id"]) if match else None


def standard_change_path(name: str) -> str:
    return f"{STANDARD_CHANGES_DIR}/{name}.yaml"


def decision_path(change_id: str, tier: str, month: str) -> str:
    return f"decisions/{tier}/{month}/{change_id}.yaml"


def exception_path(exception_id: str, month: str) -> str:
    return f"exceptions/{month}/{exception_id}.yaml"


def exception_decision_path(exception_id: str, month: str) -> str:
    return f"decisions/exceptions/{month}/{exception_id}.yaml"


def policy_decision_path(decision_id: str, month: str) -> str:
    return f"decisions/policy/{month}/{decision_id}.yaml"


def retro_approval_path(change_id: str, month: str) -> str:
    """The CAB's retroactive approval of an emergency change: the month of the change's evidence."""
    return f"decisions/retro/{month}/{change_id}.yaml"


def records_of(path: str) -> tuple[str, ...]:
    """Every decision record the change or exception at `path` can have (one per tier for an
    evidence pack, whose tier is not known until it is scored), so that a forge can read them at a
    head together with the file itself. Placement requires the record's month to be the file's."""
    governed = classify(path)
    if governed is None or governed.month is None:
        return ()
    if governed.kind == "EvidencePack":
        return tuple(decision_path(governed.id, tier, governed.month) for tier in ("low", "medium", "high"))
    if governed.kind == "Exception":
        return (exception_decision_path(governed.id, governed.month),)
    return ()


@cache
def _peers(char: str) -> frozenset[str]:
    """What one character may be taken for, one step away: its confusables (both ways), its case
    forms and its compatibility form (NFKC: a fullwidth d is `d`)."""
    from confusable_homoglyphs import confusables  # its table is large; only a non-ASCII name needs it

    found = confusables.is_confusable(char, greedy=True)
    out = {str(h["c"]) for h in found[0]["homoglyphs"]} if found else set()
    out |= {char.casefold(), char.upper(), unicodedata.normalize("NFKC", char)}
    out.discard(char)
    return frozenset(out)


@cache
def _ascii_readings(char: str) -> frozenset[str]:
    """The lower-case ASCII texts a character may be read as, within a few look-alike steps."""
    seen, frontier = {char}, {char}
    for _ in range(_LOOKALIKE_STEPS):
        frontier = {p for f in frontier if len(f) == 1 for p in _peers(f)} - seen
        seen |= frontier
    return frozenset(s.casefold() for s in seen if s.isascii())


@cache
def _reads_as(name: str, target: str) -> bool:
    """Whether `name` may be read as `target` (ASCII, lower-case), character by character, where a
    pair such as `rn` may stand for one (`m`) and one character for a pair."""
    name = unicodedata.normalize("NFKC", name)

    @cache
    def rest(i: int, j: int) -> bool:
        if i == len(name) or j == len(target):
            return i == len(name) and j == len(target)
        readings = _ascii_readings(name[i])
        if any(target.startswith(r, j) and rest(i + 1, j + len(r)) for r in readings if r):
            return True
        pair = name[i : i + 2].casefold()
        return len(pair) == 2 and pair in _ascii_readings(target[j]) and rest(i + 2, j + 1)

    return rest(0, 0)
