"""Is a bot commit signed by a key that policy trusts for its committer, at its time? Pure.

A commit's author and committer are typed by whoever makes it; its signature is not. Every commit
where a bot commit is expected (a decision merge, a final-record commit) must carry a good
signature from a key in `policy/signers.yaml` at the decision's base (`Signers.commits`) whose
principals include the committer's e-mail and whose validity window covers the commit time. The
cryptography is the adapter's (`bot.adapters.git.signatures`), which reports which policy keys made
a good signature (`Verification`); this rule decides whether that is enough. The audit and the
deployment gate share it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal, NamedTuple

from bot.domain.git_objects import CommitHeader

if TYPE_CHECKING:  # types only: the gate reads the policy without pydantic (bot.domain.rules.gate_signers)
    from collections.abc import Sequence
    from typing import Protocol

    class CommitSigner(Protocol):
        """What the rule reads of a policy key: the `CommitSigner` model, or the gate's light reading."""

        @property
        def name(self) -> str: ...
        @property
        def format(self) -> str: ...
        @property
        def public_key(self) -> str: ...
        @property
        def principals(self) -> Sequence[str]: ...
        @property
        def valid_after(self) -> dt.datetime | None: ...
        @property
        def valid_before(self) -> dt.datetime | None: ...


MISSING = "signature.missing"  # no signature where a bot commit is expected
UNTRUSTED = "signature.untrusted"  # signed, but by no key that policy trusts for this committer then
INVALID = "signature.invalid"  # a policy key's signature that does not verify (the commit was altered)

Status = Literal["unsigned", "verified", "invalid", "unknown-key", "no-policy"]


class Verification(NamedTuple):
    """What the cryptography found: `keys` are the policy entries whose key made a good signature
    over the commit ("verified"); `detail` names the key seen or why nothing could be checked."""

    status: Status
    keys: tuple[CommitSigner, ...] = ()
    detail: str = ""


def claimed(commit: CommitHeader) -> str:
    """The identity a commit claims, as a finding names it."""
    return (
        f"committer {commit.committer.name} <{commit.committer.email}>, "
        f"author {commit.author.name} <{commit.author.email}>"
    )


def covers(signer: CommitSigner, when: dt.datetime) -> bool:
    """Whether the key's window (valid_after inclusive, valid_before exclusive) holds `when`."""
    if signer.valid_after is not None and when < signer.valid_after:
        return False
    return signer.valid_before is None or when < signer.valid_before


def signature_problem(commit: CommitHeader, role: str, found: Verification) -> tuple[str, str] | None:
    """(rule, message) when `commit`, expected to be the bot's `role`, is not signed by a trusted key
    for its committer at its commit time; None when it is."""
    who = f"{role} {commit.sha[:12]} ({claimed(commit)})"
    if found.status == "unsigned":
        return MISSING, f"{who} is not signed"
    if found.status == "invalid":
        return INVALID, f"{who}: the signature does not verify: {found.detail}"
    if found.status == "no-policy":
        return UNTRUSTED, f"{who}: no trusted keys: {found.detail}"
    if found.status == "unknown-key":
        return UNTRUSTED, f"{who} is signed by {found.detail}, which policy/signers.yaml does not list"
    email = commit.committer.email.lower()
    for_committer = [k for k in found.keys if email in (p.lower() for p in k.principals)]
    if not for_committer:
        names = ", ".join(f"{k.name!r} ({', '.join(k.principals)})" for k in found.keys)
        return UNTRUSTED, f"{who} is signed by {names}, not a key of {commit.committer.email}"
    when = commit.committed_at
    if when is None:
        return UNTRUSTED, f"{who} has no readable commit time to check the key's window against"
    if not any(covers(k, when) for k in for_committer):
        windows = "; ".join(_window(k) for k in for_committer)
        return UNTRUSTED, f"{who} was committed {when.isoformat()}, outside the key's window: {windows}"
    return None


def _window(signer: CommitSigner) -> str:
    after = signer.valid_after.isoformat() if signer.valid_after else "-"
    before = signer.valid_before.isoformat() if signer.valid_before else "-"
    return f"{signer.name!r} valid {after} .. {before}"
