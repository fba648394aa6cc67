from __future__ import annotations

import hashlib
from pathlib import Path

from gemini_audio_tools.hashing import sha256_file, sha256_of_user_file


def test_sha256_file_hashes_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"audio")
    assert sha256_file(path) == hashlib.sha256(b"audio").hexdigest()


def test_sha256_file_reads_files_larger_than_one_block(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2.2 MiB: three blocks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_remembered_hash_is_new_once_the_file_changes_in_place(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"first version")
    first = sha256_of_user_file(path)
    assert sha256_of_user_file(path) == first == hashlib.sha256(b"first version").hexdigest()
    path.write_bytes(b"second version, longer")
    assert sha256_of_user_file(path) == hashlib.sha256(b"second version, longer").hexdigest()
