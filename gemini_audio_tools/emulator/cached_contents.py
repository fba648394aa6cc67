"""Context caches (``cachedContents``): what one holds, its expiry by the emulator's clock, and how a request
that names one is built on it.

A cache keeps its own copy of its audio (hard links to the uploaded files, or the inline bytes written out),
so it keeps working after those files are deleted or expire: the real service caches tokens, not references.
Expired caches are purged lazily whenever the store is touched, so they vanish exactly at ``expireTime``.

A request using a cache is the cache's contents followed by the request's own (the cache is a prefix of the
prompt); its ``promptTokenCount`` includes the cached tokens and ``cachedContentTokenCount`` names them, as
the API's ``UsageMetadata`` documents.
"""

from __future__ import annotations

import secrets
import shutil
import string
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import EmulatorClock, rfc3339
from .contents import ParsedRequest
from .errors import ApiError, invalid_argument
from .json_values import pick
from .model_types import AudioInput, AudioTokenCount
from .paging import page
from .settings import EmulatorSettings

_ID_ALPHABET = string.ascii_lowercase + string.digits
_CONFLICT = (
    "CachedContent can not be used with GenerateContent request setting system_instruction, tools or "
    "tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request."
)


def cache_not_found() -> ApiError:
    """What the API answers for an unknown, deleted or expired cache (403, not 404)."""
    return ApiError(403, "CachedContent not found (or permission denied)", "PERMISSION_DENIED")


@dataclass(frozen=True)
class CachedPrefix:
    """The part of a prompt a cache supplies: audio (own copies), texts, system instruction, token counts."""

    audio: tuple[AudioInput, ...]
    counts: tuple[AudioTokenCount, ...]
    texts: tuple[str, ...]
    system_instruction: str | None
    text_tokens: int

    @property
    def audio_tokens(self) -> int:
        return sum(c.tokens for c in self.counts)

    @property
    def total_tokens(self) -> int:
        return self.audio_tokens + self.text_tokens

    def token_details(self) -> list[dict[str, object]]:
        """``cacheTokensDetails``: the cached tokens per modality."""
        details: list[dict[str, object]] = []
        if self.text_tokens:
            details.append({"modality": "TEXT", "tokenCount": self.text_tokens})
        if self.counts:
            details.append({"modality": "AUDIO", "tokenCount": self.audio_tokens})
        return details

    def prepend(
        self, parsed: ParsedRequest, audio: list[AudioInput], counts: list[AudioTokenCount]
    ) -> tuple[ParsedRequest, list[AudioInput], list[AudioTokenCount]]:
        """The request as the model sees it: this prefix, then the request's own parts."""
        merged = replace(
            parsed, texts=[*self.texts, *parsed.texts], system_instruction=self.system_instruction
        )
        return merged, [*self.audio, *audio], [*self.counts, *counts]


@dataclass
class CachedContent:
    id: str
    model: str
    display_name: str | None
    create_time: datetime
    update_time: datetime
    expire_time: datetime
    prefix: CachedPrefix
    folder: Path
    seq: int

    @property
    def name(self) -> str:
        return f"cachedContents/{self.id}"

    def to_json(self) -> dict[str, object]:
        """The resource as the API returns it: metadata and usage only, never the cached contents."""
        data: dict[str, object] = {"name": self.name, "model": f"models/{self.model}"}
        if self.display_name:
            data["displayName"] = self.display_name
        return data | {
            "createTime": rfc3339(self.create_time),
            "updateTime": rfc3339(self.update_time),
            "expireTime": rfc3339(self.expire_time),
            "usageMetadata": {"totalTokenCount": self.prefix.total_tokens},
        }


