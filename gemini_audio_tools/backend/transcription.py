"""Native transcription: one request to a speech-to-text model (``audio_transcription_config``), read back
as utterances with times, speakers, languages and words.

The model answers one Part per utterance whose ``audio_transcription`` (google-genai ``Transcription``)
carries the text, ``language_code``, ``speaker_label`` ("spk_1"), ``start_offset`` / ``end_offset`` and
``words``; offsets are Duration strings ("1.500s") on the timeline of the audio sent. Nothing is parsed
out of free text, so there is no prompt to drift from: this is the path whose times can be trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from google.genai import types

from ..errors import ApiError
from ..schemas import Usage
from .client import Backend
from .generate import send, usage_from
from .model_choice import ModelChoice
from .requests import ModelRequest, native_request
from .retry import Attempts

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)s\s*$")


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Utterance:
    """One part of the reply; times in seconds from the start of the audio sent, None when not given."""

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    language: str | None = None
    words: tuple[TimedWord, ...] = ()


@dataclass(frozen=True)
class NativeTranscript:
    utterances: list[Utterance]
    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    model_version: str | None = None


def duration_seconds(text: str | None) -> float | None:
    """Seconds in a protobuf Duration string ("1.500s", "0s"), or None when absent or malformed."""
    if not text:
        return None
    found = _DURATION.match(text)
    return float(found.group(1)) if found else None


def utterance_of(transcription: types.Transcription) -> Utterance:
    words = tuple(
        TimedWord(w.word or "", start, end)
        for w in transcription.words or []
        if (start := duration_seconds(w.start_offset)) is not None
        and (end := duration_seconds(w.end_offset)) is not None
    )
    start = duration_seconds(transcription.start_offset)
    end = duration_seconds(transcription.end_offset)
    return Utterance(
        text=(transcription.text or "").strip(),
        start=start if start is not None else (words[0].start if words else None),
        end=end if end is not None else (words[-1].end if words else None),
        speaker=transcription.speaker_label,
        language=transcription.language_code,
        words=words,
    )


async def transcribe_native(
    backend: Backend,
    audio: types.Part,
    *,
    model: ModelChoice,
    config: types.AudioTranscriptionConfig,
    action: str,
    attempts: Attempts | None = None,
    file_name: str | None = None,
    max_output_tokens: int | None = None,
) -> NativeTranscript:
    """One native transcription request with retries.

    Raises:
        UnavailableModelError: the API does not serve ``model``.
        ApiError: the reply is blocked or has no candidate.
        GeminiAudioError: the request failed, after retries.
    """
    request = native_request(model, audio, config, max_output_tokens=max_output_tokens)
    return await send_native(backend, request, action=action, attempts=attempts, file_name=file_name)


async def send_native(
    backend: Backend,
    request: ModelRequest,
    *,
    action: str,
    attempts: Attempts | None = None,
    file_name: str | None = None,
) -> NativeTranscript:
    """Send a request built by :func:`~.requests.native_request`; its reply read by :func:`native_of`.

    Raises:
        UnavailableModelError: the API does not serve the model.
        ApiError: the reply is blocked or has no candidate.
        GeminiAudioError: the request failed, after retries.
    """
    response = await send(backend, request, action=action, attempts=attempts, file_name=file_name)
    return native_of(response, action)


def native_of(response: types.GenerateContentResponse, action: str) -> NativeTranscript:
    """The utterances of a speech-to-text reply (interactive, or a batch's line).

    Raises:
        ApiError: the reply has no candidate, or it stopped for a reason other than STOP / MAX_TOKENS.
    """
    candidate = response.candidates[0] if response.candidates else None
    finish = candidate.finish_reason.value if candidate is not None and candidate.finish_reason else "STOP"
    if candidate is None or finish not in ("STOP", "MAX_TOKENS"):
        feedback = response.prompt_feedback
        reason = feedback.block_reason.value if feedback and feedback.block_reason else finish
        raise ApiError(f"The model returned no transcript while {action} (reason: {reason}). Try again.")
    parts = candidate.content.parts if candidate.content is not None and candidate.content.parts else []
    utterances = [utterance_of(p.audio_transcription) for p in parts if p.audio_transcription is not None]
    return NativeTranscript(
        [u for u in utterances if u.text], finish, usage_from(response.usage_metadata), response.model_version
    )
