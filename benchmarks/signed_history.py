"""The benchmark's history with every bot commit signed, as the sandbox forge signs them.

`git fast-import` (2.39 here) cannot write signed commits, and a signature changes a commit's id,
which the records of later commits name (`reviewed_sha`), so the objects are written directly:
loose zlib objects as `git hash-object -w` writes them, then one `git repack -a -d`. Bot commits get
an SSHSIG signature (PROTOCOL.sshsig: ed25519 over SHA-512 of the payload, namespace `git`), made
in-process with `cryptography`, byte for byte what `git -c gpg.format=ssh commit -S` stores;
`check_one` has `git verify-commit` confirm one of them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_KEEP = 8  # tree states kept: a commit's parents are always among the newest few


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class SshSigner:
    """An ed25519 key that signs commit payloads as ssh-keygen -Y sign -n git does."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.wire = _string(b"ssh-ed25519") + _string(raw)
        self.public_line = f"ssh-ed25519 {base64.b64encode(self.wire).decode()} bench"

    def armored(self, payload: bytes) -> bytes:
        digest = hashlib.sha512(payload).digest()
        signed = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512") + _string(digest)
        signature = _string(b"ssh-ed25519") + _string(self.key.sign(signed))
        blob = b"SSHSIG" + struct.pack(">I", 1) + _string(self.wire) + _string(b"git") + _string(b"")
        blob += _string(b"sha512") + _string(signature)
        text = base64.b64encode(blob).decode()
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]
        return (
            "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----"
        ).encode()


class ObjectWriter:
    """Blobs, trees and commits of one repository, with each commit's tree built from its parent's."""

    def __init__(self, repo: Path, signer: SshSigner, signs: bytes) -> None:
        self.objects = repo / ".git" / "objects"
        self.signer = signer
        self.signs = signs  # the committer name and e-mail (`Name <email>`) whose commits are signed
        # commit sha -> (directory -> {name: (mode, oid)}, directory -> tree oid)
        self.states: dict[str | None, tuple[dict[str, dict[str, tuple[str, str]]], dict[str, str]]] = {
            None: ({"": {}}, {})
        }

    def put(self, kind: str, data: bytes) -> str:
        raw = f"{kind} {len(data)}\0".encode() + data
        oid = hashlib.sha1(raw).hexdigest()
        path = self.objects / oid[:2] / oid[2:]
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(zlib.compress(raw, 1))
        return oid

    def _tree(self, entries: dict[str, tuple[str, str]]) -> str:
        def key(name: str) -> bytes:
            return name.encode() + (b"/" if entries[name][0] == "40000" else b"")

        data = b"".join(
            f"{entries[n][0]} {n}".encode() + b"\0" + bytes.fromhex(entries[n][1])
            for n in sorted(entries, key=key)
        )
        return self.put("tree", data)

    def tree_for(self, parent: str | None, files: dict[str, bytes]) -> tuple[str, tuple[dict, dict]]:  # type: ignore[type-arg]
        dirs, oids = self.states[parent]
        dirs, oids = dict(dirs), dict(oids)
        dirty: set[str] = set()
        for path, content in files.items():
            directory, _, name = path.rpartition("/")
            parts = directory.split("/") if directory else []
            for depth in range(len(parts) + 1):
                here = "/".join(parts[:depth])
                if here not in dirty:
                    dirs[here] = dict(dirs.get(here, {}))
                    dirty.add(here)
            dirs[directory][name] = ("100644", self.put("blob", content))
        for here in sorted(dirty, key=lambda d: -d.count("/") - (d != "")):
            oids[here] = self._tree(dirs[here])
            if here:
                up, _, name = here.rpartition("/")
                dirs[up][name] = ("40000", oids[here])
        return oids[""], (dirs, oids)

    def commit(
        self, parents: list[str], who: str, stamp: int, message: bytes, files: dict[str, bytes]
    ) -> str:
        tree, state = self.tree_for(parents[0] if parents else None, files)
        lines = [f"tree {tree}".encode(), *(f"parent {p}".encode() for p in parents)]
        ident = f"{who} {stamp} +0000".encode()
        lines += [b"author " + ident, b"committer " + ident]
        body = b"\n\n" + message
        if ident.startswith(self.signs):
            armored = self.signer.armored(b"\n".join(lines) + body)
            lines.append(b"gpgsig " + armored.replace(b"\n", b"\n "))
        sha = self.put("commit", b"\n".join(lines) + body)
        self.states[sha] = state
        while len(self.states) > _KEEP:
            self.states.pop(next(k for k in self.states if k is not None))
        return sha


def pack(repo: Path, main: str) -> None:
    subprocess.run(["git", "-C", str(repo), "update-ref", "refs/heads/main", main], check=True)
    subprocess.run(["git", "-C", str(repo), "repack", "-a", "-d", "-q"], check=True)
    subprocess.run(["git", "-C", str(repo), "prune-packed"], check=True)


def check_one(repo: Path, sha: str, principal: str, public_line: str) -> None:
    """`git verify-commit` of one signed commit, so the benchmark's signatures are git's own format."""
    with tempfile.NamedTemporaryFile("w", suffix=".allowed", delete=False) as allowed:
        allowed.write(f'{principal} namespaces="git" {public_line}\n')
    try:
        subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "-c",
                f"gpg.ssh.allowedSignersFile={allowed.name}",
                "verify-commit",
                sha,
            ],
            check=True,
            capture_output=True,
        )
    finally:
        os.unlink(allowed.name)
