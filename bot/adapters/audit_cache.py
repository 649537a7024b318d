"""Incremental audits: the verified state at a branch tip, keyed by that commit and the audit code.

The state (findings, chart aggregates, the newest record's sha256) covers the whole first-parent
chain up to `head`. A later run audits only `head..new-tip` and links the chain onto it. The key
includes a fingerprint of the `bot` package's source and the bot identity, so a changed audit can
never reuse a verdict it did not reach. Findings are cached like everything else and re-reported:
a cache can skip work, never a finding.

Where it lives, and why: outside the repository, in the auditing user's cache directory
(`$XDG_CACHE_HOME/cab-bot/audit/<sha256 of the clone's absolute git dir>/state.json`, default
`~/.cache`), sealed with an HMAC whose key (`.../audit/key`, mode 0600) is made on first use and
never leaves that directory. Anything that arrives with a clone, a fetch or a PR (a file planted in
`.git/`, as the old `.git/cab-audit-cache.json` was) is never read, and a state copied from another
clone or edited by hand fails its seal and is ignored: the audit then runs in full. Keeping the
audit cache-free by default was the alternative; it was not chosen because a re-audit of a large
history would cost its full time on every run, and the cache lives where only the auditor writes.
A CI job that restores cache directories from a store other jobs can write should pass `--no-cache`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import bot
from bot.domain.findings import Finding
from bot.domain.identity import BotIdentity

STATE_FILE = "state.json"
KEY_FILE = "key"
SCHEMA = 2


def cache_root(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/cab-bot/audit` (default `~/.cache/cab-bot/audit`)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cab-bot" / "audit"


def location(git_dir: Path, environ: dict[str, str] | None = None) -> Path:
    """The state file of one clone, named by the hash of its absolute git directory."""
    name = hashlib.sha256(str(git_dir.resolve()).encode()).hexdigest()
    return cache_root(environ) / name / STATE_FILE


def _key(create: bool) -> bytes | None:
    """The HMAC key, made (0600) on first save; None when there is none yet."""
    path = cache_root() / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another audit made it meanwhile
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as out:
        out.write(secrets.token_bytes(32))
    return path.read_bytes()


def _seal(key: bytes, git_dir: Path, body: str) -> str:
    message = str(git_dir.resolve()).encode() + b"\0" + body.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def fingerprint(identity: BotIdentity) -> str:
    """sha256 over the audit's own code and the identity it checks against."""
    digest = hashlib.sha256(f"schema {SCHEMA}\0{identity.name}\0{identity.email}\0".encode())
    package = Path(bot.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()


class Aggregates(Protocol):
    """The reports' chart aggregates, kept by the audit service; the cache only stores them."""

    def as_dict(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Aggregates)


@dataclass
class CachedState(Generic[S]):
    head: str
    commits: int
    newest_record: str | None
    findings: list[Finding]
    stats: S


def load(git_dir: Path, key: str, read_stats: Callable[[dict[str, Any]], S]) -> CachedState[S] | None:
    """The cached state for this audit code, or None (absent, other code, unsealed or unreadable)."""
    try:
        secret = _key(create=False)
        if secret is None:
            return None
        sealed: dict[str, Any] = json.loads(location(git_dir).read_text(encoding="utf-8"))
        body = str(sealed["body"])
        if not hmac.compare_digest(str(sealed["hmac"]), _seal(secret, git_dir, body)):
            return None
        data: dict[str, Any] = json.loads(body)
        if data.get("schema") != SCHEMA or data.get("fingerprint") != key:
            return None
        return CachedState(
            head=str(data["head"]),
            commits=int(data["commits"]),
            newest_record=data["newest_record"],
            findings=[Finding(**item) for item in data["findings"]],
            stats=read_stats(data["stats"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(git_dir: Path, key: str, state: CachedState[Any]) -> None:
    payload = {
        "schema": SCHEMA,
        "fingerprint": key,
        "head": state.head,
        "commits": state.commits,
        "newest_record": state.newest_record,
        "findings": [f.as_dict() for f in state.findings],
        "stats": state.stats.as_dict(),
    }
    secret = _key(create=True)
    assert secret is not None
    body = json.dumps(payload, sort_keys=True)
    target = location(git_dir)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"body": body, "hmac": _seal(secret, git_dir, body)}), encoding="utf-8")
    os.replace(temporary, target)
