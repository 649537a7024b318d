"""The two repository flags, one meaning each, in every command.

`--repo PATH` is the local directory of the CAB repository (default: the current directory);
`--github OWNER/NAME` is the CAB repository on GitHub. The spellings used before (`--root`,
`--github-repo`, and `cab submit --repo OWNER/NAME`) still work for one release: same value,
plus one deprecation line on stderr, and they are hidden from `--help` except in its
"deprecated" epilog. Two spellings of one flag in one command line are a usage error, so a
script never silently gets the value it did not mean.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = "--repo"
GITHUB = "--github"
# GitHub's rules, loosely: an owner is letters, digits, '-' (and '_' for managed users); a name is
# letters, digits, '.', '_', '-'. Loose enough for every real repository, strict enough to catch a
# URL, a path or a missing half.
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}/[A-Za-z0-9._-]{1,100}")
_SEEN = "_cab_flag_spellings"  # on the namespace: which spelling set each repository dest


def is_slug(text: str) -> bool:
    """Whether `text` reads as OWNER/NAME."""
    return _SLUG.fullmatch(text) is not None and text.split("/")[1] not in (".", "..")


def github_slug(text: str) -> str:
    """argparse type of `--github`: OWNER/NAME or a usage error saying so."""
    if not is_slug(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not OWNER/NAME (e.g. octo-org/cab)")
    return text


def existing_directory(text: str) -> Path:
    """argparse type of `--repo`: a directory that exists, else a usage error naming the path."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such directory")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a directory")
    return path


def deprecation(old: str, new: str) -> str:
    return f"cab: {old} is deprecated; use {new} (it will be removed in the next release)"


def _record(parser: argparse.ArgumentParser, namespace: argparse.Namespace, dest: str, spelling: str) -> None:
    """Refuse a second spelling of the same flag: which one was meant is not ours to guess."""
    seen: dict[str, str] = namespace.__dict__.setdefault(_SEEN, {})
    earlier = seen.setdefault(dest, spelling)
    if earlier != spelling:
        parser.error(f"{earlier} and {spelling} name the same repository; give only one of them")


class _Current(argparse.Action):
    """The flag's current spelling: stores the value and notes the spelling."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        _record(parser, namespace, self.dest, self.option_strings[0])
        setattr(namespace, self.dest, values)


class _Deprecated(argparse.Action):
    """An old spelling: the same value into the same dest, and one line on stderr."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        old = option_string or self.option_strings[0]
        _record(parser, namespace, self.dest, old)
        print(deprecation(old, self.new), file=sys.stderr)
        setattr(namespace, self.dest, values)


class _SubmitRepo(argparse.Action):
    """`cab submit --repo OWNER/NAME`, the old spelling of `--github`, kept for one release.

    `--repo` means a local directory everywhere else, so a value that exists on disk is refused
    even when it also reads as OWNER/NAME: the command fails closed rather than guess.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        text = str(values)
        exists, slug = Path(text).exists(), is_slug(text)
        if exists and slug:
            parser.error(
                f"--repo {text} is both a path here and an OWNER/NAME; "
                f"name the GitHub repository with --github {text}"
            )
        if exists:
            parser.error(
                f"--repo {text}: cab submit needs no local directory; "
                "name the GitHub repository with --github OWNER/NAME"
            )
        if not slug:
            parser.error(
                f"--repo {text!r} is not OWNER/NAME; name the GitHub repository with --github OWNER/NAME"
            )
        _record(parser, namespace, self.dest, f"{REPO} OWNER/NAME")
        print(deprecation(f"{REPO} OWNER/NAME", f"{GITHUB} OWNER/NAME"), file=sys.stderr)
        setattr(namespace, self.dest, text)


def _note_deprecated(parser: argparse.ArgumentParser, line: str) -> None:
    """The only place old spellings show in --help."""
    head = "deprecated (removed in the next release):"
    parser.epilog = f"{parser.epilog}; {line}" if parser.epilog else f"{head} {line}"


def add_repo(
    parser: argparse.ArgumentParser,
    *,
    help: str = "the CAB repository's local directory (default: the current directory)",
    deprecated: Sequence[str] = (),
) -> None:
    """`--repo PATH` into `args.repo`; `deprecated` lists old spellings that still work."""
    parser.add_argument(
        REPO,
        action=_Current,
        dest="repo",
        type=existing_directory,
        default=Path("."),
        metavar="PATH",
        help=help,
    )
    for old in deprecated:
        parser.add_argument(
            old, action=_Deprecated, new=REPO, dest="repo", type=existing_directory, help=argparse.SUPPRESS
        )
        _note_deprecated(parser, f"{old} PATH (use {REPO} PATH)")


def add_github(
    parser: argparse.ArgumentParser,
    *,
    help: str,
    deprecated: Sequence[str] = (),
    submit_repo: bool = False,
) -> None:
    """`--github OWNER/NAME` into `args.github` (None when absent).

    `submit_repo` also accepts `cab submit`'s old `--repo OWNER/NAME` (see `_SubmitRepo`)."""
    parser.add_argument(
        GITHUB, action=_Current, dest="github", type=github_slug, metavar="OWNER/NAME", help=help
    )
    for old in deprecated:
        parser.add_argument(
            old, action=_Deprecated, new=GITHUB, dest="github", type=github_slug, help=argparse.SUPPRESS
        )
        _note_deprecated(parser, f"{old} OWNER/NAME (use {GITHUB} OWNER/NAME)")
    if submit_repo:
        parser.add_argument(REPO, action=_SubmitRepo, dest="github", help=argparse.SUPPRESS)
        _note_deprecated(parser, f"{REPO} OWNER/NAME (use {GITHUB} OWNER/NAME)")
