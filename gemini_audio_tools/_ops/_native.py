"""A native transcription reply as one piece of the transcript, on the file's timeline.

The speech-to-text model's times are on the timeline of the audio it was sent (a clip starts at zero):
``offset`` moves them onto the file's, and anything outside the span sent is dropped. Words keep the
speaker of their utterance. In SMART mode the model gives no times at all; its clean text is then one
segment spanning the part of the chunk that owns it, which is true, and all that can honestly be said.
"""

from __future__ import annotations

from ..backend.transcription import NativeTranscript, Utterance
from ..schemas import Segment, Word
from ..timecode import Span
from ._transcript_parts import ChunkTranscript, Piece


def native_chunk(
    reply: NativeTranscript, offset: float, span: Span, *, timed: bool, speakers: bool
) -> ChunkTranscript:
    """The piece ``reply`` makes of ``span`` (times shifted by ``offset``, the sent audio's start)."""
    if not timed:
        text = "\n\n".join(u.text for u in reply.utterances)
        language = next((u.language for u in reply.utterances if u.language), None)
        clean = [Segment(start=span.keep_start, end=span.keep_end, language=language, text=text)]
        return ChunkTranscript(
            [Piece(span, clean if text else [])], reply.usage, model_version=reply.model_version
        )
    segments: list[Segment] = []
    words: list[Word] = []
    for utterance in reply.utterances:
        speaker = utterance.speaker if speakers else None
        segment = _segment(utterance, offset, span, speaker)
        if segment is None:
            continue
        segments.append(segment)
        words.extend(
            Word(
                word=w.word,
                start=round(start, 3),
                end=round(min(w.end + offset, span.end), 3),
                speaker=speaker,
            )
            for w in utterance.words
            if span.start <= (start := w.start + offset) < span.end
        )
    return ChunkTranscript([Piece(span, segments, words)], reply.usage, model_version=reply.model_version)


def _segment(utterance: Utterance, offset: float, span: Span, speaker: str | None) -> Segment | None:
    """The utterance on the file's timeline, clamped to ``span``; None when it lies outside it. One without
    times (a timed reply should hold none) spans the part of the chunk that owns it, rather than be lost."""
    if utterance.start is None or utterance.end is None:
        return Segment(
            start=span.keep_start,
            end=span.keep_end,
            speaker=speaker,
            language=utterance.language,
            text=utterance.text,
        )
    start, end = utterance.start + offset, utterance.end + offset
    if start >= span.end or end < span.start:
        return None
    start = max(start, span.start)
    end = min(max(end, start), span.end)
    return Segment(
        start=round(start, 3),
        end=round(end, 3),
        speaker=speaker,
        language=utterance.language,
        text=utterance.text,
    )
