from __future__ import annotations

import hashlib
from pathlib import Path

from gemini_audio_tools.hashing import sha256_file


def test_sha256_file_hashes_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"audio")
    assert sha256_file(path) == hashlib.sha256(b"audio").hexdigest()


def test_sha256_file_reads_files_larger_than_one_block(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2.2 MiB: three blocks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
