"""Planning a batch: every file inspected, cut into the spans an interactive call would request, each span's
audio uploaded once, and the very request an interactive call would send written as a JSONL line.

Identical audio (the same bytes, or the same encoding of the same bytes) with the same options is one
upload and one request, whatever its files are called: the request key is derived from the upload key, the
span and the options, so duplicates share the reply and each still gets its own output. A file that cannot
be planned (not audio, outside the allowed directories, missing) is recorded as a failure and the rest go
on; nothing is billed while planning (uploads are free).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.genai import types

from ..backend.model_choice import ModelChoice
from ..backend.prompts import ask_prompt, describe_prompt, part_clause
from ..backend.requests import ModelRequest, prompt_request, request_json
from ..backend.uploads import Upload, WireAudio, content_key
from ..batch.store import FileRecord, RequestRecord
from ..context import RunContext
from ..errors import GeminiAudioError, RemoteFileFailedError
from ..hashing import sha256_of_user_file
from ..schemas import AskAboutAudioInput, DescribeAudioInput, TranscribeAudioInput
from ..timecode import Span
from ..tokens import AUDIO_TOKENS_PER_SECOND
from ._chunks import plan_spans_at_pauses
from ._limits import LIMITS, Limits
from ._source import LocalAudio, Selection, select_audio
from ._transcribe_io import plan_transcript_spans, transcribe_request
from ._wire import encoding_of, wire_audio

OperationInput = TranscribeAudioInput | DescribeAudioInput | AskAboutAudioInput
Uploader = Callable[[str, WireAudio], Awaitable[Upload]]
"""Uploads a wire audio under its upload key (once per key per run)."""

_OUTPUT_TOKENS_PER_ANSWER = 500
"""Expected output of one description or answer (for the estimate only)."""
_PROMPT_TOKENS = 200
"""Expected prompt and system-instruction tokens of one request (for the estimate only)."""


@dataclass
class PlannedFile:
    """One file's share of the job: its record, its requests and the lines they need."""

    record: FileRecord
    requests: list[RequestRecord] = field(default_factory=list)
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    upload_keys: set[str] = field(default_factory=set)
    input_tokens: int = 0
    output_tokens: int = 0


async def plan_file(
    index: int,
    given: str,
    out_name: str,
    op_input: OperationInput,
    model: ModelChoice,
    ctx: RunContext,
    upload: Uploader | None,
    limits: Limits = LIMITS,
) -> PlannedFile:
    """Plan ``given`` (and, with ``upload``, upload its audio and build its request lines). A file that is
    not usable audio (missing, not allowed, not audio, damaged, refused by the Files API) becomes a failed
    record.

    Raises:
        GeminiAudioError: a failure that is not the file's (the API, the network): submitting again resumes
            the job with the file in it, rather than leave it out for good.
    """
    try:
        async with select_audio(given, None, None, ctx) as selection:
            return await _plan(index, given, out_name, op_input, model, ctx, selection, upload, limits)
    except GeminiAudioError as err:
        if not err.caller_fixable and not isinstance(err, RemoteFileFailedError):
            raise
        return PlannedFile(FileRecord(index, given, Path(given).name or given, out_name, error=str(err)))


async def _plan(
    index: int,
    given: str,
    out_name: str,
    op_input: OperationInput,
    model: ModelChoice,
    ctx: RunContext,
    selection: Selection,
    upload: Uploader | None,
    limits: Limits,
) -> PlannedFile:
    source = selection.source
    assert isinstance(source, LocalAudio)  # a batch refuses Files API names before planning
    if isinstance(op_input, TranscribeAudioInput):
        spans = await plan_transcript_spans(selection, op_input, model, limits)
    else:
        spans = await plan_spans_at_pauses(selection, limits.other_chunk_seconds, 0.0, "a batch request")
    facts = {
        "path": str(source.path),
        "url": source.url,
        "info": dataclasses.asdict(source.info),
        "span": [selection.span.start, selection.span.end],
    }
    planned = PlannedFile(FileRecord(index, given, source.name, out_name, facts=facts))
    origin_sha = await asyncio.to_thread(sha256_of_user_file, source.path)
    profile = ctx.settings.wire_format
    for span in spans:
        encoding = encoding_of(source, span, profile)
        upload_key = origin_sha if encoding is None else content_key(source.path, encoding, origin_sha)
        options = op_input.model_dump(mode="json", exclude={"audio"})
        identity = json.dumps([upload_key, span.start, span.end, options, model.id], sort_keys=True)
        key = hashlib.sha256(identity.encode()).hexdigest()[:32]
        where = {"start": span.start, "end": span.end, "keep_start": span.keep_start}
        where |= {"keep_end": span.keep_end, "index": span.index, "offset": span.start}
        planned.requests.append(RequestRecord(index, span.index, key, where))
        planned.upload_keys.add(upload_key)
        planned.input_tokens += round(span.seconds * AUDIO_TOKENS_PER_SECOND) + _PROMPT_TOKENS
        planned.output_tokens += _expected_output(op_input, span, limits)
        if upload is None:
            continue
        async with wire_audio(source, span, profile) as wire:
            uploaded = await upload(upload_key, wire)
        part = types.Part.from_uri(file_uri=uploaded.file.uri or "", mime_type=uploaded.file.mime_type or "")
        request = build_request(op_input, model, part, span, len(spans), limits)
        planned.lines[key] = request_json(request)
    return planned


def build_request(
    op_input: OperationInput, model: ModelChoice, audio: types.Part, span: Span, count: int, limits: Limits
) -> ModelRequest:
    """The request an interactive call sends for ``span`` (one of ``count``) of the file in ``audio``."""
    max_tokens = limits.max_output_tokens
    if isinstance(op_input, TranscribeAudioInput):
        return transcribe_request(op_input, model, audio, max_output_tokens=max_tokens)
    if isinstance(op_input, DescribeAudioInput):
        prompt = describe_prompt(op_input.focus)
    else:
        prompt = ask_prompt(op_input.question)
    if count > 1:
        prompt = f"{prompt}\n\n{part_clause(span.index, count)}"
    return prompt_request(model, prompt, audio=audio, max_output_tokens=max_tokens)


def _expected_output(op_input: OperationInput, span: Span, limits: Limits) -> int:
    if isinstance(op_input, TranscribeAudioInput):
        return round(span.seconds / 60 * limits.transcript_tokens_per_minute)
    return _OUTPUT_TOKENS_PER_ANSWER
