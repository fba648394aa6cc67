"""Send audio plus a prompt to the model: inline when the request is small, by Files API reference otherwise.

The API accepts inline data only while the whole request stays under 100 MB (since January 2026), and inline
bytes travel base64 encoded (4/3 of their size), so the decision is made on the encoded size plus the prompt.

Generation settings follow current guidance (see docs/models.md): no temperature (deprecated for current
models), JSON output through ``response_json_schema`` (``response_format``, which the SDK suggests instead
of ``response_schema``, is documented as unsupported by the Developer API and dropped by the SDK's converter
for it), and the lightest thinking for transcripts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from google.genai import errors as genai_errors
from google.genai import types

from .. import models
from ..context import RunContext
from ..errors import ApiError, CachedContentNotFoundError, GeminiAudioError
from ..schemas import Usage
from .cached_contents import cache_gone
from .client import Backend
from .model_choice import ModelChoice, model_not_found
from .requests import ModelRequest, prompt_request
from .retry import Attempts, with_retries
from .uploads import Upload, WireAudio, upload_file

INLINE_REQUEST_LIMIT = models.INLINE_REQUEST_LIMIT_BYTES
"""The API's limit for a whole request with inline data."""

T = TypeVar("T")

_REQUEST_OVERHEAD = 64 * 1024
"""Room for JSON framing, system instruction and schema."""


def fits_inline(audio_bytes: int, prompt: str) -> bool:
    """True if ``audio_bytes`` of audio (base64 encoded) plus ``prompt`` stay within the inline limit."""
    encoded = 4 * ((audio_bytes + 2) // 3)
    return encoded + len(prompt.encode()) + _REQUEST_OVERHEAD <= INLINE_REQUEST_LIMIT


@dataclass(frozen=True)
class AudioPart:
    """Audio ready to put in a request, and the upload it came from when it went through the Files API."""

    part: types.Part
    upload: Upload | None = None


async def audio_part(backend: Backend, audio: WireAudio, *, prompt: str, ctx: RunContext) -> AudioPart:
    """Inline bytes for a small request, else an (deduplicated) upload referenced by URI.

    Raises:
        GeminiAudioError: the upload failed (see :func:`upload_file`).
    """
    if fits_inline(audio.size_bytes, prompt):
        data = await asyncio.to_thread(audio.path.read_bytes)
        return AudioPart(part=types.Part.from_bytes(data=data, mime_type=audio.mime_type))
    upload = await upload_file(backend, audio, ctx)
    mime_type = upload.file.mime_type or audio.mime_type
    return AudioPart(
        part=types.Part.from_uri(file_uri=upload.file.uri or "", mime_type=mime_type), upload=upload
    )


def remote_part(file: types.File) -> types.Part:
    return types.Part.from_uri(file_uri=file.uri or "", mime_type=file.mime_type or "audio/mpeg")


@dataclass(frozen=True)
class Generation:
    text: str
    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    model_version: str | None = None
    """The model that answered, as the API reports it (a deprecated id is answered by its successor)."""


def usage_from(metadata: types.GenerateContentResponseUsageMetadata | None) -> Usage:
    """Map the API's usage metadata onto :class:`Usage` (thinking tokens count as output: they are billed)."""
    if metadata is None:
        return Usage()
    audio = sum(
        d.token_count or 0
        for d in metadata.prompt_tokens_details or []
        if d.modality is not None and d.modality.value == "AUDIO"
    )
    output = (metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0)
    prompt = metadata.prompt_token_count or 0
    return Usage(
        prompt_tokens=prompt,
        audio_tokens=audio,
        cached_tokens=metadata.cached_content_token_count or 0,
        output_tokens=output,
        total_tokens=metadata.total_token_count or prompt + output,
    )


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        audio_tokens=a.audio_tokens + b.audio_tokens,
        cached_tokens=a.cached_tokens + b.cached_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        total_tokens=a.total_tokens + b.total_tokens,
    )


