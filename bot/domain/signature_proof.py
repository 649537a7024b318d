"""What checking an artifact's signature found: verified, unverified (with the reason) or missing.

The result of a check, never a claim: a pack cannot say its artifact is verified (risk model v1.1
ignores `artifact.signature.verified`); the bot, the audit and `cab score` verify the Sigstore
bundle against the artifact's digest and the allowed signers, and this value is what they found.
Pure data, so the scorer and the exception rules can depend on it without touching Sigstore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SignatureStatus = Literal["verified", "unverified", "missing"]


@dataclass(frozen=True)
class SignatureCheck:
    status: SignatureStatus
    reason: str | None = None  # why it is unverified or missing, in one line
    issuer: str | None = None  # the certificate's OIDC issuer, when the bundle could be read
    identity: str | None = None  # the certificate's identity (SAN)

    @property
    def proves_digest(self) -> bool:
        """Only a verified signature proves that the artifact has the pack's sha256."""
        return self.status == "verified"

    def display(self) -> str:
        """How the breakdown shows it: `verified`, `unverified (reason)` or `missing`."""
        if self.status == "unverified" and self.reason:
            return f"unverified ({self.reason})"
        return self.status


MISSING = SignatureCheck("missing", "the pack names no Sigstore bundle")
NOT_CHECKED = SignatureCheck("missing", "the signature was not checked")


@dataclass(frozen=True)
class EvidenceProof:
    """What checking a pack's attachments found: its signature, and every sourced value that
    differs from what its attached tool output gives (each "field: declared …, derived …")."""

    signature: SignatureCheck = NOT_CHECKED
    mismatches: tuple[str, ...] = ()


UNPROVEN = EvidenceProof()
