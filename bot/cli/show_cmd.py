"""`cab show CHANGE-ID`: one decision, as recorded."""

from __future__ import annotations

import argparse

from bot.cli import repo_flags


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the decision record of CHANGE-ID on REF."
    parser.add_argument("change_id", metavar="CHANGE-ID")
    parser.add_argument("--ref", default="HEAD")
    repo_flags.add_repo(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.adapters.environment import bot_identity
    from bot.adapters.git.blobs import GitBlobs
    from bot.services.show_light import shown

    blobs = GitBlobs.open(args.repo)
    found = shown(blobs, args.ref, args.change_id, bot_identity())
    if found is None:  # not provably the bot's own bytes: read with the models, which say what is wrong
        from bot.domain.rules import records
        from bot.services.queries import find_record

        path, record = find_record(blobs, args.ref, args.change_id)
        found = path, records.render(record).decode("utf-8")
    print(f"# {found[0]}")
    print(found[1], end="")
    return 0
