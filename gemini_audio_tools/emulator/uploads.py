"""Resumable upload sessions: chunks stream to a temp file, offsets are checked, nothing is kept twice.

The google-genai SDK starts a session (``X-Goog-Upload-Command: start``), then POSTs 8 MiB chunks to the
returned ``X-Goog-Upload-URL`` with ``upload`` / ``upload, finalize`` and ``X-Goog-Upload-Offset``. A chunk is
committed only once fully received: a dropped connection leaves the session at its last committed offset, so a
client can ``query`` it and resume. Sessions that fail or are cancelled delete their bytes.

A session that is never finished would otherwise live forever (memory, and its partial file on disk). As
with Google's resumable uploads, a session expires ``upload_session_ttl_seconds`` (a week) after it was
started, by the emulator's clock: expiry is lazy (checked on every upload request, no thread), deletes the
partial bytes, and the session URL then answers like an unknown one (404 NOT_FOUND). At most
``max_open_upload_sessions`` unfinished sessions may be open at once; one more is refused with 429.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .clock import EmulatorClock
from .errors import ApiError, invalid_argument
from .settings import EmulatorSettings


@dataclass
class UploadSession:
    upload_id: str
    file_id: str
    display_name: str | None
    mime_type: str
    declared_size: int
    path: Path
    created_at: datetime
    offset: int = 0
    hasher: Any = field(default_factory=hashlib.sha256)
    finished_file_id: str | None = None
    """Set once finalized: later ``query`` / ``upload`` commands answer with this file."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    discarded: bool = False
    """Set when the session is cancelled, fails or expires: a request that was waiting for its lock stops."""


class UploadSessions:
    """Upload sessions of the emulated project, each backed by one temp file under ``root``.

    ``settings`` and ``clock`` are the project's (shared, so a test may change the TTL or advance the clock).
    """

    def __init__(
        self, root: Path, settings: EmulatorSettings | None = None, clock: EmulatorClock | None = None
    ) -> None:
        self.root = root
        self.settings = settings or EmulatorSettings()
        self.clock = clock or EmulatorClock()
        self._sessions: dict[str, UploadSession] = {}
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def start(
        self, file_id: str, display_name: str | None, mime_type: str, declared_size: int
    ) -> UploadSession:
        """Open a session with an empty partial file.

        Raises:
            ApiError: 429 RESOURCE_EXHAUSTED when ``max_open_upload_sessions`` unfinished sessions are open.
        """
        self.expire()
        upload_id = secrets.token_urlsafe(24)
        path = self.root / f"{upload_id}.part"
        session = UploadSession(
            upload_id, file_id, display_name, mime_type, declared_size, path, self.clock.now()
        )
        limit = self.settings.max_open_upload_sessions
        with self._lock:
            if sum(s.finished_file_id is None for s in self._sessions.values()) >= limit:
                raise ApiError(
                    429,
                    f"Too many resumable uploads in progress ({limit} open). Finish or cancel one "
                    "(X-Goog-Upload-Command: cancel) before starting another; unfinished uploads expire "
                    f"{_duration(self.settings.upload_session_ttl_seconds)} after they were started.",
                    "RESOURCE_EXHAUSTED",
                )
            path.touch()
            self._sessions[upload_id] = session
        return session

    def get(self, upload_id: str | None) -> UploadSession:
        """The open or finished session ``upload_id``.

        Raises:
            ApiError: 404 when there is no such session (never started, cancelled, failed or expired).
        """
        self.expire()
        with self._lock:
            session = self._sessions.get(upload_id or "")
        if session is None:
            raise _not_found()
        return session

    def ensure_live(self, session: UploadSession) -> None:
        """Check, once its lock is held, that ``session`` was not ended meanwhile (and expire it if due).

        Raises:
            ApiError: 404 as for an unknown session.
        """
        if not session.discarded and self._is_expired(session, self.clock.now()):
            self.discard(session)
        if session.discarded:
            raise _not_found()

    def expire(self) -> int:
        """End every session past its TTL, deleting its partial bytes; returns how many ended.

        A session with a request in progress (its lock held) is left to that request, and ends at the next.
        """
        now = self.clock.now()
        with self._lock:
            expired = [s for s in self._sessions.values() if not s.lock.locked() and self._is_expired(s, now)]
        for session in expired:
            self.discard(session)
        return len(expired)

    def open_count(self) -> int:
        """Unfinished sessions (expired ones are ended first)."""
        self.expire()
        with self._lock:
            return sum(s.finished_file_id is None for s in self._sessions.values())

    def reserved_file_ids(self) -> set[str]:
        self.expire()
        with self._lock:
            return {s.file_id for s in self._sessions.values() if s.finished_file_id is None}

    def pending_bytes(self) -> int:
        """Bytes promised by unfinished sessions: they count against the project quota already."""
        self.expire()
        with self._lock:
            return sum(s.declared_size for s in self._sessions.values() if s.finished_file_id is None)

    def discard(self, session: UploadSession) -> None:
        """Forget the session and delete its partial bytes (a finished session's bytes are the store's)."""
        with self._lock:
            self._sessions.pop(session.upload_id, None)
            session.discarded = True
        session.path.unlink(missing_ok=True)

    def clear(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.discarded = True
            session.path.unlink(missing_ok=True)

    def _is_expired(self, session: UploadSession, now: datetime) -> bool:
        return now >= session.created_at + timedelta(seconds=self.settings.upload_session_ttl_seconds)


def _not_found() -> ApiError:
    return ApiError(404, "Upload session not found, cancelled or expired; start a new upload.", "NOT_FOUND")


def _duration(seconds: float) -> str:
    """``7 days`` / ``2 hours`` / ``90 seconds``, for messages."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


async def receive_chunk(
    session: UploadSession, body: AsyncIterator[bytes], final: bool, granularity: int
) -> int:
    """Append one request body to the session's file at its current offset; returns the bytes committed.

    The chunk is written as it arrives (never buffered whole); if the body ends early or breaks a rule, the
    file is truncated back to the committed offset and the session is unchanged.

    Raises:
        ApiError: 400 when the chunk would pass the declared size, or a non-final chunk is not a multiple of
            the upload granularity.
    """
    hasher = session.hasher.copy()
    received = 0
    committed = False
    with session.path.open("r+b") as out:
        out.seek(session.offset)
        try:
            async for piece in body:
                if not piece:
                    continue
                received += len(piece)
                if session.offset + received > session.declared_size:
                    raise invalid_argument(
                        f"Upload exceeds the declared size of {session.declared_size} bytes "
                        "(X-Goog-Upload-Header-Content-Length)."
                    )
                out.write(piece)
                hasher.update(piece)
            if not final and received % granularity:
                raise invalid_argument(
                    f"A non-final upload chunk must be a multiple of {granularity} bytes; got {received}."
                )
            committed = True
        finally:
            if not committed:
                out.truncate(session.offset)
    session.offset += received
    session.hasher = hasher
    return received
