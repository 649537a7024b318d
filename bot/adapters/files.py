"""Governed documents read from the filesystem: regular files only, size-checked before reading."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.domain.documents import Loaded, check, parse
from bot.domain.errors import InputError
from bot.domain.strict_yaml import DEFAULT_LIMITS, Limits

M = TypeVar("M", bound=BaseModel)


def read_file_bytes(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Read a governed file from disk, refusing symlinks and oversized files before reading."""
    source = str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise InputError.at(source, 1, 1, "file not found") from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError.at(source, 1, 1, "is a symbolic link; governed files must be regular files")
    if not stat.S_ISREG(info.st_mode):
        raise InputError.at(source, 1, 1, "is not a regular file")
    if info.st_size > limits.max_bytes:
        raise InputError.at(
            source, 1, 1, f"file is {info.st_size} bytes; the limit is {limits.max_bytes} bytes"
        )
    with open(path, "rb") as handle:  # O_NOFOLLOW is implied by the lstat check above
        return handle.read(limits.max_bytes + 1)


def load(path: Path, expect: type[M] | None = None) -> Loaded[Any]:
    return parse(read_file_bytes(path), str(path), expect)


def load_checked(path: Path, expect: type[M] | None = None) -> Any:
    """The validated model of a file, unhashed (see `bot.domain.documents.check`)."""
    return check(read_file_bytes(path), str(path), expect)
