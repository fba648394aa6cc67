"""The seam between the emulator's HTTP layer (protocol, files, faults) and its offline "model".

The HTTP layer turns a generateContent request into a :class:`GenerationRequest`; the model answers with a
:class:`GenerationResult`. The model never sees HTTP; the HTTP layer never looks inside audio.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..hashing import sha256_file


@dataclass(frozen=True)
class AudioInput:
    """One audio part of a request (inline data, or a referenced file read from the emulator's store)."""

    data: bytes
    mime_type: str
    path: Path | None = None
    """When set, the audio is read from this file (``data`` is empty): stored uploads are not loaded whole."""
    sha256: str | None = None
    """Hex SHA-256 of the audio's bytes, when already known (stored files)."""

    def source(self) -> bytes | Path:
        """What to decode: the stored file, or the inline bytes."""
        return self.path if self.path is not None else self.data

    def digest(self) -> str:
        """Hex SHA-256 of the audio's bytes (the models' cache key)."""
        if self.sha256:
            return self.sha256
        return hashlib.sha256(self.data).hexdigest() if self.path is None else sha256_file(self.path)


@dataclass(frozen=True)
class TranscriptionConfig:
    """What a transcription request asks for (``audioTranscriptionConfig``; every field has the API's
    default). Read and checked by ``transcription_config.py``."""

    language_codes: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    word_timestamps: bool = False
    diarization: bool = False
    smart: bool = False
    source_text: str | None = None

    @property
    def detailed(self) -> bool:
        """Diarization or word timestamps: the lower per-request audio limit applies."""
        return self.word_timestamps or self.diarization


@dataclass(frozen=True)
class GenerationRequest:
    model: str
    audio: list[AudioInput]
    prompt: str
    """The text parts of the request's contents, joined with blank lines, in order."""
    system_instruction: str | None = None
    response_mime_type: str | None = None
    response_schema: dict[str, Any] | None = None
    """JSON schema from generationConfig.responseSchema (OpenAPI subset) or responseJsonSchema, as sent."""
    max_output_tokens: int | None = None
    temperature: float | None = None
    transcription: TranscriptionConfig | None = None
    """Set for a transcription model (``generationConfig.audioTranscriptionConfig``, or its defaults): the
    answer is Transcription parts instead of generated text."""


@dataclass(frozen=True)
class GenerationResult:
    text: str
    finish_reason: str = "STOP"
    """"STOP", or "MAX_TOKENS" when the text was cut at max_output_tokens."""
    output_tokens: int = 0
    parts: tuple[dict[str, Any], ...] | None = None
    """The candidate's parts as JSON when they are more than ``[{"text": text}]`` (Transcription parts)."""
    notice: str | None = None
    """What the emulator says about how it answered, sent as ``modelStatus.message``."""


@dataclass(frozen=True)
class AudioTokenCount:
    seconds: float
    tokens: int
    """ceil(32 × seconds): Gemini bills 32 tokens per second of audio, channels merged."""


class EmulatorModel(Protocol):
    """What the HTTP layer needs from the model. Methods are sync and CPU-bound: call them in a thread."""

    def generate(self, request: GenerationRequest) -> GenerationResult: ...

    def count_audio(self, audio: AudioInput) -> AudioTokenCount:
        """Decode the audio and measure it. Raises ``CorruptAudioError`` when it is not decodable audio."""
        ...

    def count_text_tokens(self, text: str) -> int: ...


@dataclass
class ModelInfo:
    """What GET /models/{model} returns; also the model's limits."""

    name: str
    input_token_limit: int = 1_048_576
    output_token_limit: int = 65_536
    supported_methods: list[str] = field(
        default_factory=lambda: ["generateContent", "countTokens", "streamGenerateContent"]
    )
