"""The lean SSHSIG reading for ed25519 keys (bot.adapters.git.ssh_ed25519) says what `ssh-keygen
-Y verify` and the `sshsig` package say about real signatures made by `ssh-keygen -Y sign`, and
refuses damaged envelopes; keys of other types are still checked by `sshsig`."""

from __future__ import annotations

import base64
import datetime as dt
import struct
import subprocess
from pathlib import Path

import pytest
import sshsig
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.git import ssh_ed25519
from bot.adapters.git.signatures import TrustedKeys
from bot.domain.git_objects import CommitHeader, CommitSignature, Ident
from tests.signing_keys import bot_ssh_key, ssh_public, ssh_signer, stranger_ssh_key

PAYLOAD = b"tree 0123\nauthor cab-bot <bot@example.com> 1700000000 +0000\n\nrecord\n"
EMAIL = "bot@example.com"


def _sign(key: Path, payload: bytes, tmp_path: Path, *options: str, namespace: str = "git") -> bytes:
    message = tmp_path / "payload"
    message.write_bytes(payload)
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace, *options, str(message)],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "payload.sig").read_bytes()


def _keygen_verifies(key: Path, payload: bytes, armored: bytes, tmp_path: Path) -> bool:
    allowed = tmp_path / "allowed"
    allowed.write_text(f'{EMAIL} namespaces="git" {ssh_public(key)}\n')
    signature = tmp_path / "check.sig"
    signature.write_bytes(armored)
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", EMAIL, "-n", "git", "-s", str(signature)],
        input=payload,
        capture_output=True,
    )
    return done.returncode == 0


def _lean_verifies(payload: bytes, armored: bytes) -> bool:
    return ssh_ed25519.verify(ssh_ed25519.envelope(armored), payload, b"git") is None


