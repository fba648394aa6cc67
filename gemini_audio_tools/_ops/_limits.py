"""How much audio one request carries and how much transcript one tool result returns, per model.

The model catalogue (:mod:`..models`) says what a model takes: general models up to 9.5 h of audio and a
65,536-token reply; the native transcription model one hour, or 30 minutes when it gives times or speakers.
A transcript chunk is the smallest of: that audio limit, what the model's reply can hold (for prompt-based
transcripts, written as JSON segments), and a cap that keeps failures cheap and chunks parallel.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backend.model_choice import ModelChoice
from ._chunks import MAX_REQUEST_SECONDS

DEFAULT_OUTPUT_TOKENS = 65_536
"""Output-token limit assumed for a model the catalogue does not know."""
OUTPUT_HEADROOM = 0.8
"""Plan chunks to need at most 80% of the output limit: speech density varies from minute to minute."""


@dataclass(frozen=True)
class Limits:
    """How much audio one request carries, and how much transcript one tool result returns."""

    transcript_chunk_seconds: float = 1800.0
    """Upper bound on a transcript chunk: 30 min, so a 2 h file runs as 4 parallel requests and a chunk that
    fails for good costs at most 30 min of re-transcription."""
    transcript_tokens_per_minute: float = 500.0
    """Expected prompt-based transcript output tokens per minute of audio. Fast speech is ~200 words (~270
    tokens) a minute; the JSON segments add ~25 tokens each (times, keys), about 10 a minute: ~500 for dense
    speech. With a 65,536-token limit and 20% headroom that allows ~105 min per request, so the 30-min
    bound decides by default; a smaller ``max_output_tokens`` (or a denser language) shortens chunks."""
    other_chunk_seconds: float = 8 * 3600.0
    """Descriptions/answers: 8 h keeps 32 tokens/s under the 1M-token input window (9.1 h)."""
    overlap_seconds: float = 5.0
    """Transcript chunks overlap this much around each cut, so a word at a cut is heard whole once."""
    speaker_overlap_seconds: float = 20.0
    """With speakers, chunks overlap this much instead: the words both neighbours heard are what matches
    one request's speaker labels to the next's (20 s of a 30-min chunk costs 1 % more audio)."""
    page_chars: int = 48_000
    """Budget of one transcript tool result in characters (text + JSON segments): ~12k tokens, half the
    ~25k-token cap common MCP clients put on a tool result."""
    max_output_tokens: int | None = None
    """Cap on each reply (None: the model's own limit)."""
    max_split_depth: int = 3
    """How often a chunk whose reply hit the output limit is halved again (3: down to an eighth)."""

    def transcript_chunk_limit(self, model: ModelChoice, *, timed: bool = True) -> float:
        """Longest transcript chunk for ``model``: its request limit, the output budget and the cap."""
        return min(self.transcript_chunk_seconds, self.transcript_hard_limit(model, timed=timed))

    def transcript_hard_limit(self, model: ModelChoice, *, timed: bool = True) -> float:
        """Longest audio one transcript request may carry: the model's audio limit (the lower one when it
        gives times or speakers), the output-token budget of a prompt-based transcript, and 9.5 h."""
        info = model.info
        limits = [MAX_REQUEST_SECONDS]
        if info is not None and info.audio_seconds is not None:
            limits.append(info.audio_seconds)
        if info is not None and timed and info.audio_seconds_with_timestamps is not None:
            limits.append(info.audio_seconds_with_timestamps)
        if not model.native_transcription:
            output = self.max_output_tokens or (info.output_token_limit if info else None)
            output = output or DEFAULT_OUTPUT_TOKENS
            limits.append(output * OUTPUT_HEADROOM / self.transcript_tokens_per_minute * 60.0)
        return min(limits)


LIMITS = Limits()
