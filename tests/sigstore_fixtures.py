"""The real Sigstore bundles in tests/fixtures/sigstore (see SOURCES.md there) and their signers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.domain.models import Signers

SIGSTORE = Path(__file__).resolve().parent / "fixtures" / "sigstore"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
RELEASE_WORKFLOW = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/"
WHEEL_BUNDLE = SIGSTORE / "bundle_v3_github.whl.sigstore"
WHEEL_SHA256 = "c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201"
LOGIN_ISSUER = "https://github.com/login/oauth"


def signers(*artifacts: tuple[str, str]) -> Signers:
    return Signers.model_validate(
        {
            "apiVersion": "cab/v1",
            "kind": "Signers",
            "artifacts": [{"issuer": issuer, "identity": identity} for issuer, identity in artifacts],
        }
    )


RELEASES = signers((GITHUB_ISSUER, RELEASE_WORKFLOW + "*"))
STAGING_SIGNERS = signers((LOGIN_ISSUER, "william@yossarian.net"), (LOGIN_ISSUER, "a@tny.town"))


def signers_yaml(allowed: Signers) -> str:
    lines = ["apiVersion: cab/v1", "kind: Signers", "artifacts:"]
    for entry in allowed.artifacts:
        lines += [f"  - issuer: {entry.issuer}", f"    identity: '{entry.identity}'"]
    return "\n".join(lines) + "\n"


def digest_of(name: str) -> str:
    return hashlib.sha256((SIGSTORE / name).read_bytes()).hexdigest()
