"""Signing keys for tests, made once per test session.

- `bot_ssh_key`: an ed25519 SSH key like the sandbox forge's, for bot commits that tests build with
  plain git (`tests.repo_builder`), signed as `git -c gpg.format=ssh commit -S` signs.
- `web_flow`: a stand-in for GitHub's web-flow OpenPGP key (RSA, as GitHub's is), with which the
  fake GitHub signs the commits GitHub makes through the API; committer `GitHub <noreply@github.com>`.
- `stranger_ssh_key`: a key no policy lists, for forgeries.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import pysequoia

from bot.adapters.forge.sandbox import new_signing_key
from bot.domain.models.signers import CommitSigner, signers_yaml

GITHUB_EMAIL = "noreply@github.com"
_KEYS = tempfile.TemporaryDirectory(prefix="cab-test-keys-")


def _ssh_key(name: str) -> Path:
    path = Path(_KEYS.name) / name
    if not path.exists():
        new_signing_key(path, f"cab tests {name}")
    return path


@functools.cache
def bot_ssh_key() -> Path:
    """The private key file; its public half is beside it (`.pub`)."""
    return _ssh_key("bot")


@functools.cache
def stranger_ssh_key() -> Path:
    return _ssh_key("stranger")


def ssh_public(key: Path) -> str:
    return key.with_suffix(".pub").read_text().strip()


def ssh_signer(
    email: str,
    key: Path | None = None,
    *,
    name: str = "test bot key",
    valid_after: dt.datetime | None = None,
    valid_before: dt.datetime | None = None,
) -> CommitSigner:
    return CommitSigner(
        name=name,
        format="ssh",
        public_key=ssh_public(key or bot_ssh_key()),
        principals=[email],
        valid_after=valid_after,
        valid_before=valid_before,
    )


@functools.cache
def web_flow() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate(
        f"GitHub (web-flow commit signing) <{GITHUB_EMAIL}>", cipher_suite=pysequoia.CipherSuite.RSA2k
    )


def web_flow_sign(payload: bytes) -> bytes:
    """An armored detached OpenPGP signature of a commit payload, as GitHub's web-flow key makes it."""
    return pysequoia.sign(web_flow().signer(), payload, mode=pysequoia.SignatureMode.DETACHED)


def web_flow_signer() -> CommitSigner:
    return CommitSigner(
        name="GitHub web-flow (test key)",
        format="gpg",
        public_key=str(web_flow().extract_certificate()),
        principals=[GITHUB_EMAIL],
    )


def signers_file(*signers: CommitSigner) -> bytes:
    return signers_yaml(list(signers)).encode()


def signers_with_a_strangers_key(email: str) -> bytes:
    """`policy/signers.yaml` trusting the bot's test key and, for the same e-mail, the stranger's."""
    return signers_file(ssh_signer(email), ssh_signer(email, stranger_ssh_key(), name="stranger"))
