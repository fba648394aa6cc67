"""The upload dedupe cache: sha256 of the bytes → the Files API file that holds them.

One small JSON file per hash, under a folder per account (a hash of base URL + API key, so files uploaded to
the emulator are never offered to the real API and the key itself is never written). Each entry is written
to a temporary file and moved into place with ``os.replace``, which is atomic, so two processes sharing the
cache never read half an entry; the worst case of a race is two uploads of the same bytes, never a wrong
reuse. An entry is only a hint: callers confirm with a GET that the remote file still exists, is ACTIVE and
has not expired before reusing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

Clock = Callable[[], dt.datetime]

FILE_LIFETIME = dt.timedelta(hours=48)
"""How long the Files API keeps an upload."""

EXPIRY_MARGIN = dt.timedelta(minutes=10)
"""Entries this close to expiry are treated as expired: the file could vanish during the request."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class CacheEntry:
    """What we remember about one upload."""

    sha256: str
    name: str
    uri: str
    mime_type: str
    size_bytes: int
    expires_at: str
    """RFC 3339, UTC."""
    display_name: str | None = None
    duration_seconds: float | None = None
    source_path: str | None = None
    """The local file these bytes came from (a hint: check its hash before trusting it)."""
    source_sha256: str | None = None
    """The hash of that file when these bytes were made from it (they may be an encoding of it)."""

    def expires(self) -> dt.datetime:
        return parse_time(self.expires_at)


def parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and ``os.replace``: readers, in this process or
    another, see the old content or the new, never a mix."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.asynccontextmanager
async def file_lock(path: Path, *, timeout: float) -> AsyncIterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing), shared with other processes. Yields False
    (unlocked) if the lock is not obtained within ``timeout`` seconds or locking is unsupported: the locks
    here guard optimisations (dedupe, reuse), so the caller proceeds either way."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, accept a possible duplicate
        yield False
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        locked = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                if loop.time() >= deadline:
                    break
                await asyncio.sleep(0.05)  # another process holds it (e.g. uploading these bytes); poll
        try:
            yield locked
        finally:
            if locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def account_key(base_url: str | None, api_key: str | None) -> str:
    """A stable, non-reversible folder name for one (endpoint, key) pair."""
    return hashlib.sha256(f"{base_url or 'default'}\0{api_key or ''}".encode()).hexdigest()[:16]


class UploadCache:
    """Persistent map sha256 → :class:`CacheEntry` for one account, safe to share between processes."""

    def __init__(self, root: Path, account: str, *, clock: Clock = utc_now) -> None:
        self.folder = root / "uploads" / account
        self._clock = clock

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a hex sha256: {sha256!r}")
        return self.folder / f"{sha256}.json"

    def get(self, sha256: str) -> CacheEntry | None:
        """The entry for ``sha256`` if present, readable and not (nearly) expired; stale ones are removed."""
        entry = self._read(self._path(sha256))
        if entry is None:
            return None
        if entry.expires() - EXPIRY_MARGIN <= self._clock():
            self.drop(sha256)
            return None
        return entry

    def put(self, entry: CacheEntry) -> None:
        """Store ``entry`` atomically (readers see the old entry or the new one, never a mix)."""
        write_atomically(self._path(entry.sha256), json.dumps(asdict(entry)))

    def lock(self, sha256: str, *, timeout: float) -> contextlib.AbstractAsyncContextManager[bool]:
        """Hold an exclusive per-hash lock shared with other processes, so that of two processes uploading
        the same bytes at once the second waits and then reuses the first's upload (see :func:`file_lock`)."""
        return file_lock(self._path(sha256).with_suffix(".lock"), timeout=timeout)

    def drop(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(sha256).unlink()

    def drop_name(self, name: str) -> int:
        """Forget every entry pointing at remote file ``name``; returns how many were dropped."""
        dropped = 0
        for entry in self.entries():
            if entry.name == name:
                self.drop(entry.sha256)
                dropped += 1
        return dropped

    def find_name(self, name: str) -> CacheEntry | None:
        """The entry for remote file ``name`` (e.g. to learn its duration), if any."""
        return next((e for e in self.entries() if e.name == name), None)

    def entries(self) -> Iterator[CacheEntry]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            if not path.name.startswith("."):
                entry = self._read(path)
                if entry is not None:
                    yield entry

    @staticmethod
    def _read(path: Path) -> CacheEntry | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return CacheEntry(**raw)
        except (OSError, ValueError, TypeError):
            return None  # missing, or damaged by something else: behave as a miss
