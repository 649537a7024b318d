"""`cab score EVIDENCE… [--model FILE] [--format text|json|markdown]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Score evidence packs. The model is --model, else the newest risk-model/vX.Y.yaml "
        "under --repo, else the model shipped with cab. Exit 0 when every pack scored, 2 on invalid input."
    )
    parser.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE")
    parser.add_argument("--model", type=Path, help="risk model file (default: newest in risk-model/)")
    repo_flags.add_repo(parser, deprecated=["--root"])
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument(
        "--sigstore-instance",
        choices=("production", "staging"),
        default="production",
        help="trust root for checking attached Sigstore bundles (staging: for tests only)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters import files
    from bot.adapters import risk_model_files as risk_models
    from bot.domain import render
    from bot.domain.errors import InputError
    from bot.domain.models import EvidencePack
    from bot.domain.scoring import score
    from bot.services.signature import check_pack
    from bot.services.validate import repository_of, validate

    # The rules `cab validate` applies (schema, and placement under --repo: file name = id, month),
    # so a pack validate rejects is never scored.
    checked = validate(args.evidence, args.repo)
    if checked.problems:
        raise InputError(checked.problems)
    model = risk_models.resolve(args.model, args.repo)
    items = []
    instance, root = args.sigstore_instance, args.repo
    for path in args.evidence:
        loaded = files.load(path, EvidencePack)
        pack: EvidencePack = loaded.model
        items.append(
            render.ScoredPack(
                source=str(path),
                change_id=pack.change_id,
                title=pack.title,
                evidence_sha256=loaded.sha256,
                risk=score(
                    pack,
                    model.model,
                    model.sha256,
                    check_pack(pack, repository_of(path, root), instance),
                ),
                missing=pack.missing_sections,
            )
        )
    if args.format == "json":
        print(render.as_json(items))
    else:
        show = render.markdown if args.format == "markdown" else render.text
        print("\n\n".join(show(item) for item in items))
    return 0
