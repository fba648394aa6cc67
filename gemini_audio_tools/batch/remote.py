"""Uploads and batch creations that a killed process never makes twice, and files that outlive their batch.

Both follow the store's intent protocol (see :mod:`.store`): the intent is recorded before the act, and a
run that finds an intent without its outcome first looks for what the act may have made:

* an upload: any ACTIVE file with the same sha256 (identical bytes are equally good, whoever sent them) is
  adopted into the upload dedupe cache, so :func:`~..backend.uploads.upload_file` reuses it;
* a batch creation: a batch with the part's display name (unique per job and part).

A file about to expire is useless to a batch that may run for a day: one that would not live
``min_life`` longer is uploaded again (the dedupe cache entry is dropped first).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from google.genai import types

from ..backend.batches import create_batch, list_batches
from ..backend.cache import utc_now
from ..backend.client import Backend
from ..backend.uploads import (
    Upload,
    WireAudio,
    list_files,
    remember_upload,
    to_audio_file,
    upload_file,
    upload_key,
    wait_until_active,
)
from ..context import RunContext
from ..errors import RemoteFileFailedError, ServiceUnavailableError
from ..hashing import sha256_file
from .store import JobStore, PartRecord

BATCH_FILE_LIFE = dt.timedelta(hours=25)
"""How long an audio file must still live when its batch is submitted: the Batch API's 24 h target plus an
hour. A file uploaded now lives 48 h."""
_MAX_LISTED = 2_000
"""How many files / batches are looked through for the outcome of an interrupted act."""


async def tracked_upload(
    backend: Backend, store: JobStore, wire: WireAudio, ctx: RunContext, *, min_life: dt.timedelta
) -> Upload:
    """``wire`` as an ACTIVE remote file that lives at least ``min_life`` more, uploaded at most once even
    across killed runs.

    Raises:
        GeminiAudioError: the upload failed (see :func:`~..backend.uploads.upload_file`).
    """
    key, _ = await upload_key(wire)
    sha = key if wire.encoding is None else await asyncio.to_thread(sha256_file, wire.path)
    entry = backend.cache.get(key)
    if entry is None and store.upload_intent(key) is not None:
        await _adopt(backend, key, sha, wire)
        entry = backend.cache.get(key)
    if entry is not None and entry.expires() < utc_now() + min_life:
        backend.cache.drop(key)
    store.begin_upload(key, sha, utc_now().isoformat())
    upload = await upload_file(backend, wire, ctx)
    expires = upload.file.expiration_time
    if upload.reused and expires is not None and expires < utc_now() + min_life:
        backend.cache.drop(key)
        upload = await upload_file(backend, wire, ctx)
    store.end_upload(key)
    return upload


async def _adopt(backend: Backend, key: str, sha: str, wire: WireAudio) -> None:
    """Put an existing file holding ``sha``'s bytes into the dedupe cache under ``key`` (if one exists)."""
    token: str | None = None
    seen = 0
    while seen < _MAX_LISTED:
        page, token = await list_files(backend, 100, token)
        for file in page:
            if to_audio_file(file).sha256 == sha and file.state != types.FileState.FAILED:
                try:
                    file = await wait_until_active(backend, file)
                except RemoteFileFailedError:
                    continue
                remember_upload(backend, key, file, wire)
                return
        seen += len(page)
        if token is None:
            return


async def ensure_batch(backend: Backend, store: JobStore, job: str, part: PartRecord, model: str) -> str:
    """The batch of ``part``: the one recorded, else one an interrupted run created (found by display
    name), else a new one. Returns its name (``batches/…``).

    Raises:
        GeminiAudioError: the API refused the batch or failed, after retries.
    """
    if part.batch is not None:
        return part.batch
    if part.intent_at is not None:
        found = await find_batch(backend, part.display_name)
        if found is not None:
            store.update_part(job, part.number, batch=found)
            return found
    assert part.input_file is not None
    store.update_part(job, part.number, intent_at=utc_now().isoformat())
    try:
        created = await create_batch(backend, part.input_file, model=model, display_name=part.display_name)
    except ServiceUnavailableError:
        found = await find_batch(backend, part.display_name)  # the answer was lost, not the batch
        if found is None:
            raise
        store.update_part(job, part.number, batch=found)
        return found
    name = created.name or ""
    store.update_part(job, part.number, batch=name)
    return name


async def find_batch(backend: Backend, display_name: str) -> str | None:
    """The name of the newest batch called ``display_name``, or None.

    Raises:
        GeminiAudioError: listing failed, after retries.
    """
    token: str | None = None
    seen = 0
    while seen < _MAX_LISTED:
        page, token = await list_batches(backend, page_size=100, page_token=token)
        for job in page:
            if job.display_name == display_name and job.name:
                return job.name
        seen += len(page)
        if token is None:
            return None
    return None
