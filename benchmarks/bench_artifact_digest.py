"""Artifact hashing: cab's chunked reader against hashlib.file_digest, and its peak memory.

Prints ratios measured in this one run (no absolute targets): time relative to the standard
library's own streaming digest, and traced peak memory relative to the chunk size and file size.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.adapters.importers import artifact

SIZE = 256 * 1024 * 1024


def best_of(runs: int, action: object) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "artifact.bin"
        with open(path, "wb") as handle:
            block = os.urandom(1024 * 1024)
            for _ in range(SIZE // len(block)):
                handle.write(block)

        def stdlib() -> None:
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, "sha256")

        ours = best_of(3, lambda: artifact.digest(path))
        theirs = best_of(3, stdlib)
        tracemalloc.start()
        artifact.digest(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"file {SIZE / 2**20:.0f} MiB, chunk {artifact.CHUNK_SIZE / 2**20:.0f} MiB")
    print(f"time cab/hashlib.file_digest: {ours / theirs:.2f} ({SIZE / ours / 2**20:.0f} MiB/s)")
    print(f"peak traced memory / chunk: {peak / artifact.CHUNK_SIZE:.2f}; / file size: {peak / SIZE:.4f}")


if __name__ == "__main__":
    main()
