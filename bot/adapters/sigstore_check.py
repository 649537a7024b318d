"""Verify an artifact's Sigstore bundle offline, by digest: the artifact itself is never needed.

`sigstore` (PyPI) does the cryptography: the bundle's certificate chains to Fulcio, its log entry
and inclusion proof to Rekor, and its signature covers the given sha256 (`Hashed`), all against the
trust root shipped inside the package, so verification makes no network call and gives the same
answer on every machine with the same sigstore version (a newer trust root comes with an upgrade,
a reviewed change of pyproject.toml). The production root is the default; the staging root is
only for tests, whose real bundles were signed on staging. The signer (OIDC issuer + certificate
identity) must be one that the base branch's `policy/signers.yaml` admits; that check is a
sigstore verification policy, so it runs inside `verify_artifact` like sigstore's own `Identity`.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Literal

from bot.domain.models.signers import Signers
from bot.domain.signature_proof import SignatureCheck

Instance = Literal["production", "staging"]
# A bundle is a few kB (a certificate, a signature, one log entry with its inclusion proof).
MAX_BUNDLE_BYTES = 256 * 1024
_TRUST_ROOTS: dict[Instance, str] = {
    "production": "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev",
    "staging": "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev",
}


@functools.cache
def _verifier(instance: Instance) -> Any:
    """A Verifier on the trust root shipped in the package, built once per process.

    Read from the package rather than through `Verifier.production(offline=True)`, which prefers a
    TUF cache in the user's home directory: that would make the answer depend on the machine.
    """
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    path = resources.files("sigstore._store").joinpath(_TRUST_ROOTS[instance], "trusted_root.json")
    with resources.as_file(path) as file:
        return Verifier(trusted_root=TrustedRoot.from_file(str(file)))


class _AllowedSigners:
    """A sigstore verification policy: the certificate's issuer and identity are admitted by policy."""

    def __init__(self, signers: Signers | None) -> None:
        self.signers = signers
        self.issuer: str | None = None
        self.identity: str | None = None

    def verify(self, cert: Any) -> None:
        from cryptography import x509
        from cryptography.hazmat import asn1
        from sigstore.errors import VerificationError

        extensions = cert.extensions
        try:
            raw = extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")).value
            self.issuer = asn1.decode_der(str, raw.value)
        except x509.ExtensionNotFound:
            try:  # Fulcio's older issuer extension: the bare bytes
                raw = extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")).value
                self.issuer = raw.value.decode()
            except x509.ExtensionNotFound:
                raise VerificationError("the certificate names no OIDC issuer") from None
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [
            *san.get_values_for_type(x509.UniformResourceIdentifier),
            *san.get_values_for_type(x509.RFC822Name),
        ]
        if not names:
            raise VerificationError("the certificate names no identity")
        self.identity = names[0]
        if self.signers is None or not self.signers.artifacts:
            raise VerificationError("policy/signers.yaml lists no artifact signers")
        if not any(self.signers.admits_artifact(self.issuer, name) for name in names):
            raise VerificationError(
                f"not an artifact signer in policy/signers.yaml: {self.identity} ({self.issuer})"
            )


def check(
    sha256: str, bundle: bytes | None, signers: Signers | None, instance: Instance = "production"
) -> SignatureCheck:
    """verified / unverified(reason) / missing for `bundle` over the artifact digest `sha256`."""
    if bundle is None:
        return SignatureCheck("missing", "no Sigstore bundle")
    if len(bundle) > MAX_BUNDLE_BYTES:
        return SignatureCheck(
            "unverified", f"the bundle is {len(bundle)} bytes; the limit is {MAX_BUNDLE_BYTES}"
        )
    from sigstore.errors import Error
    from sigstore.hashes import Hashed
    from sigstore.models import Bundle
    from sigstore_models.common.v1 import HashAlgorithm

    try:
        loaded = Bundle.from_json(bundle)
    except (Error, ValueError) as exc:  # sigstore's InvalidBundle, or not JSON at all
        return SignatureCheck("unverified", f"the bundle cannot be read: {_first_line(exc)}")
    allowed = _AllowedSigners(signers)
    digest = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256))
    try:
        _verifier(instance).verify_artifact(digest, loaded, allowed)
    except Error as exc:
        return SignatureCheck("unverified", _first_line(exc), allowed.issuer, allowed.identity)
    return SignatureCheck("verified", None, allowed.issuer, allowed.identity)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]
