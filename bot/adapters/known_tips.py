"""The tips earlier audits verified, remembered outside the repository, like ssh's known_hosts.

`$XDG_STATE_HOME/cab-bot/known-tips` (default `~/.local/state/cab-bot/known-tips`), one line per
clone and branch: `<root commit> <ref> <tip> <audited at> <clone>`, where `<clone>` is a hash of the
clone's git directory and the root commit of the first-parent line lets it notice that even the
root was replaced.
Nothing here comes from the repository, so a push cannot edit it; a user who accepts a rewritten
history deletes the line, as with known_hosts.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

FILE = "known-tips"
HEADER = (
    "# Tips `cab audit` verified: <root commit> <ref> <tip> <audited at> <clone>.\n"
    "# A later audit refuses a history in which its tip is no longer an ancestor (history.rewritten);\n"
    "# delete a line to accept a rewritten history.\n"
)
_LINE = re.compile(r"^([0-9a-f]{40,64}) (refs/\S+) ([0-9a-f]{40,64}) (\S+) ([0-9a-f]{64})$")


@dataclass(frozen=True)
class KnownTip:
    root: str
    ref: str
    tip: str
    audited_at: str
    clone: str
    line: int  # 1-based line number in the file, for the message that says what to delete


def location(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cab-bot" / FILE


def clone_id(git_dir: Path) -> str:
    return hashlib.sha256(str(git_dir.resolve()).encode()).hexdigest()


def load() -> list[KnownTip]:
    """Every well-formed line; a missing or unreadable file knows nothing."""
    try:
        lines = location().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    found = []
    for number, line in enumerate(lines, start=1):
        match = _LINE.match(line.strip())
        if match:
            root, ref, tip, audited_at, clone = match.groups()
            found.append(KnownTip(root, ref, tip, audited_at, clone, number))
    return found


def remember(root: str, ref: str, tip: str, audited_at: str, clone: str) -> None:
    """Record `tip` for (clone, ref), replacing what was known for that pair; atomic."""
    kept = [t for t in load() if (t.clone, t.ref) != (clone, ref)]
    entries = [*kept, KnownTip(root, ref, tip, audited_at, clone, 0)]
    target = location()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_name(f"{FILE}.{os.getpid()}.tmp")
    body = "".join(f"{t.root} {t.ref} {t.tip} {t.audited_at} {t.clone}\n" for t in entries)
    temporary.write_text(HEADER + body, encoding="utf-8")
    os.replace(temporary, target)
