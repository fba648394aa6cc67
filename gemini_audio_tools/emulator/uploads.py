"""Resumable upload sessions: chunks stream to a temp file, offsets are checked, nothing is kept twice.

The google-genai SDK starts a session (``X-Goog-Upload-Command: start``), then POSTs 8 MiB chunks to the
returned ``X-Goog-Upload-URL`` with ``upload`` / ``upload, finalize`` and ``X-Goog-Upload-Offset``. A chunk is
committed only once fully received: a dropped connection leaves the session at its last committed offset, so a
client can ``query`` it and resume. Sessions that fail or are cancelled delete their bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ApiError, invalid_argument


@dataclass
class UploadSession:
    upload_id: str
    file_id: str
    display_name: str | None
    mime_type: str
    declared_size: int
    path: Path
    offset: int = 0
    hasher: Any = field(default_factory=hashlib.sha256)
    finished_file_id: str | None = None
    """Set once finalized: later ``query`` / ``upload`` commands answer with this file."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class UploadSessions:
    """Open upload sessions of the emulated project, each backed by one temp file under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sessions: dict[str, UploadSession] = {}
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def start(
        self, file_id: str, display_name: str | None, mime_type: str, declared_size: int
    ) -> UploadSession:
        upload_id = secrets.token_urlsafe(24)
        path = self.root / f"{upload_id}.part"
        path.touch()
        session = UploadSession(upload_id, file_id, display_name, mime_type, declared_size, path)
        with self._lock:
            self._sessions[upload_id] = session
        return session

    def get(self, upload_id: str | None) -> UploadSession:
        """The open or finished session ``upload_id``.

        Raises:
            ApiError: 404 when there is no such session (never started, cancelled or failed).
        """
        with self._lock:
            session = self._sessions.get(upload_id or "")
        if session is None:
            raise ApiError(
                404, "Upload session not found, cancelled or expired; start a new upload.", "NOT_FOUND"
            )
        return session

    def reserved_file_ids(self) -> set[str]:
        with self._lock:
            return {s.file_id for s in self._sessions.values() if s.finished_file_id is None}

    def pending_bytes(self) -> int:
        """Bytes promised by unfinished sessions: they count against the project quota already."""
        with self._lock:
            return sum(s.declared_size for s in self._sessions.values() if s.finished_file_id is None)

    def discard(self, session: UploadSession) -> None:
        """Forget the session and delete its partial bytes."""
        with self._lock:
            self._sessions.pop(session.upload_id, None)
        session.path.unlink(missing_ok=True)

    def clear(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.path.unlink(missing_ok=True)


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
