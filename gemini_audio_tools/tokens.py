"""Token arithmetic shared by the library's free estimates and the emulator.

Gemini bills audio at a fixed rate of 32 tokens per second, whatever the channel count (channels are merged to
mono before the model hears them). Text tokens have no offline tokenizer here, so text is estimated at one
token per 4 characters — the rule of thumb Google documents for Gemini — rounded up. Both the estimate of a
prompt and the emulator's counting of its own output use :func:`estimate_text_tokens`, so they agree.
"""

from __future__ import annotations

import math

AUDIO_TOKENS_PER_SECOND = 32
"""Gemini's documented audio rate: 32 tokens per second of audio (1 minute = 1,920 tokens)."""

CHARS_PER_TEXT_TOKEN = 4
"""The documented approximation for text: about 4 characters per token."""


def estimate_audio_tokens(seconds: float) -> int:
    """Tokens Gemini bills for ``seconds`` of audio: ``ceil(32 × seconds)``; 0 for no audio.

    Raises:
        ValueError: ``seconds`` is negative or not finite.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"Audio duration must be a finite, non-negative number of seconds, got {seconds!r}.")
    # Round away float noise first (e.g. 0.1 * 3 * 32) so an exact duration never bills one token more.
    return math.ceil(round(AUDIO_TOKENS_PER_SECOND * seconds, 6))


def estimate_text_tokens(text: str) -> int:
    """Approximate tokens in ``text``: ``ceil(len(text) / 4)``; 0 for the empty string."""
    return -(-len(text) // CHARS_PER_TEXT_TOKEN)
