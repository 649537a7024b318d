"""sha256 and size of a build artifact, read in fixed-size chunks so memory stays constant.

Written by hand rather than with `hashlib.file_digest` because the size must be the number of bytes
actually hashed (a file still being written would otherwise get a size from one moment and a hash
from another), and because only regular files are accepted: a FIFO or /dev/zero would never end.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.adapters.importers.interface import FileDigest, fail, open_regular

CHUNK_SIZE = 1024 * 1024


def digest(path: Path, chunk_size: int = CHUNK_SIZE) -> FileDigest:
    source = str(path)
    hasher = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    try:
        with open_regular(path) as handle:
            while read := handle.readinto(buffer):
                hasher.update(view[:read])
                size += read
    except FileNotFoundError:
        raise fail(source, "artifact file not found") from None
    except IsADirectoryError:
        raise fail(source, "the artifact is a directory, not a file") from None
    except PermissionError:
        raise fail(source, "permission denied reading the artifact") from None
    return FileDigest(sha256=hasher.hexdigest(), size_bytes=size)
