"""Second chances for the recognizer where the voice activity detector heard speech but Whisper wrote nothing.

Why: Whisper drops a whole 30-second window when its no-speech head fires and its greedy text looks
unlikely, typically when the audio starts in the middle of a word (a range cut from a longer recording) or
on a synthetic voice. The VAD had measured speech there, so answering "no speech" would be false. Every
stretch of measured speech of at least ``MIN_GAP_SECONDS`` that no recognized word covers is decoded again
with the attempts of :data:`LADDER`, in order, until one finds words: no VAD filter and no no-speech skip; a
5-wide beam; then starting at the quietest frame of the stretch's first second (past a word cut in half).
Two rounds at most, and only over the uncovered stretches, so well-recognized audio costs nothing more.
What still has no words is returned as unrecognized speech, so answers say so instead of claiming silence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..audio.decode import PcmArray
from .facts import Span
from .recognizer import Decoding, Recognizer, Segment, Word

SAMPLE_RATE = 16_000
MIN_GAP_SECONDS = 2.0
"""Uncovered speech shorter than this is left alone: pauses inside sentences and VAD edges are that long."""
_WORD_PAD = 0.3
_REGION_PAD = 0.2
_ROUNDS = 2
_SKIP_SEARCH_SECONDS = 1.0
_FRAME = 480  # 30 ms


@dataclass(frozen=True)
class Attempt:
    """One way of decoding an uncovered stretch again."""

    decoding: Decoding
    skip_partial_word: bool = False


LADDER = (
    Attempt(Decoding(vad_filter=False, no_speech_threshold=None)),
    Attempt(Decoding(vad_filter=False, no_speech_threshold=None, beam_size=5)),
    Attempt(Decoding(vad_filter=False, no_speech_threshold=None), skip_partial_word=True),
)


@dataclass(frozen=True)
class Rescued:
    segments: list[Segment]
    unrecognized: list[Span]
    """Measured speech in which no attempt recognized a word (seconds, file timeline)."""


def _union(spans: list[Span]) -> list[Span]:
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def covered(segments: list[Segment]) -> list[Span]:
    """Where recognized words are (each padded by 0.3 s), merged; a segment without words covers itself."""
    spans: list[Span] = []
    for s in segments:
        if s.words:
            spans += [(w.start - _WORD_PAD, w.end + _WORD_PAD) for w in s.words]
        else:
            spans.append((s.start, s.end))
    return _union(spans)


def uncovered_speech(
    speech: list[Span], segments: list[Segment], min_seconds: float = MIN_GAP_SECONDS
) -> list[Span]:
    """The parts of ``speech`` no recognized word covers, of at least ``min_seconds`` each."""
    cover = covered(segments)
    gaps: list[Span] = []
    for a, b in _union(speech):
        at = a
        for c, d in cover:
            if d <= at or c >= b:
                continue
            if c - at >= min_seconds:
                gaps.append((at, c))
            at = max(at, d)
        if b - at >= min_seconds:
            gaps.append((at, b))
    return gaps


def _quietest_start(pcm: PcmArray) -> int:
    """Index of the quietest 30 ms frame in the first second: where a word cut in half has ended."""
    head = pcm[: int(_SKIP_SEARCH_SECONDS * SAMPLE_RATE)]
    frames = len(head) // _FRAME
    if frames < 2:
        return 0
    energy = (head[: frames * _FRAME].reshape(frames, _FRAME) ** 2).mean(axis=1)
    return int(np.argmin(energy)) * _FRAME


def _inside(segments: list[Segment], gap: Span) -> list[Segment]:
    """The segments' words whose middle lies in ``gap`` (what the retry adds, no duplicates of neighbours)."""
    kept: list[Segment] = []
    for s in segments:
        if not s.words:
            if gap[0] <= (s.start + s.end) / 2 <= gap[1]:
                kept.append(s)
            continue
        words = tuple(w for w in s.words if gap[0] - 0.1 <= (w.start + w.end) / 2 <= gap[1] + 0.1)
        if not words:
            continue
        text = s.text if len(words) == len(s.words) else " ".join(w.text for w in words)
        kept.append(Segment(words[0].start, words[-1].end, text, words, s.language))
    return kept


def _retry(recognizer: Recognizer, pcm: PcmArray, offset: float, gap: Span, base: Decoding) -> list[Segment]:
    first = max(0, int((gap[0] - _REGION_PAD - offset) * SAMPLE_RATE))
    last = min(len(pcm), int((gap[1] + _REGION_PAD - offset) * SAMPLE_RATE))
    for attempt in LADDER:
        skip = _quietest_start(pcm[first:last]) if attempt.skip_partial_word else 0
        decoding = replace(
            attempt.decoding,
            hotwords=base.hotwords,
            initial_prompt=base.initial_prompt,
            language=base.language,
        )
        found = recognizer.transcribe(
            pcm[first + skip : last], offset + (first + skip) / SAMPLE_RATE, decoding
        )
        kept = _inside(found, gap)
        if kept:
            return kept
    return []


def rescue(
    recognizer: Recognizer,
    pcm: PcmArray,
    offset: float,
    speech: list[Span],
    segments: list[Segment],
    base: Decoding | None = None,
) -> Rescued:
    """Decode again where ``speech`` (VAD spans, file timeline) has no recognized words (module docstring).

    ``pcm`` is the block the segments came from and starts at ``offset`` seconds; ``base`` carries the
    request's vocabulary, prompt and language into every attempt.
    """
    base = base or Decoding()
    result = list(segments)
    for _ in range(_ROUNDS):
        gaps = uncovered_speech(speech, result)
        if not gaps:
            return Rescued(result, [])
        added = [s for gap in gaps for s in _retry(recognizer, pcm, offset, gap, base)]
        if not added:
            break
        result = sorted(result + added, key=lambda s: s.start)
    return Rescued(result, [(round(a, 3), round(b, 3)) for a, b in uncovered_speech(speech, result)])


__all__ = ["LADDER", "Attempt", "Rescued", "Word", "covered", "rescue", "uncovered_speech"]
