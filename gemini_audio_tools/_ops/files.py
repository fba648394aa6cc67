"""upload_audio, list_audio_files, delete_audio_file: the Files API as tools, keeping the dedupe cache honest.

Uploading the same bytes twice returns the first upload (``reused=true``) as long as it is still ACTIVE;
deleting a file also forgets it in the cache so it is never offered for reuse afterwards.
"""

from __future__ import annotations

import asyncio

from google.genai import types

from ..audio import probe_audio
from ..backend.client import Backend
from ..backend.retry import with_retries
from ..backend.uploads import get_file, to_audio_file, upload_file, wait_until_active
from ..context import RunContext
from ..errors import RemoteFileNotFoundError
from ..paths import is_remote_file_ref, normalize_file_name, resolve_local_audio
from ..schemas import (
    AudioFile,
    DeleteAudioFileInput,
    DeleteAudioFileOutput,
    ListAudioFilesInput,
    ListAudioFilesOutput,
    UploadAudioInput,
    UploadAudioOutput,
)
from ._audio import clip_label, clipped, pick_range


async def upload_audio(args: UploadAudioInput, ctx: RunContext) -> UploadAudioOutput:
    """Upload a local file (or the clip of a range) unless identical bytes are already uploaded and ACTIVE.

    Raises:
        GeminiAudioError: bad path/range/audio, or the upload failed (FAILED, timeout, API errors).
    """
    backend = Backend.from_settings(ctx.settings)
    if is_remote_file_ref(args.audio):
        name = normalize_file_name(args.audio)
        file = await wait_until_active(backend, await get_file(backend, name))
        entry = backend.cache.find_name(name)
        duration = entry.duration_seconds if entry else None
        return UploadAudioOutput(**_fields(to_audio_file(file, duration_seconds=duration, reused=True)))
    path = resolve_local_audio(args.audio, ctx.settings.allowed_dirs)
    info = await asyncio.to_thread(probe_audio, path)
    rng = pick_range(args.start, args.end, info.duration_seconds)
    if rng.method == "whole":
        upload = await upload_file(
            backend,
            path,
            mime_type=info.mime_type,
            ctx=ctx,
            display_name=args.display_name or path.name,
            duration_seconds=info.duration_seconds,
            source_path=path,
        )
    else:
        label = clip_label(path, rng)
        async with clipped(path, rng.start_seconds, rng.end_seconds) as clip:
            upload = await upload_file(
                backend,
                clip.path,
                mime_type=clip.mime_type,
                ctx=ctx,
                display_name=args.display_name or label,
                duration_seconds=clip.duration_seconds,
            )
    out = to_audio_file(
        upload.file, sha256=upload.sha256, duration_seconds=upload.duration_seconds, reused=upload.reused
    )
    return UploadAudioOutput(**_fields(out), range=rng)


def _fields(file: AudioFile) -> dict[str, object]:
    return {name: getattr(file, name) for name in AudioFile.model_fields}


async def list_audio_files(args: ListAudioFilesInput, ctx: RunContext) -> ListAudioFilesOutput:
    """One page of uploaded files (durations filled in from the upload cache where known).

    Raises:
        GeminiAudioError: the API failed, after retries (e.g. AuthenticationError).
    """
    backend = Backend.from_settings(ctx.settings)
    config = types.ListFilesConfig(page_size=args.page_size, page_token=args.page_token)
    pager = await with_retries(
        lambda: backend.client.aio.files.list(config=config), backend.retry, action="listing uploaded files"
    )
    files = []
    for file in pager.page:
        entry = backend.cache.find_name(file.name or "")
        files.append(to_audio_file(file, duration_seconds=entry.duration_seconds if entry else None))
    token = pager.config.get("page_token")
    return ListAudioFilesOutput(files=files, next_page_token=token or None)


async def delete_audio_file(args: DeleteAudioFileInput, ctx: RunContext) -> DeleteAudioFileOutput:
    """Delete a remote file and forget it in the cache; deleting a missing file reports deleted=false.

    Raises:
        InvalidArgumentError: ``name`` is not a Files API name or URI.
        GeminiAudioError: the API failed, after retries.
    """
    backend = Backend.from_settings(ctx.settings)
    name = normalize_file_name(args.name)
    backend.cache.drop_name(name)
    try:
        await with_retries(
            lambda: backend.client.aio.files.delete(name=name),
            backend.retry,
            action=f"deleting {name}",
            file_name=name,
        )
    except RemoteFileNotFoundError:
        return DeleteAudioFileOutput(name=name, deleted=False)
    return DeleteAudioFileOutput(name=name, deleted=True)


__all__ = ["delete_audio_file", "list_audio_files", "upload_audio"]
