"""Commit signatures, verified in-process against the keys in `policy/signers.yaml`.

Why not `git verify-commit`: it runs gpg or ssh-keygen once per commit, about 27 ms here, so the
20,000 bot commits of a 10,000-decision audit would spend some nine minutes in it. Both formats
are instead checked in-process from the commit object the audit has already read, over exactly
the payload git hands to gpg or ssh-keygen (the object without its signature header, see
`bot.adapters.git.process.parse_commit`), each by a well-kept library:

- SSH signatures (SSHSIG, what `git -c gpg.format=ssh commit -S` writes; the sandbox forge's key):
  namespace `git`, SHA-256 or SHA-512 only, as ssh-keygen accepts. Ed25519 keys (the sandbox's,
  and what `ssh-keygen` makes by default) by libsodium through PyNaCl, the envelope read by
  `bot.adapters.git.ssh_ed25519` (about 0.08 ms a commit; why it is not `sshsig`: see there);
  other key types (RSA) by `sshsig`, the port of ssh-keygen's own check that dulwich uses.
- OpenPGP signatures (GitHub's web-flow key signs the commits it makes through the API) by
  Sequoia-PGP through `pysequoia`, with its standard policy; about 0.1 ms a commit.

`tests/test_commit_signatures.py` cross-checks both against `git verify-commit` (ssh-keygen with
an allowed-signers file built from the policy, gpg with a dedicated keyring). Trust is stricter
than git's: the key must be one of the policy's, for the committer's e-mail, inside its window
(`bot.domain.rules.commit_signatures`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.adapters.git import ssh_ed25519
from bot.domain.errors import InputError
from bot.domain.git_objects import CommitHeader
from bot.domain.layout import SIGNERS_PATH
from bot.domain.rules import gate_signers
from bot.domain.rules.commit_signatures import Verification
from bot.domain.strict_yaml import load_bytes

if TYPE_CHECKING:
    import pysequoia

    from bot.domain.rules.commit_signatures import CommitSigner

_SSH = b"-----BEGIN SSH SIGNATURE-----"
_PGP = b"-----BEGIN PGP SIGNATURE-----"


class _Cert:
    __slots__ = ("cert", "keys", "signers")

    def __init__(self, cert: pysequoia.Cert, keys: frozenset[str]) -> None:
        self.cert = cert
        self.keys = keys  # fingerprints and key ids of the primary key and every subkey, lower-case
        self.signers: list[CommitSigner] = []


class TrustedKeys:
    """The commit keys of one version of the policy, parsed once, verifying many commits."""

    def __init__(self, signers: Sequence[CommitSigner], problem: str | None = None) -> None:
        self.problem = problem  # why there are no trusted keys at all (no policy, invalid policy)
        self.unreadable: list[str] = []  # policy keys that could not be parsed: trusted for nothing
        self._ssh: dict[bytes, list[CommitSigner]] = {}
        self._certs: dict[str, _Cert] = {}  # primary fingerprint -> cert
        for signer in signers:
            try:
                if signer.format == "ssh":
                    self._ssh.setdefault(_ssh_wire(signer.public_key), []).append(signer)
                else:
                    self._add_certs(signer)
            except (ValueError, NotImplementedError, RuntimeError):
                self.unreadable.append(signer.name)

    def _add_certs(self, signer: CommitSigner) -> None:
        import pysequoia  # only for a policy with OpenPGP keys

        certs = pysequoia.Cert.split_bytes(signer.public_key.encode())
        if not certs:
            raise ValueError("no OpenPGP certificate")
        for cert in certs:
            known = self._certs.get(cert.fingerprint)
            if known is None:
                fingerprints = {
                    p.fingerprint
                    for p in pysequoia.packet.PacketPile.from_bytes(bytes(cert))
                    if p.fingerprint
                }
                ids = {f.lower() for f in fingerprints} | {f.lower()[-16:] for f in fingerprints}
                known = self._certs[cert.fingerprint] = _Cert(cert, frozenset(ids))
            known.signers.append(signer)

    def verify(self, commit: CommitHeader) -> Verification:
        """Which policy keys made a good signature over the commit."""
        signature = commit.signature
        if signature is None:
            return Verification("unsigned")
        if self.problem is not None:
            return Verification("no-policy", detail=self.problem)
        armored = signature.armored.lstrip()
        if armored.startswith(_SSH):
            return self._ssh_verify(armored, signature.payload)
        if armored.startswith(_PGP):
            return self._pgp_verify(armored, signature.payload)
        return Verification("unknown-key", detail="a signature of a kind not supported (x509?)")

    def _unknown(self, what: str) -> Verification:
        if self.unreadable:
            what += f" (policy keys that could not be read: {', '.join(self.unreadable)})"
        return Verification("unknown-key", detail=what)

    def _ssh_verify(self, armored: bytes, payload: bytes) -> Verification:
        try:
            found = ssh_ed25519.envelope(armored)
        except ValueError as exc:
            return Verification("invalid", detail=f"not a readable SSH signature ({exc})")
        signers = self._ssh.get(found.public_key)
        if signers is None:
            return self._unknown(f"SSH key {_ssh_fingerprint(found.public_key)}")
        if found.hash_algo not in ssh_ed25519.HASHES:
            return Verification("invalid", detail=f"hash {found.hash_algo.decode('ascii', 'replace')}")
        if ssh_ed25519.key_type(found.public_key) == ssh_ed25519.ED25519:
            problem = ssh_ed25519.verify(found, payload, b"git")
        else:
            problem = _sshsig_problem(armored, payload)
        if problem is not None:
            return Verification("invalid", detail=f"SSH key {_ssh_fingerprint(found.public_key)}: {problem}")
        return Verification("verified", tuple(signers))

    def _pgp_verify(self, armored: bytes, payload: bytes) -> Verification:
        import pysequoia

        try:
            sig = pysequoia.Sig.from_bytes(armored)
        except (ValueError, RuntimeError) as exc:
            return Verification("invalid", detail=f"not a readable OpenPGP signature ({_first_line(exc)})")
        issuer = (sig.issuer_fingerprint or sig.issuer_key_id or "").lower()
        matching = [c for c in self._certs.values() if issuer and issuer in c.keys]
        if not matching:
            return self._unknown(f"OpenPGP key {issuer.upper() or '(no issuer)'}")
        try:
            done = pysequoia.verify(
                bytes=payload, store=lambda _ids: [c.cert for c in matching], signature=sig
            )
        except (ValueError, RuntimeError) as exc:
            return Verification("invalid", detail=f"OpenPGP key {issuer.upper()}: {_first_line(exc)}")
        good = {v.certificate for v in done.valid_sigs}
        signers = tuple(s for c in matching if c.cert.fingerprint in good for s in c.signers)
        if not signers:
            return Verification("invalid", detail=f"OpenPGP key {issuer.upper()}: no valid signature")
        return Verification("verified", signers)


def trusted_keys(raw: bytes | None, where: str) -> TrustedKeys:
    """The keys of `policy/signers.yaml` as read at `where` (None: the file is not there)."""
    from bot.domain import documents  # pydantic: the gate's light path uses `light_trusted_keys`
    from bot.domain.models import Signers

    if raw is None:
        return TrustedKeys((), problem=f"no {SIGNERS_PATH} at {where}")
    try:
        loaded = documents.parse(raw, f"{where}:{SIGNERS_PATH}", Signers)
    except InputError as exc:
        return TrustedKeys((), problem=f"{SIGNERS_PATH} at {where} is invalid: {exc.problems[0]}")
    model: Signers = loaded.model
    return TrustedKeys(model.commits)


def light_trusted_keys(raw: bytes | None, where: str) -> TrustedKeys | None:
    """`trusted_keys` without pydantic, for the gate's light path: None unless the policy is there
    and reads exactly as the schema allows (bot.domain.rules.gate_signers); the full path then
    reads it with the model and says what is wrong."""
    if raw is None:
        return None
    try:
        signers = gate_signers.read(load_bytes(raw, f"{where}:{SIGNERS_PATH}", positions=False).data)
    except InputError:
        return None
    return None if signers is None else TrustedKeys(signers)


def _sshsig_problem(armored: bytes, payload: bytes) -> str | None:
    """As `ssh_ed25519.verify`, for the key types it leaves to `sshsig` (RSA)."""
    from sshsig.sshsig import SshsigSignature, do_sshsig_verify  # loads cryptography: when needed

    try:
        checked = do_sshsig_verify(SshsigSignature.from_armored(armored), io.BytesIO(payload), "git")
    except (ValueError, NotImplementedError, binascii.Error, AssertionError) as exc:
        return f"unreadable ({exc or type(exc).__name__})"
    return str(checked) if isinstance(checked, Exception) else None


def _ssh_wire(public_key: str) -> bytes:
    """The SSH wire encoding of an OpenSSH public key line, as a signature embeds it."""
    wire = ssh_ed25519.public_key_wire(public_key)
    if wire is not None:
        return wire
    import sshsig  # loads cryptography: only for a policy with other SSH keys

    key = sshsig.PublicKey.from_openssh_str(public_key.strip())
    return base64.b64decode(key.openssh_str().split()[1])


def _ssh_fingerprint(wire: bytes) -> str:
    """As `ssh-keygen -l` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(wire).digest()).decode().rstrip("=")


def _first_line(exc: Exception) -> str:
    """Sequoia's errors carry a Rust backtrace when RUST_BACKTRACE is set; its first line is the message."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]
