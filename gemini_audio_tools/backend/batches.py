"""The Batch API for the library: thin async calls over ``client.aio.batches`` and ``files.download``, each
through the one retry loop and the library's error mapping. No planning or bookkeeping here.

Creating a batch is not idempotent (the batch guide: the same creation request sent twice makes two jobs),
so a create whose answer was lost (a dropped connection or timeout) is not retried: the error says to look at
:func:`list_batches` before creating it again. Refusals the service answered (429, 5xx) are retried as usual.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from google.genai import types

from ..errors import BatchNotFoundError, ServiceUnavailableError
from .client import Backend
from .errors import is_transport_error
from .resources import about, one_page
from .retry import with_retries

T = TypeVar("T")
InlinedRequests = Sequence[types.InlinedRequest]


async def create_batch(
    backend: Backend,
    src: str | InlinedRequests,
    *,
    model: str,
    display_name: str | None = None,
) -> types.BatchJob:
    """Submit a batch: ``src`` is an uploaded JSONL file (``"files/…"``) or a list of inlined requests.

    Raises:
        ServiceUnavailableError: the answer was lost, so the batch may or may not exist (not retried).
        GeminiAudioError: the API refused the batch, after retries for transient refusals.
    """
    config = types.CreateBatchJobConfig(display_name=display_name) if display_name else None
    source: str | list[types.InlinedRequest] = src if isinstance(src, str) else list(src)
    chosen = model

    async def call() -> types.BatchJob:
        try:
            return await backend.client.aio.batches.create(model=chosen, src=source, config=config)
        except Exception as exc:
            if is_transport_error(exc):
                raise ServiceUnavailableError(
                    f"Lost the connection to the Gemini API while creating a batch on {chosen} "
                    f"({type(exc).__name__}); it may have been created. Call list_batches before submitting "
                    "it again, or the requests will run (and be billed) twice."
                ) from None
            raise

    return await with_retries(call, backend.retry, action=f"creating a batch on {chosen}")


async def get_batch(backend: Backend, name: str) -> types.BatchJob:
    """The batch ``name`` (``batches/…``) with its state and, once succeeded, its results' location.

    Raises:
        BatchNotFoundError: no such batch (never created, or deleted).
        GeminiAudioError: the API failed, after retries.
    """
    return await _about(backend, name, f"reading {name}", lambda: backend.client.aio.batches.get(name=name))


async def list_batches(
    backend: Backend, *, page_size: int | None = None, page_token: str | None = None
) -> tuple[list[types.BatchJob], str | None]:
    """One page of batches, newest first, and the token of the next page (``None`` on the last).

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    config = types.ListBatchJobsConfig(page_size=page_size, page_token=page_token)
    return await one_page(backend, "listing batches", lambda: backend.client.aio.batches.list(config=config))


async def cancel_batch(backend: Backend, name: str) -> None:
    """Stop a pending or running batch (requests not yet answered are dropped).

    Raises:
        BatchNotFoundError: no such batch.
        GeminiAudioError: the API refused (e.g. the batch already finished), after retries.
    """
    await _about(backend, name, f"cancelling {name}", lambda: backend.client.aio.batches.cancel(name=name))


async def delete_batch(backend: Backend, name: str) -> None:
    """Delete the batch record (a running batch stops); its results file stays until it expires.

    Raises:
        BatchNotFoundError: no such batch.
        GeminiAudioError: the API failed, after retries.
    """
    await _about(backend, name, f"deleting {name}", lambda: backend.client.aio.batches.delete(name=name))


async def download_results(backend: Backend, file_name: str) -> bytes:
    """The bytes of a batch's JSONL responses file (``job.dest.file_name``), in memory.

    Raises:
        GeminiAudioError: the file is unknown or expired (RemoteFileNotFoundError), or the API failed.
    """
    return await with_retries(
        lambda: backend.client.aio.files.download(file=file_name),
        backend.retry,
        action=f"downloading {file_name}",
        file_name=file_name,
    )


async def download_results_to(backend: Backend, file_name: str, destination: Path) -> Path:
    """Stream a batch's responses file to ``destination`` without holding it in memory; the file appears
    whole or not at all (written beside it under a temporary name, then renamed).

    Raises:
        GeminiAudioError: the file is unknown or expired, or the API failed.
        OSError: ``destination``'s folder is not writable.
    """
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        await with_retries(
            lambda: backend.client.aio.files.download(file=file_name, destination=tmp),
            backend.retry,
            action=f"downloading {file_name}",
            file_name=file_name,
        )
        tmp.replace(destination)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return destination


async def _about(backend: Backend, name: str, action: str, request: Callable[[], Awaitable[T]]) -> T:
    """Run ``request`` about batch ``name``; a 404 (or 403) means the batch does not exist."""

    def missing(message: str | None) -> BatchNotFoundError:
        return BatchNotFoundError(
            f"No batch named {name!r} ({message}). Call list_batches to see the existing ones."
        )

    return await about(backend, action, request, missing)
