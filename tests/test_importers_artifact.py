"""Artifact digests are streamed: right hash and size at any length, memory bounded by the chunk."""

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from bot.adapters.importers import artifact
from bot.adapters.importers.interface import ToolOutputError


def test_digest_of_a_file_larger_than_one_chunk_matches_hashing_it_whole(tmp_path: Path) -> None:
    data = os.urandom(3 * artifact.CHUNK_SIZE + 17)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    facts = artifact.digest(path)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size_bytes == len(data)


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 4096])
def test_chunk_boundaries_do_not_change_the_digest(tmp_path: Path, chunk_size: int) -> None:
    data = bytes(range(256)) * 41
    path = tmp_path / "a.bin"
    path.write_bytes(data)
    assert artifact.digest(path, chunk_size).sha256 == hashlib.sha256(data).hexdigest()


def test_empty_artifact_has_the_empty_digest_and_size_zero(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    facts = artifact.digest(path)
    assert (facts.sha256, facts.size_bytes) == (hashlib.sha256(b"").hexdigest(), 0)


def test_memory_stays_near_one_chunk_whatever_the_file_size(tmp_path: Path) -> None:
    chunk = 64 * 1024
    path = tmp_path / "sixteen-chunks.bin"
    path.write_bytes(os.urandom(16 * chunk))
    tracemalloc.start()
    try:
        artifact.digest(path, chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * chunk, f"peak {peak} bytes for a {16 * chunk}-byte file"


def test_missing_artifact_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ToolOutputError, match=r"nope\.bin:1:1: artifact file not found"):
        artifact.digest(tmp_path / "nope.bin")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ToolOutputError, match="not a regular file"):
        artifact.digest(fifo)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ToolOutputError, match="is not a regular file"):
        artifact.digest(tmp_path)
