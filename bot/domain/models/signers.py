"""Who may sign: the bot's commits (git signing keys) and released artifacts (Sigstore identities).

Kept in `policy/signers.yaml` on the base branch, owned by both CAB and security through CODEOWNERS,
so a key or an identity can only be added by a decided policy change. Trust never comes from the PR.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bot.domain.models.base import CabModel, Name, Url, UtcTime
from bot.domain.patterns import PRINCIPAL_PATTERN, SIGNER_IDENTITY_PATTERN

# An ASCII-armored OpenPGP public key (GitHub's web-flow key is one) or one OpenSSH public key line.
PublicKey = Annotated[str, StringConstraints(min_length=16, max_length=20_000)]
# The e-mail a key may sign as (git's `user.email` of the commit's committer).
Principal = Annotated[str, StringConstraints(pattern=PRINCIPAL_PATTERN, max_length=254)]
# A certificate identity (SAN): an URI or e-mail; a trailing `*` matches any suffix.
SignerIdentity = Annotated[
    str, StringConstraints(pattern=SIGNER_IDENTITY_PATTERN, min_length=3, max_length=500)
]


class CommitSigner(CabModel):
    """A key that signs the bot's commits, valid for commits made inside its window (rotation)."""

    name: Name
    format: Literal["ssh", "gpg"]
    public_key: PublicKey
    principals: list[Principal] = Field(min_length=1, max_length=20)
    valid_after: UtcTime | None = None
    valid_before: UtcTime | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> CommitSigner:
        if self.valid_after and self.valid_before and self.valid_before <= self.valid_after:
            raise ValueError("valid_before must be after valid_after")
        if self.format == "ssh" and (
            "\n" in self.public_key.strip() or not self.public_key.startswith("ssh-")
        ):
            raise ValueError("an ssh public_key is one line starting with its type, e.g. 'ssh-ed25519 AAAA…'")
        if self.format == "gpg" and "BEGIN PGP PUBLIC KEY BLOCK" not in self.public_key:
            raise ValueError(
                "a gpg public_key is an ASCII-armored block (-----BEGIN PGP PUBLIC KEY BLOCK-----)"
            )
        return self


class ArtifactSigner(CabModel):
    """A Sigstore identity allowed to sign released artifacts: the OIDC issuer and the SAN."""

    issuer: Url
    identity: SignerIdentity

    def admits(self, issuer: str, identity: str) -> bool:
        if issuer != self.issuer:
            return False
        if self.identity.endswith("*"):
            return identity.startswith(self.identity[:-1])
        return identity == self.identity


class Signers(CabModel):
    api_version: Literal["cab/v1"] = Field(alias="apiVersion")
    kind: Literal["Signers"]
    commits: list[CommitSigner] = Field(default_factory=list, max_length=50)
    artifacts: list[ArtifactSigner] = Field(default_factory=list, max_length=200)

    def admits_artifact(self, issuer: str, identity: str) -> bool:
        return any(signer.admits(issuer, identity) for signer in self.artifacts)


def signers_yaml(commits: list[CommitSigner], artifacts: list[ArtifactSigner] | None = None) -> str:
    """A `policy/signers.yaml` trusting these commit keys (and artifact identities), as a sandbox or a
    bootstrap writes it.

    Every text scalar is a JSON string (valid YAML 1.2), so no key or e-mail is ever read as another type.
    """
    lines = ["apiVersion: cab/v1", "kind: Signers", "commits:"]
    for signer in commits:
        lines += [f"  - name: {json.dumps(signer.name)}", f"    format: {signer.format}"]
        lines.append(f"    public_key: {json.dumps(signer.public_key)}")
        lines.append("    principals: [" + ", ".join(json.dumps(p) for p in signer.principals) + "]")
        for key in ("valid_after", "valid_before"):
            when = getattr(signer, key)
            if when is not None:  # a YAML timestamp, not text
                lines.append(f"    {key}: {when.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if artifacts:
        lines.append("artifacts:")
        for artifact in artifacts:
            lines.append(f"  - issuer: {json.dumps(artifact.issuer)}")
            lines.append(f"    identity: {json.dumps(artifact.identity)}")
    return "\n".join(lines) + "\n"
