"""Token counts as the emulated API reports them: audio from the emulator's own decode, text by rule of thumb.

The emulator plays the remote service, so it measures what it received itself: every frame decoded with
PyAV, samples counted, 32 tokens per second of audio (channels merged) rounded up. It never asks the
library's estimator or probe, so a wrong estimate in the library shows up as a difference against countTokens
instead of agreeing with itself by construction.
"""

from __future__ import annotations

from pathlib import Path

from .model_types import AudioTokenCount
from .pcm import decoded_samples

AUDIO_TOKENS_PER_SECOND = 32
"""The Gemini API's documented audio rate (1 minute = 1,920 tokens), whatever the channel count."""
CHARS_PER_TEXT_TOKEN = 4
"""No offline Gemini tokenizer exists: text is counted at the documented ~4 characters per token."""


def audio_tokens(samples: int, sample_rate: int) -> int:
    """``ceil(32 × samples / sample_rate)`` in exact integer arithmetic (0 for no samples)."""
    return -(-samples * AUDIO_TOKENS_PER_SECOND // sample_rate)


def measure_audio(source: bytes | Path) -> AudioTokenCount:
    """Decoded duration and token count of ``source`` (inline bytes or a stored file).

    Raises:
        UndecodableAudioError: the bytes are not decodable audio.
    """
    samples, rate = decoded_samples(source)
    return AudioTokenCount(seconds=samples / rate, tokens=audio_tokens(samples, rate))


def text_tokens(text: str) -> int:
    """``ceil(len(text) / 4)``; 0 for the empty string."""
    return -(-len(text) // CHARS_PER_TEXT_TOKEN)
