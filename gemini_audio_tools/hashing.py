"""Content hashes of files, read in blocks (uploads can be gigabytes)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_REMEMBERED: dict[tuple[str, int, int, int, int], str] = {}
_REMEMBERED_MAX = 256


def sha256_of_user_file(path: Path) -> str:
    """:func:`sha256_file`, remembered in this process while the file's identity (inode, size, modification
    and change times) stays the same: ten questions about one large recording, and the upload behind them,
    read it once. Meant for the user's files (a download passes through it too: a new file practically never
    has an old file's identity); the encoded copies we write ourselves are hashed by :func:`sha256_file`.
    """
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    known = _REMEMBERED.get(key)
    if known is None:
        if len(_REMEMBERED) >= _REMEMBERED_MAX:
            _REMEMBERED.clear()
        known = _REMEMBERED[key] = sha256_file(path)
    return known
