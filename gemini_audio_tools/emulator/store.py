"""Uploaded files: metadata in memory, bytes on disk, states and expiry decided by the emulator's clock.

A file's state is not stored but computed: it is PROCESSING until its ``ready_at`` moment (and while a
slow-processing fault holds it), then ACTIVE, or FAILED when its bytes did not decode as audio. Expired files
are purged lazily whenever the store is touched, so they 403 and vanish from listings exactly at
``expirationTime``, like the real Files API (which deletes them after 48 hours).
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .clock import EmulatorClock, rfc3339
from .errors import ApiError, file_not_accessible, invalid_argument
from .model_types import AudioTokenCount
from .paging import page
from .settings import EmulatorSettings

_ID_ALPHABET = string.ascii_lowercase + string.digits
_ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")


@dataclass
class StoredFile:
    """One Files API entry. ``hold_until`` / ``hold_forever`` implement the slow-processing fault."""

    id: str
    display_name: str | None
    mime_type: str
    size_bytes: int
    sha256_hex: str
    path: Path
    create_time: datetime
    update_time: datetime
    expiration_time: datetime
    ready_at: datetime
    seq: int
    audio: AudioTokenCount | None = None
    failure: str | None = None
    hold_until: datetime | None = None
    hold_forever: bool = False
    source: str = "UPLOADED"
    """``GENERATED`` for files the service wrote (batch results): only those can be downloaded."""

    @property
    def name(self) -> str:
        return f"files/{self.id}"

    def state(self, now: datetime) -> str:
        if self.hold_forever or (self.hold_until is not None and now < self.hold_until):
            return "PROCESSING"
        if now < self.ready_at:
            return "PROCESSING"
        return "FAILED" if self.failure else "ACTIVE"

    def to_json(self, now: datetime, api_root: str) -> dict[str, object]:
        """The File resource, camelCase, exactly the fields (and string-typed sizes) the real API returns."""
        state = self.state(now)
        data: dict[str, object] = {"name": self.name}
        if self.display_name:
            data["displayName"] = self.display_name
        data |= {
            "mimeType": self.mime_type,
            "sizeBytes": str(self.size_bytes),
            "createTime": rfc3339(self.create_time),
            "updateTime": rfc3339(max(self.update_time, self._state_changed_at(now))),
            "expirationTime": rfc3339(self.expiration_time),
            # The real API base64-encodes the *hex* digest, not the raw 32 bytes (googleapis/js-genai#381).
            "sha256Hash": base64.b64encode(self.sha256_hex.encode("ascii")).decode("ascii"),
            "uri": f"{api_root}/files/{self.id}",
            "state": state,
            "source": self.source,
        }
        if self.source == "GENERATED":
            data["downloadUri"] = f"{api_root}/files/{self.id}:download?alt=media"
        if state == "FAILED":
            data["error"] = {"code": 400, "message": self.failure}
        return data

    def _state_changed_at(self, now: datetime) -> datetime:
        if self.state(now) == "PROCESSING":
            return self.update_time
        return max(self.ready_at, self.hold_until or self.ready_at)


class FileStore:
    """All files of the emulated project. Thread-safe: the server's loop and test code both use it."""

    def __init__(self, root: Path, settings: EmulatorSettings, clock: EmulatorClock) -> None:
        self.root = root
        self.settings = settings
        self.clock = clock
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.RLock()
        self._seq = 0
        root.mkdir(parents=True, exist_ok=True)

    # --- names and quota -------------------------------------------------------------------------------

    def claim_id(self, requested: str | None) -> str:
        """A fresh file id, or the client's own (``files/my-id``) after checking the API's naming rules.

        Raises:
            ApiError: the requested name is malformed (400) or already taken (409).
        """
        with self._lock:
            if requested:
                file_id = requested.removeprefix("files/")
                if not _ID_PATTERN.match(file_id):
                    raise invalid_argument(
                        f"Invalid file name '{requested}': the id must be 1-40 lowercase letters, digits or "
                        "dashes, not starting or ending with a dash."
                    )
                if file_id in self._files:
                    raise ApiError(409, f"File files/{file_id} already exists.", "ALREADY_EXISTS")
                return file_id
            while True:
                file_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
                if file_id not in self._files:
                    return file_id

    def used_bytes(self) -> int:
        with self._lock:
            self.purge_expired()
            return sum(f.size_bytes for f in self._files.values())

    def check_quota(self, size_bytes: int, pending_bytes: int = 0) -> None:
        """Refuse an upload that breaks the per-file or per-project storage limit.

        Raises:
            ApiError: 400 INVALID_ARGUMENT for a file over the per-file limit, 400 FAILED_PRECONDITION when
                the project's storage would exceed its quota.
        """
        limit = self.settings.max_file_bytes
        if size_bytes > limit:
            raise invalid_argument(
                f"File size {size_bytes} bytes exceeds the maximum file size of {limit} bytes."
            )
        total = self.used_bytes() + pending_bytes + size_bytes
        if total > self.settings.max_project_bytes:
            # Not 429: waiting does not help (until files expire), so a client's retry loop must not spin.
            raise ApiError(
                400,
                f"Project storage quota exceeded: uploading {size_bytes} bytes would use {total} of "
                f"{self.settings.max_project_bytes} bytes. Delete files or wait for them to expire.",
                "FAILED_PRECONDITION",
            )

    # --- lifecycle ---------------------------------------------------------------------------------------

    def add(
        self,
        file_id: str,
        *,
        display_name: str | None,
        mime_type: str,
        size_bytes: int,
        sha256_hex: str,
        path: Path,
        audio: AudioTokenCount | None,
        failure: str | None,
        source: str = "UPLOADED",
    ) -> StoredFile:
        now = self.clock.now()
        hours = audio.seconds / 3600 if audio else 0.0
        delay = self.settings.processing_seconds + self.settings.processing_seconds_per_audio_hour * hours
        with self._lock:
            self._seq += 1
            record = StoredFile(
                id=file_id,
                display_name=display_name,
                mime_type=mime_type,
                size_bytes=size_bytes,
                sha256_hex=sha256_hex,
                path=path,
                create_time=now,
                update_time=now,
                expiration_time=now + timedelta(seconds=self.settings.file_ttl_seconds),
                ready_at=now + timedelta(seconds=delay),
                seq=self._seq,
                audio=audio,
                failure=failure,
                source=source,
            )
            self._files[file_id] = record
            return record

    def get(self, file_id: str) -> StoredFile:
        """The live file ``file_id`` (``files/`` prefix optional).

        Raises:
            ApiError: 403 PERMISSION_DENIED, as the real API answers for unknown, deleted or expired files.
        """
        file_id = file_id.removeprefix("files/")
        with self._lock:
            self.purge_expired()
            record = self._files.get(file_id)
        if record is None:
            raise file_not_accessible(file_id)
        return record

    def delete(self, file_id: str) -> None:
        """Remove the file and its bytes.

        Raises:
            ApiError: 403 when the file does not exist (as the real API answers).
        """
        record = self.get(file_id)
        with self._lock:
            self._files.pop(record.id, None)
        record.path.unlink(missing_ok=True)

    def fail(self, file_id: str, message: str) -> StoredFile:
        """Turn a live file FAILED with ``message`` (fault injection for an already uploaded file).

        Raises:
            ApiError: 403 when the file does not exist.
        """
        record = self.get(file_id)
        with self._lock:
            record.failure = message
            record.audio = None
            record.update_time = self.clock.now()
        return record

    def page(self, page_size: int | None, page_token: str | None) -> tuple[list[StoredFile], str | None]:
        """One page of live files, newest first, and the token of the next page (``None`` on the last).

        Raises:
            ApiError: 400 for a malformed page token.
        """
        with self._lock:
            self.purge_expired()
            files = list(self._files.values())
        return page(files, lambda f: f.seq, page_size, page_token, self.settings, kind="files")

    def purge_expired(self) -> list[str]:
        """Delete every file whose expiration time has passed; returns their ids."""
        now = self.clock.now()
        with self._lock:
            gone = [f for f in self._files.values() if f.expiration_time <= now]
            for record in gone:
                self._files.pop(record.id, None)
        for record in gone:
            record.path.unlink(missing_ok=True)
        return [f.id for f in gone]

    def all(self) -> list[StoredFile]:
        with self._lock:
            self.purge_expired()
            return list(self._files.values())

    def clear(self) -> None:
        with self._lock:
            records = list(self._files.values())
            self._files.clear()
        for record in records:
            record.path.unlink(missing_ok=True)