@pytest.mark.parametrize("options", [(), ("-O", "hashalg=sha256")], ids=["sha512", "sha256"])
def test_a_signature_ssh_keygen_makes_verifies_as_ssh_keygen_and_sshsig_say(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    armored = _sign(bot_ssh_key(), PAYLOAD, tmp_path, *options)
    assert _keygen_verifies(bot_ssh_key(), PAYLOAD, armored, tmp_path)
    assert not isinstance(sshsig.sshsig.do_check_signature(PAYLOAD, armored, "git"), Exception)
    assert _lean_verifies(PAYLOAD, armored)


def test_an_altered_payload_fails_as_in_ssh_keygen(tmp_path: Path) -> None:
    armored = _sign(bot_ssh_key(), PAYLOAD, tmp_path)
    altered = PAYLOAD.replace(b"record", b"recorD")
    assert not _keygen_verifies(bot_ssh_key(), altered, armored, tmp_path)
    assert (
        ssh_ed25519.verify(ssh_ed25519.envelope(armored), altered, b"git") == "the signature does not match"
    )


def test_a_signature_for_another_namespace_fails(tmp_path: Path) -> None:
    armored = _sign(bot_ssh_key(), PAYLOAD, tmp_path, namespace="file")
    assert not _keygen_verifies(bot_ssh_key(), PAYLOAD, armored, tmp_path)
    problem = ssh_ed25519.verify(ssh_ed25519.envelope(armored), PAYLOAD, b"git")
    assert problem is not None and "namespace 'file'" in problem


def _armor(blob: bytes) -> bytes:
    text = base64.b64encode(blob).decode()
    body = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n".encode()


def test_an_envelope_with_bytes_after_its_last_field_is_unreadable(tmp_path: Path) -> None:
    blob = ssh_ed25519.dearmor(_sign(bot_ssh_key(), PAYLOAD, tmp_path))
    with pytest.raises(ValueError, match="after"):
        ssh_ed25519.envelope(_armor(blob + b"\0\0\0\0"))


def test_a_truncated_envelope_is_unreadable(tmp_path: Path) -> None:
    blob = ssh_ed25519.dearmor(_sign(bot_ssh_key(), PAYLOAD, tmp_path))
    with pytest.raises(ValueError, match="ends inside"):
        ssh_ed25519.envelope(_armor(blob[:-10]))


def test_an_envelope_of_another_version_is_unreadable(tmp_path: Path) -> None:
    blob = ssh_ed25519.dearmor(_sign(bot_ssh_key(), PAYLOAD, tmp_path))
    with pytest.raises(ValueError, match="version 2"):
        ssh_ed25519.envelope(_armor(blob[:6] + struct.pack(">I", 2) + blob[10:]))


def test_text_that_is_no_armored_signature_is_unreadable() -> None:
    with pytest.raises(ValueError, match="base64"):
        ssh_ed25519.envelope(b"-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n")


def test_an_ed25519_key_line_reads_to_the_wire_encoding_sshsig_gives() -> None:
    line = ssh_public(bot_ssh_key())
    expected = base64.b64decode(sshsig.PublicKey.from_openssh_str(line).openssh_str().split()[1])
    assert ssh_ed25519.public_key_wire(line) == expected


def test_a_key_line_of_another_type_is_left_to_sshsig() -> None:
    assert ssh_ed25519.public_key_wire("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ comment") is None


def test_a_malformed_ed25519_key_line_is_refused() -> None:
    with pytest.raises(ValueError, match="ends inside"):
        ssh_ed25519.public_key_wire("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== comment")


def _commit(armored: bytes, payload: bytes) -> CommitHeader:
    who = Ident("cab-bot", EMAIL)
    when = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    return CommitHeader("a" * 40, "b" * 40, (), who, who, "record", when, CommitSignature(armored, payload))


def test_an_rsa_key_is_still_checked_by_sshsig(tmp_path: Path) -> None:
    key = tmp_path / "rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key)], check=True)
    keys = TrustedKeys([ssh_signer(EMAIL, key)])
    armored = _sign(key, PAYLOAD, tmp_path)
    assert keys.verify(_commit(armored, PAYLOAD)).status == "verified"
    assert keys.verify(_commit(armored, PAYLOAD + b"x")).status == "invalid"


def test_a_signature_by_a_key_policy_does_not_list_is_unknown(tmp_path: Path) -> None:
    keys = TrustedKeys([ssh_signer(EMAIL)])
    found = keys.verify(_commit(_sign(stranger_ssh_key(), PAYLOAD, tmp_path), PAYLOAD))
    assert found.status == "unknown-key"


# -- signing where OpenSSH's client is missing (bot.adapters.git.ssh_sign_program) ---------------


def test_a_signature_made_in_process_verifies_as_ssh_keygen_and_sshsig_say(tmp_path: Path) -> None:
    armored = ssh_ed25519.sign(PAYLOAD, bot_ssh_key().read_bytes(), b"git")
    assert _keygen_verifies(bot_ssh_key(), PAYLOAD, armored, tmp_path)
    assert not isinstance(sshsig.sshsig.do_check_signature(PAYLOAD, armored, "git"), Exception)
    assert _lean_verifies(PAYLOAD, armored)


def test_the_stand_in_writes_the_signature_where_git_reads_it(tmp_path: Path) -> None:
    from bot.adapters.git.ssh_sign_program import main

    message = tmp_path / "buffer"
    message.write_bytes(PAYLOAD)
    assert main(["-Y", "sign", "-n", "git", "-f", str(bot_ssh_key()), str(message)]) == 0
    assert _keygen_verifies(bot_ssh_key(), PAYLOAD, (tmp_path / "buffer.sig").read_bytes(), tmp_path)


def test_the_stand_in_refuses_what_it_does_not_do(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.adapters.git.ssh_sign_program import main

    assert main(["-Y", "verify", "-n", "git", "-f", "allowed", "-s", "x.sig"]) == 2
    assert "only `-Y sign -n NS -f KEY FILE`" in capsys.readouterr().err


@settings(max_examples=60, deadline=None)
@given(message=st.binary(max_size=200), flip=st.integers(min_value=-1, max_value=95))
def test_libsodium_called_directly_agrees_with_pynacls_wrapper(message: bytes, flip: int) -> None:
    """The gate calls libsodium through nacl._sodium; nacl.bindings.crypto_sign_open is the
    reference for every signature, whether honest or with one byte of signature or key altered."""
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError
    from nacl.signing import SigningKey

    key = SigningKey(bytes(range(32)))
    signature, public = bytearray(key.sign(message).signature), bytearray(key.verify_key.encode())
    if 0 <= flip < 64:
        signature[flip] ^= 0x01
    elif flip >= 64:
        public[flip - 64] ^= 0x01
    try:
        crypto_sign_open(bytes(signature) + message, bytes(public))
        expected = True
    except BadSignatureError:
        expected = False
    assert ssh_ed25519.signature_matches(bytes(signature), message, bytes(public)) is expected
