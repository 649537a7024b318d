"""sha256 and size of a build artifact, read in fixed-size chunks so memory stays constant.

Written by hand rather than with `hashlib.file_digest` because the size must be the number of bytes
actually hashed (a file still being written would otherwise get a size from one moment and a hash
from another), and because only regular files are accepted: a FIFO or /dev/zero would never end.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from bot.adapters.importers.interface import FileDigest, fail, open_regular
from bot.adapters.progress import Advance, bar

CHUNK_SIZE = 1024 * 1024
SHOWN_FROM = 256 * 1024 * 1024  # bytes: a smaller artifact is hashed before a bar would be read


def _progress(handle: BinaryIO, source: str) -> AbstractContextManager[Advance]:
    """A byte bar for a large artifact on a terminal; otherwise nothing."""
    size = os.fstat(handle.fileno()).st_size
    return bar(f"hashing {source}", size, transfer=True) if size >= SHOWN_FROM else nullcontext(_ignore)


def _ignore(_n: int) -> None:
    return None


def digest(path: Path, chunk_size: int = CHUNK_SIZE) -> FileDigest:
    source = str(path)
    hasher = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    try:
        with open_regular(path) as handle, _progress(handle, source) as advance:
            while read := handle.readinto(buffer):
                hasher.update(view[:read])
                size += read
                advance(read)
    except FileNotFoundError:
        raise fail(source, "artifact file not found") from None
    except IsADirectoryError:
        raise fail(source, "the artifact is a directory, not a file") from None
    except PermissionError:
        raise fail(source, "permission denied reading the artifact") from None
    return FileDigest(sha256=hasher.hexdigest(), size_bytes=size)