class CacheStore:
    """Every cache of the emulated project. Thread-safe: the server's loop and test code both use it."""

    def __init__(self, root: Path, settings: EmulatorSettings, clock: EmulatorClock) -> None:
        self.root = root
        self.settings = settings
        self.clock = clock
        self._caches: dict[str, CachedContent] = {}
        self._reserved: set[str] = set()
        self._lock = threading.RLock()
        self._seq = 0
        root.mkdir(parents=True, exist_ok=True)

    def reserve(self) -> tuple[str, Path]:
        """A fresh id and an empty folder for the audio of a cache being created."""
        with self._lock:
            while True:
                cache_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
                if cache_id not in self._caches and cache_id not in self._reserved:
                    break
            self._reserved.add(cache_id)
        folder = self.root / cache_id
        folder.mkdir(parents=True, exist_ok=True)
        return cache_id, folder

    def release(self, cache_id: str) -> None:
        """Give up a reservation whose cache was refused, deleting what was copied for it."""
        with self._lock:
            self._reserved.discard(cache_id)
        shutil.rmtree(self.root / cache_id, ignore_errors=True)

    def keep(self, folder: Path, index: int, clip: AudioInput) -> AudioInput:
        """The cache's own copy of ``clip``: a hard link to a stored file (a copy where links fail), or the
        inline bytes written out."""
        target = folder / f"part-{index}"
        if clip.path is not None:
            try:
                target.hardlink_to(clip.path)
            except OSError:
                shutil.copyfile(clip.path, target)
        else:
            target.write_bytes(clip.data)
        return AudioInput(b"", clip.mime_type, path=target, sha256=clip.digest())

    def add(
        self,
        cache_id: str,
        *,
        model: str,
        display_name: str | None,
        expire_time: datetime,
        prefix: CachedPrefix,
        now: datetime,
    ) -> CachedContent:
        """Record the cache created at ``now`` (the moment its expiry was computed from)."""
        with self._lock:
            self._reserved.discard(cache_id)
            self._seq += 1
            record = CachedContent(
                cache_id, model, display_name, now, now, expire_time, prefix, self.root / cache_id, self._seq
            )
            self._caches[cache_id] = record
        return record

    def get(self, name: str) -> CachedContent:
        """The live cache ``name`` (``cachedContents/`` prefix optional).

        Raises:
            ApiError: 403 PERMISSION_DENIED for an unknown, deleted or expired cache.
        """
        cache_id = name.removeprefix("cachedContents/")
        with self._lock:
            self.purge_expired()
            record = self._caches.get(cache_id)
        if record is None:
            raise cache_not_found()
        return record

    def set_expiry(self, name: str, expire_time: datetime, now: datetime) -> CachedContent:
        """Move the cache's expiry (the only field the API lets a client update), as of ``now``.

        Raises:
            ApiError: 403 for an unknown or expired cache.
        """
        record = self.get(name)
        with self._lock:
            record.expire_time = expire_time
            record.update_time = now
        return record

    def delete(self, name: str) -> None:
        """Raises: ApiError: 403 for an unknown or expired cache."""
        record = self.get(name)
        with self._lock:
            self._caches.pop(record.id, None)
        shutil.rmtree(record.folder, ignore_errors=True)

    def page(self, page_size: int | None, page_token: str | None) -> tuple[list[CachedContent], str | None]:
        """Raises: ApiError: 400 for a malformed page token."""
        with self._lock:
            self.purge_expired()
            live = list(self._caches.values())
        return page(live, lambda c: c.seq, page_size, page_token, self.settings)

    def prefix_for(self, body: dict[str, Any], model: str) -> CachedPrefix | None:
        """The cache a generateContent body names (``cachedContent``), or ``None`` when it names none.

        Raises:
            ApiError: 400 when the body also sets a system instruction, tools or tool config, or uses another
                model than the cache; 403 for an unknown or expired cache.
        """
        name = pick(body, "cachedContent", "cached_content")
        if name is None:
            return None
        if not isinstance(name, str) or not name.strip():
            raise invalid_argument("cachedContent must be the name of a cache, e.g. 'cachedContents/abc'.")
        if any(pick(body, *keys) for keys in _CACHE_ONLY_FIELDS):
            raise invalid_argument(_CONFLICT)
        record = self.get(name.strip())
        if record.model != model:
            raise invalid_argument(
                f"Model used by GenerateContent request (models/{model}) and CachedContent "
                f"(models/{record.model}) has to be the same."
            )
        return record.prefix

    def purge_expired(self) -> list[str]:
        now = self.clock.now()
        with self._lock:
            gone = [c for c in self._caches.values() if c.expire_time <= now]
            for record in gone:
                self._caches.pop(record.id, None)
        for record in gone:
            shutil.rmtree(record.folder, ignore_errors=True)
        return [c.id for c in gone]

    def all(self) -> list[CachedContent]:
        with self._lock:
            self.purge_expired()
            return list(self._caches.values())

    def clear(self) -> None:
        with self._lock:
            self._caches.clear()
            self._reserved.clear()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)


_CACHE_ONLY_FIELDS = (
    ("systemInstruction", "system_instruction"),
    ("tools", "tools"),
    ("toolConfig", "tool_config"),
)
