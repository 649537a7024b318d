"""`cab action`: the entry point of the GitHub Action (reads the Actions environment)."""

from __future__ import annotations

import argparse
import datetime as dt
import os


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY and GITHUB_TOKEN (or a "
        "GitHub App's CAB_APP_ID, CAB_APP_PRIVATE_KEY, CAB_APP_INSTALLATION_ID), runs the step the event "
        "needs, and writes a job summary. Exit 0 done, 2 invalid input or usage, 3 GitHub failed."
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services import action

    return action.run(os.environ, now=dt.datetime.now(dt.UTC))
