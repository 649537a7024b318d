"""SSH signatures (PROTOCOL.sshsig) made with ed25519 keys, checked with libsodium (PyNaCl).

Why not the `sshsig` package for these: it loads cryptography's SSH serialization (about 20 ms of
the deployment gate's start, which the gate pays in every pipeline) and checks ed25519 through
OpenSSL, about 120 µs a signature here against libsodium's 55 µs (the audit of 10,000 decisions
checks 20,000 of them). What is hand-written is only the envelope, a fixed sequence of SSH wire
strings (PROTOCOL.sshsig, as ssh-keygen's sshsig.c reads it); the cryptography is libsodium's
`crypto_sign_open`, through PyNaCl, the Python Cryptographic Authority's binding. It is called
through PyNaCl's compiled cffi module (`nacl._sodium`) rather than `nacl.bindings`, which loads
a wrapper for every primitive libsodium has (about 10 ms of the gate's start); the call is the
one `nacl.bindings.crypto_sign_open` makes, and the tests hold the two alike. Every other key
type (RSA) is still checked by `sshsig` (bot.adapters.git.signatures), and
`tests/test_ssh_ed25519.py` holds this reading to `sshsig`'s and to `ssh-keygen -Y verify`'s.

Stricter than ssh-keygen where that costs no honest signature: nothing may follow the last field
of the envelope, of the key or of the signature.
"""

from __future__ import annotations

import binascii
import hashlib
import struct
from typing import Any, NamedTuple

ED25519 = b"ssh-ed25519"
_MAGIC = b"SSHSIG"
_VERSION = 1
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
HASHES = {b"sha256": hashlib.sha256, b"sha512": hashlib.sha512}  # what ssh-keygen -Y verify accepts


class Envelope(NamedTuple):
    """The fields of an SSHSIG blob; `public_key` and `signature` in SSH wire encoding."""

    public_key: bytes
    namespace: bytes
    hash_algo: bytes
    signature: bytes


def _strings(data: bytes, start: int, count: int) -> tuple[list[bytes], int]:
    """`count` SSH strings (uint32 length, bytes) from `start`, and where they end."""
    out = []
    for _ in range(count):
        if start + 4 > len(data):
            raise ValueError("the data ends inside a length")
        (size,) = struct.unpack_from(">I", data, start)
        start += 4
        if start + size > len(data):
            raise ValueError("the data ends inside a string")
        out.append(data[start : start + size])
        start += size
    return out, start


def _exactly(data: bytes, count: int) -> list[bytes]:
    fields, end = _strings(data, 0, count)
    if end != len(data):
        raise ValueError("bytes after the last field")
    return fields


