"""Models: generateContent, streamGenerateContent (SSE), countTokens, get and list.

The handler resolves every audio part to bytes (inline base64, or an ACTIVE uploaded file), enforces the
API's limits, and hands a :class:`GenerationRequest` to the offline model in a worker thread. Usage metadata
counts audio at 32 tokens/s as measured by the model, text with the model's own tokenizer.
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

from ..errors import GeminiAudioError
from .contents import MediaPart, ParsedRequest, parse_request
from .errors import (
    file_not_active,
    invalid_argument,
    model_not_found,
    payload_too_large,
    unsupported_mime_type,
)
from .model_types import AudioInput, AudioTokenCount, GenerationRequest, GenerationResult, ModelInfo
from .state import EmulatorState


@dataclass
class _Prepared:
    model: str
    parsed: ParsedRequest
    audio: list[AudioInput]
    audio_counts: list[AudioTokenCount]
    text_tokens: int

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

    def info(self, model: str) -> ModelInfo:
        return ModelInfo(name=model)

    def _model_json(self, model: str) -> dict[str, object]:
        info = self.info(model)
        return {
            "name": f"models/{model}",
            "version": "emulator",
            "displayName": f"{model} (offline emulator)",
            "description": "Offline emulation of the Gemini API by gemini-audio-tools; not a Google model.",
            "inputTokenLimit": info.input_token_limit,
            "outputTokenLimit": info.output_token_limit,
            "supportedGenerationMethods": list(info.supported_methods),
            "temperature": 1.0,
            "maxTemperature": 2.0,
            "topP": 0.95,
            "topK": 64,
        }

    async def get(self, request: Request) -> Response:
        model = request.path_params["model"]
        if not self.state.settings.knows_model(model):
            raise model_not_found(model, request.path_params["version"], "get")
        return JSONResponse(self._model_json(model))

    async def list(self, request: Request) -> Response:
        return JSONResponse({"models": [self._model_json(m) for m in self.state.settings.models]})

    # --- generation ------------------------------------------------------------------------------------

    async def generate(self, request: Request) -> Response:
        prepared = await self._prepare(request, "generateContent")
        result = await self._run_model(prepared)
        return JSONResponse(self._response_json(prepared, result.text, result, final=True))

    async def stream_generate(self, request: Request) -> Response:
        prepared = await self._prepare(request, "streamGenerateContent")
        result = await self._run_model(prepared)
        pieces = _split_text(result.text)

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
        return JSONResponse({"totalTokens": total, "promptTokensDetails": prepared.prompt_details()})

    async def _prepare(self, request: Request, method: str) -> _Prepared:
        model = request.path_params["model"]
        settings = self.state.settings
        if not settings.knows_model(model):
            raise model_not_found(model, request.path_params["version"], method)
        body = await _read_json(request, settings.max_inline_request_bytes)
        parsed = parse_request(body)
        _check_config(parsed.config, self.info(model))
        audio: list[AudioInput] = []
        counts: list[AudioTokenCount] = []
        for part in parsed.media:
            clip, count = await self._resolve(part)
            audio.append(clip)
            counts.append(count)
        seconds = sum(c.seconds for c in counts)
        if seconds > settings.max_audio_seconds_per_request:
            hours = settings.max_audio_seconds_per_request / 3600
            raise invalid_argument(
                f"The request contains {seconds / 3600:.2f} hours of audio; the maximum is {hours:g} hours "
                "per request. Split the audio into shorter parts."
            )
        text = "\n\n".join(t for t in (parsed.system_instruction, parsed.prompt) if t)
        text_tokens = await anyio.to_thread.run_sync(self.state.model.count_text_tokens, text) if text else 0
        return _Prepared(model, parsed, audio, counts, text_tokens)

    async def _resolve(self, part: MediaPart) -> tuple[AudioInput, AudioTokenCount]:
        allowed = self.state.settings.content_mime_types
        if part.data is not None:
            if part.mime_type not in allowed:
                raise unsupported_mime_type(part.mime_type or "(none)")
            clip = AudioInput(part.data, part.mime_type)
            try:
                count = await anyio.to_thread.run_sync(self.state.model.count_audio, clip)
            except GeminiAudioError as err:
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
            model=prepared.model,
            audio=prepared.audio,
            prompt=prepared.parsed.prompt,
            system_instruction=prepared.parsed.system_instruction,
            response_mime_type=config.get("responseMimeType"),
            response_schema=schema if isinstance(schema, dict) else None,
            max_output_tokens=config.get("maxOutputTokens"),
            temperature=config.get("temperature"),
        )
        return await anyio.to_thread.run_sync(self.state.model.generate, generation)

    def _response_json(
        self, prepared: _Prepared, text: str, result: GenerationResult, *, final: bool
    ) -> dict[str, Any]:
        prompt_tokens = prepared.audio_tokens + prepared.text_tokens
        candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        usage: dict[str, Any] = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
        if final:
            candidate["finishReason"] = result.finish_reason
            usage["candidatesTokenCount"] = result.output_tokens
            usage["totalTokenCount"] = prompt_tokens + result.output_tokens
        usage["promptTokensDetails"] = prepared.prompt_details()
        return {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": prepared.model,
            "responseId": _response_id(),
        }


def _check_config(config: dict[str, Any], info: ModelInfo) -> None:
    limit = config.get("maxOutputTokens")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= info.output_token_limit):
        raise invalid_argument(
            f"Invalid generationConfig.maxOutputTokens {limit!r}: it must be between 1 and "
            f"{info.output_token_limit} for models/{info.name}."
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


async def _read_json(request: Request, limit: int) -> dict[str, Any]:
    """Read the body up to ``limit`` bytes; a larger one is drained (so the client reads our answer), refused.

    Raises:
        ApiError: 400 when the body is over ``limit`` or is not a JSON object.
    """
    chunks: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size <= limit:
            chunks.append(piece)
    if size > limit:
        raise payload_too_large(limit)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received: expected an object.")
    return body


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
