"""Gather past decisions and their evidence, for `cab simulate` (from a clone) and for the what-if
table of a risk-model pull request (through the forge, `bot.services.model_what_if`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.adapters.git.blobs import GitBlobs
from bot.domain import documents
from bot.domain.base_branch import Blobs
from bot.domain.documents import Loaded
from bot.domain.errors import CabError
from bot.domain.layout import SIGNERS_PATH, classify
from bot.domain.models import Decision, EvidencePack, RiskModel, Signers
from bot.domain.signature_proof import SignatureCheck
from bot.domain.simulation import Past, Simulation, simulate
from bot.services import evidence_proof


def _decision_paths(blobs: GitBlobs, tip: str, since: str | None) -> Iterator[str]:
    if since is None:
        yield from blobs.list_files(tip, "decisions")
    else:  # git's log is the index: only records added after `since`
        yield from blobs.landed(tip, "decisions", blobs.resolve(since))


def _read(blobs: Blobs, tip: str, path: str) -> bytes | None:
    try:
        if isinstance(blobs, GitBlobs):
            return blobs.read_file(tip, path, plain=True)
        return blobs.read_file(tip, path)  # a forge refuses an executable governed file itself
    except CabError:
        return None


def _signers(blobs: Blobs, tip: str) -> Signers | None:
    return evidence_proof.signers_from(_read(blobs, tip, SIGNERS_PATH))


def run(blobs: GitBlobs, ref: str, model_raw: bytes, model_source: str, since: str | None) -> Simulation:
    """Re-score every decided change on REF (after `since`) under the proposed model.

    A decision whose evidence can no longer be read is listed as unreadable, never dropped."""
    proposed = documents.parse(model_raw, model_source, RiskModel)
    tip = blobs.resolve(ref)
    return past_decisions(blobs, tip, _decision_paths(blobs, tip, since), proposed, where=ref)


def past_decisions(
    blobs: Blobs, tip: str, paths: Iterable[str], proposed: Loaded[RiskModel], *, where: str
) -> Simulation:
    """Re-score the decision records at `paths` on commit `tip` (a clone or a forge) under `proposed`."""
    past: list[tuple[Past, EvidencePack, SignatureCheck]] = []
    unreadable: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in paths:
        governed = classify(path)
        if governed is None or governed.kind != "Decision" or path in seen:
            continue
        seen.add(path)
        try:
            raw = blobs.read_file(tip, path)
            if raw is None:  # added, then removed again
                continue
            record = documents.parse(raw, path, Decision).model
        except CabError as exc:
            unreadable.append((governed.id, str(exc).splitlines()[0]))
            continue
        if record.outcome == "pending":
            continue
        try:
            evidence = blobs.read_file(tip, record.evidence.path)
            if evidence is None:
                unreadable.append((record.change_id, f"{record.evidence.path} is gone from {where}"))
                continue
            pack = documents.parse(evidence, record.evidence.path, EvidencePack).model
        except CabError as exc:
            unreadable.append((record.change_id, str(exc).splitlines()[0]))
            continue
        recorded = Past(
            record.change_id, record.outcome, record.risk.tier, record.risk.score, record.risk.model_version
        )
        # the pack's attachments and bundle, checked as the bot checks them, against today's signers
        proof = evidence_proof.prove(pack, lambda path: _read(blobs, tip, path), lambda: _signers(blobs, tip))
        past.append((recorded, pack, proof.signature))
    past.sort(key=lambda item: item[0].change_id)
    return simulate(past, proposed.model, proposed.sha256, sorted(unreadable))
