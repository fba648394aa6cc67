"""Models: generateContent, streamGenerateContent (SSE), countTokens, get and list.

The handler resolves the model id against the project's catalogue (``catalog.py``: routed, aliased, retired,
unknown), every audio part to bytes (inline base64, or an ACTIVE uploaded file), enforces the API's limits,
and hands a :class:`GenerationRequest` to the offline model in a worker thread. Usage metadata counts audio at
32 tokens/s from the emulator's own decode, text with the model's own tokenizer.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..models import ModelInfo, ThinkingControl
from . import catalog
from .cached_contents import CachedPrefix
from .catalog import Resolved
from .contents import MediaPart, ParsedRequest, parse_request
from .errors import (
    UndecodableAudioError,
    file_not_active,
    invalid_argument,
    model_not_found,
    unsupported_mime_type,
)
from .json_values import read_json_object
from .model_types import AudioInput, AudioTokenCount, GenerationRequest, GenerationResult, TranscriptionConfig
from .state import EmulatorState
from .transcription_config import transcription_request
from .url_fetch import fetch_url_part

Parts = list[dict[str, Any]]  # a class attribute named `list` shadows the builtin inside ModelsApi

_FALLBACK_OUTPUT_LIMIT = 65_536
"""maxOutputTokens bound for a model whose output limit the catalogue does not know."""


@dataclass
class _Prepared:
    model: Resolved
    parsed: ParsedRequest
    audio: list[AudioInput]
    audio_counts: list[AudioTokenCount]
    text_tokens: int
    transcription: TranscriptionConfig | None = None
    cached: CachedPrefix | None = None
    """The cachedContent the request used; its tokens are part of the counts above, as in the API."""

    @property
    def audio_tokens(self) -> int:
        return sum(c.tokens for c in self.audio_counts)

    @property
    def audio_seconds(self) -> float:
        return sum(c.seconds for c in self.audio_counts)

    def prompt_details(self) -> list[dict[str, object]]:
        details: list[dict[str, object]] = []
        if self.text_tokens:
            details.append({"modality": "TEXT", "tokenCount": self.text_tokens})
        if self.audio_counts:
            details.append({"modality": "AUDIO", "tokenCount": self.audio_tokens})
        return details


class ModelsApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # --- metadata --------------------------------------------------------------------------------------

    async def get(self, request: Request) -> Response:
        model = request.path_params["model"]
        resolved = catalog.resolve(self.state.settings, model)
        if resolved is None:
            raise model_not_found(model, request.path_params["version"], "get")
        return JSONResponse(catalog.model_json(resolved))

    async def list(self, request: Request) -> Response:
        params = request.query_params
        models, token = catalog.page(
            self.state.settings,
            params.get("pageSize") or params.get("page_size"),
            params.get("pageToken") or params.get("page_token"),
        )
        body: dict[str, object] = {"models": [catalog.model_json(m) for m in models]}
        if token:
            body["nextPageToken"] = token
        return JSONResponse(body)

    # --- generation ------------------------------------------------------------------------------------

    async def generate(self, request: Request) -> Response:
        prepared = await self._prepare(request, "generateContent")
        result = await self._run_model(prepared)
        parts = list(result.parts) if result.parts is not None else [{"text": result.text}]
        return JSONResponse(self._response_json(prepared, parts, result, final=True))

    async def stream_generate(self, request: Request) -> Response:
        prepared = await self._prepare(request, "streamGenerateContent")
        result = await self._run_model(prepared)
        if result.parts is not None:  # Transcription parts: one per chunk
            pieces = [[part] for part in result.parts] or [[]]
        else:
            pieces = [[{"text": piece}] for piece in _split_text(result.text)]

        pause = self.state.settings.stream_chunk_seconds

        async def events() -> AsyncIterator[bytes]:
            for i, piece in enumerate(pieces):
                if i and pause > 0:
                    await asyncio.sleep(pause)
                chunk = self._response_json(prepared, piece, result, final=i == len(pieces) - 1)
                yield f"data: {json.dumps(chunk)}\r\n\r\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    async def count_tokens(self, request: Request) -> Response:
        prepared = await self._prepare(request, "countTokens")
        total = prepared.audio_tokens + prepared.text_tokens
        body: dict[str, object] = {"totalTokens": total, "promptTokensDetails": prepared.prompt_details()}
        if prepared.cached is not None:
            body["cachedContentTokenCount"] = prepared.cached.total_tokens
        return JSONResponse(body)

    async def generate_body(self, model: Resolved, body: dict[str, Any]) -> dict[str, Any]:
        """One generateContent answer as JSON, without HTTP: how the requests of a batch are served.

        Raises:
            ApiError: whatever generateContent would answer for this body.
        """
        prepared = await self.prepare_body(model, body, "generateContent")
        result = await self._run_model(prepared)
        parts = list(result.parts) if result.parts is not None else [{"text": result.text}]
        return self._response_json(prepared, parts, result, final=True)

    async def _prepare(self, request: Request, method: str) -> _Prepared:
        model = request.path_params["model"]
        settings = self.state.settings
        resolved = catalog.resolve(settings, model)
        if resolved is None:  # the real API names streamGenerateContent "generateContent" here
            named = "countTokens" if method == "countTokens" else "generateContent"
            raise model_not_found(model, request.path_params["version"], named)
        body = await read_json_object(request, settings.max_inline_request_bytes)
        return await self.prepare_body(resolved, body, method)

    async def prepare_body(self, resolved: Resolved, body: dict[str, Any], method: str) -> _Prepared:
        settings = self.state.settings
        parsed = parse_request(body)
        cached = self.state.caches.prefix_for(body, resolved.requested)
        _check_config(parsed.config, resolved.serving)
        audio: list[AudioInput] = []
        counts: list[AudioTokenCount] = []
        for part in parsed.media:
            clip, count = await self.resolve_media(part)
            audio.append(clip)
            counts.append(count)
        text = "\n\n".join(t for t in (parsed.system_instruction, parsed.prompt) if t)
        text_tokens = await anyio.to_thread.run_sync(self.state.model.count_text_tokens, text) if text else 0
        if cached is not None:
            parsed, audio, counts = cached.prepend(parsed, audio, counts)
            text_tokens += cached.text_tokens
        seconds = sum(c.seconds for c in counts)
        limit = min(settings.max_audio_seconds_per_request, resolved.serving.audio_seconds or float("inf"))
        if seconds > limit:
            raise invalid_argument(
                f"The request contains {seconds / 3600:.2f} hours of audio; the maximum is {limit / 3600:g} "
                f"hours per request for models/{resolved.serving.id}. Split the audio into shorter parts."
            )
        transcription = None
        if method != "countTokens":
            transcription = transcription_request(
                resolved.serving.id, parsed.config, len(audio), seconds, settings
            )
        return _Prepared(resolved, parsed, audio, counts, text_tokens, transcription, cached)

    async def resolve_media(self, part: MediaPart) -> tuple[AudioInput, AudioTokenCount]:
        """The audio of one part (inline bytes, or an ACTIVE uploaded file) and its measured length.

        Raises:
            ApiError: the MIME type is not audio, the bytes do not decode, or the file is unknown or not
                ACTIVE.
        """
        allowed = self.state.settings.content_mime_types
        if part.url is not None:  # an external URL: fetched, then checked like inline data
            part = await fetch_url_part(part, self.state)
        if part.data is not None:
            if part.mime_type not in allowed:
                raise unsupported_mime_type(part.mime_type or "(none)")
            clip = AudioInput(part.data, part.mime_type)
            try:
                count = await anyio.to_thread.run_sync(self.state.model.count_audio, clip)
            except UndecodableAudioError as err:
                raise invalid_argument(
                    f"Unable to process input audio in contents.parts[{part.index}] ({part.mime_type}): {err}"
                ) from None
            return clip, count
        assert part.file_id is not None
        record = self.state.store.get(part.file_id)
        state = record.state(self.state.clock.now())
        if state != "ACTIVE":
            raise file_not_active(record.id, state)
        if record.mime_type not in allowed:
            raise unsupported_mime_type(record.mime_type)
        assert record.audio is not None  # ACTIVE audio files were measured when uploaded
        audio = AudioInput(b"", record.mime_type, path=record.path, sha256=record.sha256_hex)
        return audio, record.audio

    async def _run_model(self, prepared: _Prepared) -> GenerationResult:
        per_hour = self.state.faults.audio_latency_per_hour
        if per_hour > 0 and prepared.audio_seconds > 0:
            await asyncio.sleep(per_hour * prepared.audio_seconds / 3600)
        config = prepared.parsed.config
        schema = config.get("responseJsonSchema", config.get("responseSchema"))
        generation = GenerationRequest(
            model=prepared.model.serving.id,
            audio=prepared.audio,
            prompt=prepared.parsed.prompt,
            system_instruction=prepared.parsed.system_instruction,
            response_mime_type=config.get("responseMimeType"),
            response_schema=schema if isinstance(schema, dict) else None,
            max_output_tokens=config.get("maxOutputTokens"),
            temperature=config.get("temperature"),
            transcription=prepared.transcription,
        )
        return await anyio.to_thread.run_sync(self.state.model.generate, generation)

    def _response_json(
        self, prepared: _Prepared, parts: Parts, result: GenerationResult, *, final: bool
    ) -> dict[str, Any]:
        prompt_tokens = prepared.audio_tokens + prepared.text_tokens
        # proto3 JSON omits an empty list: no speech means a content without parts
        content = {"parts": parts, "role": "model"} if parts else {"role": "model"}
        candidate: dict[str, Any] = {"content": content, "index": 0}
        usage: dict[str, Any] = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
        if final:
            candidate["finishReason"] = result.finish_reason
            usage["candidatesTokenCount"] = result.output_tokens
            usage["totalTokenCount"] = prompt_tokens + result.output_tokens
        usage["promptTokensDetails"] = prepared.prompt_details()
        if prepared.cached is not None:
            usage["cachedContentTokenCount"] = prepared.cached.total_tokens
            usage["cacheTokensDetails"] = prepared.cached.token_details()
        body: dict[str, Any] = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": prepared.model.serving.id,
            "responseId": _response_id(),
        }
        if result.notice:
            body["modelStatus"] = {"message": result.notice}
        return body


def _check_config(config: dict[str, Any], info: ModelInfo) -> None:
    """Refuse generation settings the model does not take, as the real API does (400 INVALID_ARGUMENT)."""
    output_limit = info.output_token_limit or _FALLBACK_OUTPUT_LIMIT
    limit = config.get("maxOutputTokens")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= output_limit):
        raise invalid_argument(
            f"Invalid generationConfig.maxOutputTokens {limit!r}: it must be between 1 and "
            f"{output_limit} for models/{info.id}."
        )
    temperature = config.get("temperature")
    if temperature is not None and (not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2):
        raise invalid_argument(
            f"Invalid generationConfig.temperature {temperature!r}: it must be in [0.0, 2.0]."
        )
    mime = config.get("responseMimeType")
    if mime is not None and mime not in ("text/plain", "application/json", "text/x.enum"):
        raise invalid_argument(
            f"Unsupported response mime type '{mime}'; allowed: text/plain, application/json, text/x.enum."
        )
    _check_thinking(config.get("thinkingConfig", config.get("thinking_config")), info)


def _check_thinking(thinking: Any, info: ModelInfo) -> None:
    """``thinkingLevel`` only where the model has levels, and only a level it documents (Gemini 3.7 / 3.8
    Flash refuse MINIMAL); ``thinkingBudget`` is still accepted by level models, as the SDK documents."""
    if not isinstance(thinking, dict):
        return
    level = thinking.get("thinkingLevel", thinking.get("thinking_level"))
    if level is None or str(level).upper() == "THINKING_LEVEL_UNSPECIFIED":
        return
    if info.thinking is not ThinkingControl.LEVEL:
        raise invalid_argument(
            f"Thinking level is not supported for models/{info.id}; use thinkingConfig.thinkingBudget."
            if info.thinking is ThinkingControl.BUDGET
            else f"Thinking is not supported for models/{info.id}."
        )
    if info.thinking_levels and str(level).lower() not in info.thinking_levels:
        allowed = ", ".join(v.upper() for v in info.thinking_levels)
        raise invalid_argument(
            f"Thinking level {str(level).upper()} is not supported for models/{info.id}; "
            f"use one of {allowed}."
        )


def _split_text(text: str, size: int = 200) -> list[str]:
    """Cut ``text`` into stream chunks of about ``size`` characters, at spaces; at least one chunk."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size) + 1 or size
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _response_id() -> str:
    return secrets.token_urlsafe(16).replace("-", "").replace("_", "")[:20]
