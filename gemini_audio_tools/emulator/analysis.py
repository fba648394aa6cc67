"""One streaming pass over an audio part: facts, speech spans and (when wanted) the recognizer's transcript.

Hours of audio are walked in 2-minute blocks (``pcm.iter_blocks``), so memory stays at one block. Blocks
where the voice activity detector finds no speech skip the recognizer: long silence or tone costs little.
Where the detector heard speech that the recognizer left without words, ``rescue.py`` decodes again; what
stays without words is kept as ``unrecognized_speech`` so no answer claims silence there. For diarization
the voice of every stretch of words is measured while its block is in memory (``diarize.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .diarize import VoiceStretch, measure_stretches
from .facts import AudioFacts, FactsAccumulator, Span
from .pcm import AudioHeader, iter_blocks, read_header
from .recognizer import Decoding, Recognizer, Segment, detect_speech
from .rescue import rescue

EXCERPT_SPEECH_SECONDS = 60.0
"""A description quotes what was recognized in about the first minute of speech, not hours of it."""


class TranscriptNeed(Enum):
    NONE = 0
    EXCERPT = 1
    FULL = 2


@dataclass(frozen=True)
class Analysis:
    """What the emulator knows about one audio part (or the requested range of it)."""

    header: AudioHeader
    facts: AudioFacts
    speech_spans: tuple[Span, ...] | None
    """Speech found by silero VAD; None without a VAD installed (then only ``facts.sound_spans`` is known)."""
    segments: tuple[Segment, ...] | None
    """Recognized speech; None when not transcribed (not asked for, or no recognizer)."""
    need: TranscriptNeed
    """How much was transcribed: an excerpt covers only about the first minute of speech."""
    requested_range: tuple[float, float] | None
    unrecognized_speech: tuple[Span, ...] = ()
    """Speech the VAD measured where the recognizer made out no words, even on retries."""
    voices: tuple[VoiceStretch, ...] = ()
    """The measured voice of every stretch of words (only when asked for, for diarization)."""

    @property
    def speech_seconds(self) -> float | None:
        return None if self.speech_spans is None else sum(b - a for a, b in self.speech_spans)

    @property
    def transcript(self) -> str:
        return " ".join(s.text for s in self.segments or ())


def _merge(spans: list[Span], gap: float = 0.5) -> tuple[Span, ...]:
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((round(a, 3), round(b, 3)) for a, b in merged)


def snap_to_speech(segments: list[Segment], spans: tuple[Span, ...], tolerance: float = 0.6) -> list[Segment]:
    """Move segment edges onto the VAD's speech edges when they are within ``tolerance`` seconds.

    Whisper's timestamps come in 20 ms steps and often land a few hundred ms off where speech starts or stops;
    the VAD's edges are sharper. Edges inside continuous speech (no VAD edge nearby) stay as they are.
    """
    starts = [a for a, _ in spans]
    ends = [b for _, b in spans]
    snapped: list[Segment] = []
    for s in segments:
        start = min(starts, key=lambda t: abs(t - s.start), default=s.start)
        end = min(ends, key=lambda t: abs(t - s.end), default=s.end)
        new_start = start if abs(start - s.start) <= tolerance else s.start
        new_end = end if abs(end - s.end) <= tolerance else s.end
        if snapped and new_start < snapped[-1].end:
            new_start = s.start
        if new_end <= new_start:
            new_start, new_end = s.start, s.end
        snapped.append(Segment(round(new_start, 3), round(new_end, 3), s.text, s.words))
    return snapped


def analyze(
    data: bytes | Path,
    *,
    need: TranscriptNeed,
    recognizer: Callable[[], Recognizer | None],
    time_range: tuple[float, float] | None = None,
    block_seconds: float = 120.0,
    decoding: Decoding | None = None,
    voices: bool = False,
) -> Analysis:
    """Measure ``data`` (optionally only ``time_range``, seconds on the file's timeline) in one pass.

    ``recognizer`` is called only when a block holds speech to transcribe (loading Whisper is not free);
    it returns None when no recognizer is installed. ``decoding`` is how it decodes (vocabulary, prompt,
    language); ``voices`` measures every stretch of words for diarization.

    Raises:
        CorruptAudioError: the bytes cannot be decoded.
    """
    header = read_header(data)
    start, end = time_range if time_range else (None, None)
    acc = FactsAccumulator(start=start or 0.0)
    speech: list[Span] | None = []
    segments: list[Segment] = []
    unrecognized: list[Span] = []
    stretches: list[VoiceStretch] = []
    transcribed_speech = 0.0
    loaded: Recognizer | None = None
    unavailable = need is TranscriptNeed.NONE
    for offset, pcm in iter_blocks(data, block_seconds=block_seconds, start=start, end=end):
        acc.add(pcm)
        found = detect_speech(pcm, offset)
        if found is None:
            speech = None
        elif speech is not None:
            speech.extend(found)
        if unavailable or found == []:
            continue
        if loaded is None:
            loaded = recognizer()
            if loaded is None:
                unavailable = True
                continue
        if need is TranscriptNeed.EXCERPT:
            if transcribed_speech >= EXCERPT_SPEECH_SECONDS:
                continue
            first = max(0.0, found[0][0] - offset - 0.5) if found else 0.0
            stop = first + EXCERPT_SPEECH_SECONDS * 1.5
            window_start, window_end = offset + first, offset + stop
            transcribed_speech += sum(
                min(b, window_end) - max(a, window_start)
                for a, b in found or []
                if a < window_end and b > window_start
            )
            pcm = pcm[int(first * 16_000) : int(stop * 16_000)]
            offset = window_start
            found = [(max(a, window_start), min(b, window_end)) for a, b in found or [] if a < window_end]
        heard = loaded.transcribe(pcm, offset, decoding)
        rescued = rescue(loaded, pcm, offset, found or [], heard, decoding)
        segments.extend(rescued.segments)
        unrecognized.extend(rescued.unrecognized)
        if voices:
            stretches.extend(measure_stretches(pcm, offset, rescued.segments))
    spans = None if speech is None else _merge(speech)
    return Analysis(
        header=header,
        facts=acc.finish(),
        speech_spans=spans,
        segments=None if unavailable else tuple(snap_to_speech(segments, spans or ())),
        need=need,
        requested_range=time_range,
        unrecognized_speech=tuple(unrecognized),
        voices=tuple(stretches),
    )
