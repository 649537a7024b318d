"""What the bot and the audit find when they check a pack's attachments, read as git blobs.

The bundle and the tool outputs come from the commit that carries the pack (the PR head, or the
decision merge for the audit); the allowed signers from the base (`policy/signers.yaml`), never from
the PR. The result is a plain value (`EvidenceProof`) that the pure decision plan decides from.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters import sigstore_check
from bot.domain import documents
from bot.domain.errors import InputError
from bot.domain.models import EvidencePack, Signers
from bot.domain.signature_proof import EvidenceProof, SignatureCheck
from bot.services import attachments
from bot.services.signature import SIGNERS_PATH

Read = Callable[[str], bytes | None]


def signers_from(raw: bytes | None) -> Signers | None:
    if raw is None:
        return None
    try:
        signers: Signers = documents.parse(raw, SIGNERS_PATH, Signers).model
    except InputError:
        return None  # unreadable policy trusts nobody; `cab validate` on the base reports why
    return signers


def prove(pack: EvidencePack, read_attachment: Read, signers: Callable[[], Signers | None]) -> EvidenceProof:
    """`signers` is called only when there is a bundle to check, so a pack without one costs no read."""
    signature = pack.artifact.signature
    if signature is None or signature.bundle is None:
        check = SignatureCheck("missing", "the pack names no Sigstore bundle")
    elif not signature.bundle.startswith(f"evidence/{pack.submitted_at:%Y-%m}/{pack.change_id}/"):
        check = SignatureCheck(
            "unverified", f"the bundle {signature.bundle} is not among the pack's attachments"
        )
    else:
        bundle = read_attachment(signature.bundle)
        check = (
            SignatureCheck("unverified", f"no file {signature.bundle}")
            if bundle is None
            else sigstore_check.check(pack.artifact.sha256, bundle, signers())
        )
    mismatches = tuple(str(m) for m in attachments.compare(pack, read_attachment))
    return EvidenceProof(check, mismatches)


def prove_document(
    document: bytes | None, path: str, read_attachment: Read, signers: Callable[[], Signers | None]
) -> EvidenceProof:
    """`prove` for a pack still in bytes; one that does not parse proves nothing (the plan refuses it)."""
    if document is None:
        return EvidenceProof()
    try:
        pack: EvidencePack = documents.parse(document, path, EvidencePack).model
    except InputError:
        return EvidenceProof()
    return prove(pack, read_attachment, signers)