def dearmor(armored: bytes) -> bytes:
    """The blob between the armor lines (as sshsig and ssh-keygen read it), or ValueError."""
    lines = armored.decode("ascii").strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _BEGIN or lines[-1].strip() != _END:
        raise ValueError("not an armored SSH signature")
    try:
        return binascii.a2b_base64("".join(line.strip() for line in lines[1:-1]), strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64 ({exc})") from None


def envelope(armored: bytes) -> Envelope:
    """The SSHSIG envelope of an armored signature, or ValueError saying what is wrong with it."""
    blob = dearmor(armored)
    if blob[:6] != _MAGIC or len(blob) < 10:
        raise ValueError("no SSHSIG preamble")
    (version,) = struct.unpack_from(">I", blob, 6)
    if version != _VERSION:
        raise ValueError(f"SSHSIG version {version}")
    fields, end = _strings(blob, 10, 5)
    if end != len(blob):
        raise ValueError("bytes after the signature")
    public_key, namespace, _reserved, hash_algo, signature = fields
    return Envelope(public_key, namespace, hash_algo, signature)


def key_type(wire: bytes) -> bytes:
    """The algorithm name a wire-encoded SSH public key starts with (b"" if unreadable)."""
    try:
        return _strings(wire, 0, 1)[0][0]
    except ValueError:
        return b""


def public_key_wire(line: str) -> bytes | None:
    """The wire encoding of an OpenSSH `ssh-ed25519 AAAA… comment` line; None if it is another
    type of key; ValueError if it claims ed25519 and is not a well-formed one."""
    parts = line.strip().split()
    if not parts or parts[0] != ED25519.decode():
        return None
    if len(parts) < 2:
        raise ValueError("no key after ssh-ed25519")
    try:
        wire = binascii.a2b_base64(parts[1], strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64 ({exc})") from None
    name, raw = _exactly(wire, 2)
    if name != ED25519 or len(raw) != 32:
        raise ValueError("not an ssh-ed25519 key")
    return wire


def _wire(*fields: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(f)) + f for f in fields)


def _signed_data(payload: bytes, namespace: bytes, hash_algo: bytes) -> bytes:
    """What an SSHSIG signature signs (PROTOCOL.sshsig): the preamble, namespace and hash of the payload."""
    return _MAGIC + _wire(namespace, b"", hash_algo, HASHES[hash_algo](payload).digest())


def sign(payload: bytes, private_key: bytes, namespace: bytes) -> bytes:
    """The armored SSHSIG signature `ssh-keygen -Y sign -n NAMESPACE` makes of `payload` with an
    unencrypted OpenSSH ed25519 private key (SHA-512, as ssh-keygen's default). The signature is
    cryptography's Ed25519; only the envelope, the inverse of `envelope`, is written here."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_ssh_private_key(private_key, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("only ed25519 keys are signed with here")
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = key.sign(_signed_data(payload, namespace, b"sha512"))
    blob = (
        _MAGIC
        + struct.pack(">I", _VERSION)
        + _wire(_wire(ED25519, raw_public), namespace, b"", b"sha512", _wire(ED25519, signature))
    )
    text = binascii.b2a_base64(blob, newline=False).decode("ascii")
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]  # ssh-keygen's line width
    return "\n".join([_BEGIN, *lines, _END, ""]).encode("ascii")


def _libsodium() -> tuple[Any, Any]:
    """PyNaCl's cffi module for libsodium, initialised once as `nacl.bindings` does on import."""
    from nacl._sodium import ffi, lib

    ffi.init_once(_sodium_init, "libsodium")  # the key nacl.bindings.sodium_core uses
    return ffi, lib


def _sodium_init() -> None:
    from nacl._sodium import lib

    if lib.sodium_init() == -1:
        raise RuntimeError("libsodium could not be initialised")


def signature_matches(raw_signature: bytes, signed: bytes, raw_key: bytes) -> bool:
    """libsodium's ed25519 check (`crypto_sign_open`) of a 64-byte signature over `signed` with a
    32-byte public key."""
    ffi, lib = _libsodium()
    message = raw_signature + signed
    opened = ffi.new("unsigned char[]", len(message))
    opened_len = ffi.new("unsigned long long *")
    return bool(lib.crypto_sign_open(opened, opened_len, message, len(message), raw_key) == 0)


def verify(found: Envelope, payload: bytes, namespace: bytes) -> str | None:
    """None when `found`, made with its ed25519 key, signs `payload` in `namespace`; else why not."""
    if found.namespace != namespace:
        return f"namespace {found.namespace.decode('ascii', 'replace')!r}, not {namespace.decode()!r}"
    digest = HASHES.get(found.hash_algo)
    if digest is None:
        return f"hash {found.hash_algo.decode('ascii', 'replace')}"
    try:
        name, raw_key = _exactly(found.public_key, 2)
        algorithm, raw_signature = _exactly(found.signature, 2)
    except ValueError as exc:
        return f"unreadable key or signature ({exc})"
    if name != ED25519 or len(raw_key) != 32 or algorithm != ED25519 or len(raw_signature) != 64:
        shown = algorithm.decode("ascii", "replace"), name.decode("ascii", "replace")
        return f"a {shown[0]} signature from a {shown[1]} key"
    if not signature_matches(raw_signature, _signed_data(payload, namespace, found.hash_algo), raw_key):
        return "the signature does not match"
    return None
