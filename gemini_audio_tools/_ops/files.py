"""upload_audio, list_audio_files, delete_audio_file: the Files API as tools, keeping the dedupe cache honest.

Uploading the same bytes twice returns the first upload (``reused=true``) as long as it is still ACTIVE;
deleting a file also forgets it in the cache so it is never offered for reuse afterwards, and deletes the
context caches made from it (:mod:`._context_cache`): who deletes a recording means its audio too. What is
uploaded is what any other operation would send (:func:`._wire.wire_audio`): compact by default, and an
encoding uploaded before is found by the file's hash and the encoding, without encoding it again.
"""

from __future__ import annotations

from ..backend.client import Backend
from ..backend.uploads import delete_file, list_files, to_audio_file, upload_file
from ..context import RunContext
from ..paths import normalize_file_name
from ..schemas import (
    AudioFile,
    DeleteAudioFileInput,
    DeleteAudioFileOutput,
    ListAudioFilesInput,
    ListAudioFilesOutput,
    UploadAudioInput,
    UploadAudioOutput,
)
from ._context_cache import delete_caches_of
from ._source import LocalAudio, select_audio
from ._wire import encoding_of, reused_encoding, wire_audio


async def upload_audio(args: UploadAudioInput, ctx: RunContext) -> UploadAudioOutput:
    """Upload a local file (or the clip of a range) unless identical bytes are already uploaded and ACTIVE;
    a Files API name comes back as it is (reused).

    Raises:
        GeminiAudioError: bad path/range/audio, or the upload failed (FAILED, timeout, API errors).
    """
    async with select_audio(args.audio, args.start, args.end, ctx, track=args.track) as selection:
        source, span = selection.source, selection.span
        if not isinstance(source, LocalAudio):
            out = to_audio_file(source.file, duration_seconds=source.duration_seconds, reused=True)
            return UploadAudioOutput(**_fields(out))
        backend = Backend.from_settings(ctx.settings)
        profile = ctx.settings.wire_format
        encoding = encoding_of(source, span, profile)
        reused = await reused_encoding(backend, source, encoding) if encoding and source.local else None
        if reused is not None:
            upload = reused
        else:
            async with wire_audio(source, span, profile) as wire:
                named = wire if args.display_name is None else wire.with_display_name(args.display_name)
                upload = await upload_file(backend, named, ctx)
    out = to_audio_file(
        upload.file, sha256=upload.sha256, duration_seconds=upload.duration_seconds, reused=upload.reused
    )
    return UploadAudioOutput(**_fields(out), range=selection.range)


def _fields(file: AudioFile) -> dict[str, object]:
    return {name: getattr(file, name) for name in AudioFile.model_fields}


async def list_audio_files(args: ListAudioFilesInput, ctx: RunContext) -> ListAudioFilesOutput:
    """One page of uploaded files (durations filled in from the upload cache where known).

    Raises:
        GeminiAudioError: the API failed, after retries (e.g. AuthenticationError).
    """
    backend = Backend.from_settings(ctx.settings)
    files, token = await list_files(backend, args.page_size, args.page_token)
    listed = []
    for file in files:
        entry = backend.cache.find_name(file.name or "")
        listed.append(to_audio_file(file, duration_seconds=entry.duration_seconds if entry else None))
    return ListAudioFilesOutput(files=listed, next_page_token=token)


async def delete_audio_file(args: DeleteAudioFileInput, ctx: RunContext) -> DeleteAudioFileOutput:
    """Delete a remote file, forget it in the cache and delete the context caches made from it (even when
    the file itself was already gone); deleting a missing file reports deleted=false.

    Raises:
        InvalidArgumentError: ``name`` is not a Files API name or URI.
        GeminiAudioError: the API failed, after retries.
    """
    name = normalize_file_name(args.name)
    backend = Backend.from_settings(ctx.settings)
    deleted = await delete_file(backend, name)
    await delete_caches_of(backend, name)
    return DeleteAudioFileOutput(name=name, deleted=deleted)


__all__ = ["delete_audio_file", "list_audio_files", "upload_audio"]
