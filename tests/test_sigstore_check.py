"""Offline Sigstore verification by digest: verified, unverified (with the reason) or missing.

Every bundle is real (tests/fixtures/sigstore/SOURCES.md); each gives the result its entry states.
"""

from __future__ import annotations

import json
import time

import pytest

from bot.adapters import sigstore_check
from bot.adapters.sigstore_check import check
from tests.sigstore_fixtures import (
    GITHUB_ISSUER,
    RELEASES,
    SIGSTORE,
    STAGING_SIGNERS,
    WHEEL_BUNDLE,
    WHEEL_SHA256,
    digest_of,
    signers,
)


def test_a_release_bundle_verifies_by_digest_against_the_production_root() -> None:
    result = check(WHEEL_SHA256, WHEEL_BUNDLE.read_bytes(), RELEASES)
    assert result.status == "verified"
    assert result.identity is not None and result.identity.endswith("release.yml@refs/tags/v0.1.2")
    assert result.issuer == GITHUB_ISSUER


def test_a_wrong_digest_is_unverified_with_the_reason() -> None:
    result = check("00" * 32, WHEEL_BUNDLE.read_bytes(), RELEASES)
    assert (result.status, result.reason) == ("unverified", "Bundle message digest mismatch")


def test_a_mutated_bundle_is_unverified_with_the_reason() -> None:
    bundle = json.loads(WHEEL_BUNDLE.read_bytes())
    signature = bundle["messageSignature"]["signature"]
    bundle["messageSignature"]["signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    result = check(WHEEL_SHA256, json.dumps(bundle).encode(), RELEASES)
    assert result.status == "unverified"
    assert result.reason == "Signature is invalid for input"


def test_a_signer_outside_policy_is_unverified_naming_the_signer() -> None:
    other = signers(
        (GITHUB_ISSUER, "https://github.com/example/app/.github/workflows/release.yml@refs/tags/*")
    )
    result = check(WHEEL_SHA256, WHEEL_BUNDLE.read_bytes(), other)
    assert result.status == "unverified"
    assert result.reason is not None and result.reason.startswith(
        "not an artifact signer in policy/signers.yaml: "
    )
    assert "rfc8785.py" in result.reason


def test_the_right_identity_from_another_issuer_is_outside_policy() -> None:
    wrong_issuer = signers(("https://accounts.google.com", "https://github.com/trailofbits/*"))
    assert check(WHEEL_SHA256, WHEEL_BUNDLE.read_bytes(), wrong_issuer).status == "unverified"


def test_no_artifact_signers_in_policy_verifies_nothing() -> None:
    result = check(WHEEL_SHA256, WHEEL_BUNDLE.read_bytes(), None)
    assert (result.status, result.reason) == ("unverified", "policy/signers.yaml lists no artifact signers")


def test_no_bundle_is_missing() -> None:
    assert check(WHEEL_SHA256, None, RELEASES).status == "missing"


def test_a_production_bundle_does_not_verify_on_the_staging_root() -> None:
    assert check(WHEEL_SHA256, WHEEL_BUNDLE.read_bytes(), RELEASES, "staging").status == "unverified"


@pytest.mark.parametrize("name", ["bundle_v3.txt", "bundle.txt"])
def test_staging_bundles_verify_on_the_staging_root_only(name: str) -> None:
    bundle = (SIGSTORE / f"{name}.sigstore").read_bytes()
    assert check(digest_of(name), bundle, STAGING_SIGNERS, "staging").status == "verified"
    assert check(digest_of(name), bundle, STAGING_SIGNERS, "production").status == "unverified"


@pytest.mark.parametrize("instance", ["production", "staging"])
def test_a_log_entry_of_another_signature_fails_on_both_roots(instance: sigstore_check.Instance) -> None:
    # CVE-2022-36056: the bundle's transparency-log entry belongs to a different signature.
    name = "bundle_cve_2022_36056.txt"
    result = check(digest_of(name), (SIGSTORE / f"{name}.sigstore").read_bytes(), STAGING_SIGNERS, instance)
    assert result.status == "unverified"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bundle_no_log_entry.txt.sigstore", "expected exactly one log entry"),
        ("bundle_no_checkpoint.txt.sigstore", "inclusion proof, with checkpoint"),
        ("bundle_invalid_version.txt.sigstore", "failed to load bundle"),
        ("Python-3.12.5.tgz.sigstore", "inclusion proof, with checkpoint"),
    ],
)
def test_bundles_sigstore_refuses_to_load_are_unverified(name: str, reason: str) -> None:
    result = check(WHEEL_SHA256, (SIGSTORE / name).read_bytes(), RELEASES)
    assert result.status == "unverified"
    assert result.reason is not None and result.reason.startswith("the bundle cannot be read:")
    assert reason in result.reason


def test_text_that_is_not_a_bundle_is_unverified_not_a_crash() -> None:
    assert check(WHEEL_SHA256, b"\xff not json", RELEASES).status == "unverified"


def test_an_oversized_bundle_is_refused_before_parsing() -> None:
    big = b" " * (sigstore_check.MAX_BUNDLE_BYTES + 1)
    result = check(WHEEL_SHA256, big, RELEASES)
    assert result.status == "unverified" and result.reason is not None and "the limit is" in result.reason


def test_verification_takes_milliseconds_not_seconds() -> None:
    bundle = WHEEL_BUNDLE.read_bytes()
    check(WHEEL_SHA256, bundle, RELEASES)  # builds the verifier once per process
    start = time.perf_counter()
    for _ in range(10):
        assert check(WHEEL_SHA256, bundle, RELEASES).status == "verified"
    assert (time.perf_counter() - start) / 10 < 0.5
