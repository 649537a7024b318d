"""Check a pack's artifact signature from files: its attached bundle and `policy/signers.yaml`.

`cab collect` and `cab score` read a working tree, so the files come from `root`; the bot and the
audit read the same two documents as git blobs and call `sigstore_check.check` directly.
"""

from __future__ import annotations

from pathlib import Path

from bot.adapters import files, sigstore_check
from bot.domain.models import EvidencePack, Signers
from bot.domain.signature_proof import SignatureCheck

SIGNERS_PATH = "policy/signers.yaml"


def signers_in(root: Path) -> Signers | None:
    path = root / SIGNERS_PATH
    if not path.is_file():
        return None
    loaded: Signers = files.load(path, Signers).model
    return loaded


def check_pack(
    pack: EvidencePack, root: Path, instance: sigstore_check.Instance = "production"
) -> SignatureCheck:
    signature = pack.artifact.signature
    if signature is None or signature.bundle is None:
        return SignatureCheck("missing", "the pack names no Sigstore bundle")
    path = root / signature.bundle
    if not path.is_file() or path.is_symlink():
        return SignatureCheck("unverified", f"the bundle {signature.bundle} is not a file in the repository")
    bundle = path.read_bytes()[: sigstore_check.MAX_BUNDLE_BYTES + 1]
    return sigstore_check.check(pack.artifact.sha256, bundle, signers_in(root), instance)


def check_pack_with(
    pack: EvidencePack, attachments: dict[str, bytes], root: Path, instance: sigstore_check.Instance
) -> SignatureCheck:
    """As `check_pack`, for a pack whose attachments are not written yet (`cab collect`)."""
    signature = pack.artifact.signature
    bundle = attachments.get(signature.bundle) if signature and signature.bundle else None
    if bundle is None:
        return check_pack(pack, root, instance)
    return sigstore_check.check(pack.artifact.sha256, bundle, signers_in(root), instance)