async def generate(
    backend: Backend,
    prompt: str,
    *,
    model: ModelChoice,
    audio: types.Part | None = None,
    action: str,
    schema: dict[str, Any] | None = None,
    attempts: Attempts | None = None,
    file_name: str | None = None,
    max_output_tokens: int | None = None,
    light: bool = False,
    cached_content: str | None = None,
) -> Generation:
    """One generateContent call with retries (``prompt`` after ``audio``, or text alone); the reply's text,
    finish reason, usage and the model that answered. ``light`` asks for the least thinking the model allows
    (for transcripts). ``cached_content`` names a context cache that comes before ``audio`` and ``prompt``;
    it holds the system instruction (the API refuses one beside a cache).

    Raises:
        UnavailableModelError: the API does not serve ``model`` (retired or unknown).
        CachedContentNotFoundError: ``cached_content`` expired or was deleted.
        ApiError: the model returned no text (e.g. the prompt was blocked).
        GeminiAudioError: the request failed, after retries.
    """
    request = prompt_request(
        model,
        prompt,
        audio=audio,
        schema=schema,
        max_output_tokens=max_output_tokens,
        light=light,
        cached_content=cached_content,
    )
    return await send_prompt(backend, request, action=action, attempts=attempts, file_name=file_name)


async def send_prompt(
    backend: Backend,
    request: ModelRequest,
    *,
    action: str,
    attempts: Attempts | None = None,
    file_name: str | None = None,
) -> Generation:
    """Send a request built by :func:`~.requests.prompt_request`; its reply read by :func:`generation_of`.

    Raises:
        UnavailableModelError: the API does not serve the model (retired or unknown).
        CachedContentNotFoundError: the request's context cache expired or was deleted.
        ApiError: the model returned no text (e.g. the prompt was blocked).
        GeminiAudioError: the request failed, after retries.
    """
    response = await send(backend, request, action=action, attempts=attempts, file_name=file_name)
    return generation_of(response, action)


async def send(
    backend: Backend,
    request: ModelRequest,
    *,
    action: str,
    attempts: Attempts | None = None,
    file_name: str | None = None,
) -> types.GenerateContentResponse:
    """One generateContent call for ``request`` with retries; the raw reply (see :func:`send_prompt`).

    Raises:
        UnavailableModelError: the API does not serve the model (retired or unknown).
        CachedContentNotFoundError: the request's context cache expired or was deleted.
        GeminiAudioError: the request failed, after retries.
    """
    model, cached_content = request.model, request.config.cached_content

    async def call() -> types.GenerateContentResponse:
        try:
            return await backend.client.aio.models.generate_content(
                model=model.id, contents=request.contents, config=request.config
            )
        except genai_errors.ClientError as exc:
            if cached_content and cache_gone(exc):
                raise CachedContentNotFoundError(
                    f"The context cache {cached_content} expired or was deleted ({exc.message})."
                ) from None
            raise

    return await with_model(model, call, backend, action=action, file_name=file_name, attempts=attempts)


def generation_of(response: types.GenerateContentResponse, action: str) -> Generation:
    """The text, finish reason, usage and answering model of a reply (interactive, or a batch's line).

    Raises:
        ApiError: the reply has no candidate, or no text and a finish reason other than STOP / MAX_TOKENS.
    """
    candidate = response.candidates[0] if response.candidates else None
    finish = candidate.finish_reason.value if candidate is not None and candidate.finish_reason else "STOP"
    text = response.text or ""
    if candidate is None or (not text and finish not in ("STOP", "MAX_TOKENS")):
        feedback = response.prompt_feedback
        reason = feedback.block_reason.value if feedback and feedback.block_reason else finish
        raise ApiError(
            f"The model returned no answer while {action} (reason: {reason}). Rephrase and try again."
        )
    return Generation(text, finish, usage_from(response.usage_metadata), response.model_version)


async def count_tokens(
    backend: Backend,
    parts: list[types.Part],
    *,
    model: ModelChoice,
    action: str,
    file_name: str | None = None,
) -> int:
    """Exact input tokens of ``parts`` from the API's countTokens (free).

    Raises:
        UnavailableModelError: the API does not serve ``model`` (retired or unknown).
        GeminiAudioError: the request failed, after retries.
    """
    contents = [types.Content(role="user", parts=parts)]
    response = await with_model(
        model,
        lambda: backend.client.aio.models.count_tokens(model=model.id, contents=contents),
        backend,
        action=action,
        file_name=file_name,
    )
    return response.total_tokens or 0


async def with_model(
    model: ModelChoice,
    call: Callable[[], Awaitable[T]],
    backend: Backend,
    *,
    action: str,
    file_name: str | None = None,
    attempts: Attempts | None = None,
) -> T:
    """``with_retries`` for a request to ``model``: the API's 404 for the model itself becomes one clear
    error naming a model to use instead."""
    try:
        return await with_retries(call, backend.retry, action=action, file_name=file_name, attempts=attempts)
    except GeminiAudioError as err:
        unavailable = model_not_found(err, model)
        if unavailable is not None:
            raise unavailable from None
        raise
