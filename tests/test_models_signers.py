"""Signers: the keys that may sign bot commits and the Sigstore identities that may sign artifacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.models import Signers
from tests.model_checks import accepts, rejection

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHv2gLj0pBbmwE3yV9hJzY1mCk0f3x8Jm7m0aUcGd7kP sandbox"
ISSUER = "https://token.actions.githubusercontent.com"
RELEASE = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/*"


def signers(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "cab/v1",
        "kind": "Signers",
        "commits": [
            {
                "name": "sandbox forge",
                "format": "ssh",
                "public_key": SSH_KEY,
                "principals": ["cab-bot@example.invalid"],
            }
        ],
        "artifacts": [{"issuer": ISSUER, "identity": RELEASE}],
    }
    doc.update(fields)
    return doc


def test_a_signers_document_with_one_commit_key_and_one_artifact_identity_is_accepted() -> None:
    accepts(Signers, signers())


def test_an_ssh_key_must_be_one_openssh_line() -> None:
    bad = signers(
        commits=[
            {
                "name": "k",
                "format": "ssh",
                "public_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----",
                "principals": ["a@b.c"],
            }
        ]
    )
    assert "one line starting with its type" in rejection(Signers, bad)[1]


def test_a_gpg_key_must_be_an_armored_block() -> None:
    bad = signers(commits=[{"name": "k", "format": "gpg", "public_key": SSH_KEY, "principals": ["a@b.c"]}])
    assert "ASCII-armored" in rejection(Signers, bad)[1]


def test_a_key_window_must_end_after_it_starts() -> None:
    key = {
        **signers()["commits"][0],
        "valid_after": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        "valid_before": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }
    assert "valid_before must be after valid_after" in rejection(Signers, signers(commits=[key]))[1]


@pytest.mark.parametrize(
    ("issuer", "identity", "admitted"),
    [
        (ISSUER, "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.0", True),
        (ISSUER, "https://github.com/example/app/.github/workflows/release.yml@refs/heads/main", False),
        (
            "https://accounts.google.com",
            "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1",
            False,
        ),
        (ISSUER, "https://github.com/example/app-fork/.github/workflows/release.yml@refs/tags/v1", False),
    ],
)
def test_an_artifact_identity_ending_in_a_star_matches_any_suffix_of_the_same_issuer(
    issuer: str, identity: str, admitted: bool
) -> None:
    model = accepts(Signers, signers())
    assert isinstance(model, Signers)
    assert model.admits_artifact(issuer, identity) is admitted


def test_a_star_is_allowed_only_at_the_end_of_an_identity() -> None:
    bad = signers(artifacts=[{"issuer": ISSUER, "identity": "https://github.com/*/app"}])
    assert rejection(Signers, bad)[0] == "artifacts.0.identity"
