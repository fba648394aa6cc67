"""What the context-caching policy remembers per audio, on disk: recent asks and the caches that hold it.

One small JSON file per audio (the key is a hash of what would be cached: the user's file and its encoding,
or a Files API name), under a folder per account like the upload cache's, so caches made on the emulator are
never offered to the real API. Files are replaced atomically and changed under a per-key lock shared between
processes (:mod:`..backend.cache`), so two agents asking about the same recording at once make one cache,
not two. A record is a hint: a cache it names is used only while its recorded expiry is ahead, and a
request that finds it gone falls back to sending the audio.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..backend.cache import file_lock, write_atomically

Clock = Callable[[], float]
"""Seconds since the epoch (``time.time``)."""

MAX_ASKS = 16
"""Ask times kept per audio: enough to tell "asked again within the TTL", small enough to stay tiny."""


@dataclass(frozen=True)
class LiveCache:
    """A context cache holding one audio, as created for one model."""

    name: str
    model: str
    expires_at: float
    """Seconds since the epoch, as the API reported it (updated when the TTL is extended)."""
    tokens: int
    mime_type: str
    file_name: str | None = None
    """The Files API file the cache was made from (deleting that file deletes the cache too), if any."""


@dataclass(frozen=True)
class AudioRecord:
    """Recent asks about one audio and its live caches (at most one per model)."""

    key: str
    asks: tuple[float, ...] = ()
    caches: tuple[LiveCache, ...] = field(default=())

    def asked_since(self, moment: float) -> bool:
        return any(t >= moment for t in self.asks)

    def with_ask(self, now: float, keep_after: float) -> AudioRecord:
        """This record with an ask at ``now``, forgetting asks before ``keep_after``."""
        kept = [t for t in self.asks if t >= keep_after][-(MAX_ASKS - 1) :]
        return replace(self, asks=(*kept, now))

    def cache_for(self, model: str) -> LiveCache | None:
        return next((c for c in self.caches if c.model == model), None)

    def with_cache(self, cache: LiveCache) -> AudioRecord:
        """This record with ``cache`` replacing any earlier one for its model (or of its name)."""
        others = tuple(c for c in self.caches if c.model != cache.model and c.name != cache.name)
        return replace(self, caches=(*others, cache))

    def without_cache(self, name: str) -> AudioRecord:
        return replace(self, caches=tuple(c for c in self.caches if c.name != name))


class CacheRecords:
    """The records of one account under ``root``, safe to share between processes."""

    def __init__(self, root: Path, account: str, *, clock: Clock = time.time) -> None:
        self.folder = root / "context-caches" / account
        self.now = clock

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a hex sha256: {key!r}")
        return self.folder / f"{key}.json"

    def read(self, key: str) -> AudioRecord:
        """The record of ``key``: empty when missing or unreadable (a damaged file behaves as a miss)."""
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            caches = tuple(LiveCache(**c) for c in raw.get("caches", ()))
            return AudioRecord(key, tuple(float(t) for t in raw.get("asks", ())), caches)
        except (OSError, ValueError, TypeError, AttributeError):
            return AudioRecord(key)

    def write(self, record: AudioRecord) -> None:
        """Store ``record`` atomically; a record with nothing left in it is removed."""
        path = self._path(record.key)
        if not record.asks and not record.caches:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        write_atomically(path, json.dumps(asdict(record)))

    def lock(self, key: str, *, timeout: float) -> contextlib.AbstractAsyncContextManager[bool]:
        """An exclusive lock on ``key`` shared with other processes (yields False if not obtained in time)."""
        return file_lock(self._path(key).with_suffix(".lock"), timeout=timeout)

    def holding(self, file_name: str) -> Iterator[AudioRecord]:
        """Records with a cache made from the Files API file ``file_name``."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            if not path.name.startswith("."):
                record = self.read(path.stem)
                if any(c.file_name == file_name for c in record.caches):
                    yield record
