"""What one generateContent request holds, built in one place for every way it is sent.

An interactive call sends a :class:`ModelRequest` through the SDK at once; a batch writes the very same
request as one line of a JSONL file (:func:`request_json`). Both are built here, so a batch asks exactly
what the interactive tools ask: a prompt after the audio with the system instruction, JSON output through
``response_json_schema`` and the lightest thinking for transcripts (:func:`prompt_request`), or the audio
alone with ``audio_transcription_config`` for a speech-to-text model (:func:`native_request`).

The JSON is the Gemini REST ``GenerateContentRequest`` as google-genai's batch converter
(``batches._InlinedRequest_to_mldev``) lays it out: ``model``, ``contents``, ``systemInstruction`` beside
them and the rest under ``generationConfig``, field names in camelCase, bytes in base64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.genai import types

from .model_choice import ModelChoice
from .prompts import SYSTEM_INSTRUCTION

_REQUEST_LEVEL = ("systemInstruction", "safetySettings", "tools", "toolConfig", "labels", "cachedContent")
"""GenerateContentConfig fields that the REST request holds beside ``contents``, not in generationConfig."""
_NOT_SENT = ("httpOptions", "shouldReturnHttpResponse", "automaticFunctionCalling")
"""Client-side settings of GenerateContentConfig: never part of a request body."""


@dataclass(frozen=True)
class ModelRequest:
    """One generateContent request: the model, what it hears and reads, and how it should answer."""

    model: ModelChoice
    contents: list[types.Content]
    config: types.GenerateContentConfig


def prompt_request(
    model: ModelChoice,
    prompt: str,
    *,
    audio: types.Part | None = None,
    schema: dict[str, Any] | None = None,
    max_output_tokens: int | None = None,
    light: bool = False,
    cached_content: str | None = None,
) -> ModelRequest:
    """``prompt`` after ``audio`` (or text alone) for a general model; ``schema`` asks for JSON matching it,
    ``light`` for the least thinking the model allows. ``cached_content`` names a context cache that comes
    first and holds the system instruction (the API refuses one beside a cache)."""
    config = types.GenerateContentConfig(
        system_instruction=None if cached_content else SYSTEM_INSTRUCTION,
        cached_content=cached_content,
        response_mime_type="application/json" if schema is not None else None,
        response_json_schema=schema,
        max_output_tokens=max_output_tokens,
        thinking_config=model.thinking(light),
    )
    parts = [audio] if audio is not None else []
    contents = [types.Content(role="user", parts=[*parts, types.Part.from_text(text=prompt)])]
    return ModelRequest(model, contents, config)


def native_request(
    model: ModelChoice,
    audio: types.Part,
    transcription: types.AudioTranscriptionConfig,
    *,
    max_output_tokens: int | None = None,
) -> ModelRequest:
    """``audio`` alone for a speech-to-text model, asked for what ``transcription`` says (no prompt: the
    model does not read one)."""
    config = types.GenerateContentConfig(
        audio_transcription_config=transcription, max_output_tokens=max_output_tokens
    )
    return ModelRequest(model, [types.Content(role="user", parts=[audio])], config)


def request_json(request: ModelRequest) -> dict[str, Any]:
    """``request`` as the REST ``GenerateContentRequest`` a batch line carries (see the module docstring)."""
    config = _dump(request.config)
    for name in _NOT_SENT:
        config.pop(name, None)
    body: dict[str, Any] = {
        "model": f"models/{request.model.id}",
        "contents": [_dump(content) for content in request.contents],
    }
    for name in _REQUEST_LEVEL:
        if name in config:
            body[name] = config.pop(name)
    instruction = body.get("systemInstruction")
    if isinstance(instruction, str):  # the SDK's t_content: a string is one user text part
        body["systemInstruction"] = {"parts": [{"text": instruction}], "role": "user"}
    if config:
        body["generationConfig"] = config
    return body


def _dump(value: types.Content | types.GenerateContentConfig) -> dict[str, Any]:
    dumped: dict[str, Any] = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
