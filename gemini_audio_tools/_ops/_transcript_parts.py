"""Assembling a transcript from its chunks, and cutting it into pages: pure, no requests.

Chunk transcripts are stitched on the file's timeline (each chunk owns its keep window; a segment cut off
at the end of its chunk yields to the next chunk, which heard it whole), made strictly monotonic and
annotated with what the caller must know (splits after MAX_TOKENS, spans still missing, failed chunks). A
page is the first part that fits the tool-result budget; pages after a cursor can come from a transcript
kept earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..backend.generate import add_usage
from ..context import RunContext
from ..schemas import AudioRange, Segment, TranscribeAudioInput, TranscribeAudioOutput, Usage
from ..timecode import Span, format_timecode
from ..transcripts import clock, monotonic, paginate, render, stitch
from ._chunks import ChunkOutcome, failure_notes
from ._source import Selection


@dataclass
class ChunkTranscript:
    """What one chunk (or its halves, after MAX_TOKENS) produced, on the file's timeline."""

    segments: list[Segment]
    usage: Usage = field(default_factory=Usage)
    gaps: list[tuple[float, float]] = field(default_factory=list)
    """Spans still missing after splitting as far as allowed (the reply kept hitting the output limit)."""
    splits: int = 0


def full_transcript(
    args: TranscribeAudioInput,
    ctx: RunContext,
    selection: Selection,
    outcomes: list[ChunkOutcome[ChunkTranscript]],
) -> TranscribeAudioOutput:
    """The complete transcript of ``selection`` from every chunk's outcome, with notes for whatever is
    missing."""
    notes = selection.notes()
    usage = Usage()
    parts = []
    for outcome in outcomes:
        value = outcome.value
        if value is None:
            continue
        usage = add_usage(usage, value.usage)
        parts.append((outcome.span.keep_start, outcome.span.keep_end, value.segments))
        if value.splits:
            notes.append(
                f"{outcome.span.label} had more speech than one reply can hold; it was split "
                f"{value.splits} time(s) and transcribed in parts."
            )
        for start, end in value.gaps:
            notes.append(
                f"The transcript of {Span(start, end).label} is missing: the model's reply hit its "
                f"output limit even for the smallest part. Call again with start={format_timecode(start)!r} "
                f"end={format_timecode(end)!r}."
            )
    notes.extend(failure_notes(outcomes))
    segments = monotonic(stitch(_move_cuts_before_cut_off_segments(parts, outcomes)))
    if not segments and not notes:
        notes.append("No speech was recognized in this audio.")
    return TranscribeAudioOutput(
        text=render(segments, args.format, timestamps=args.timestamps, speakers=args.speakers),
        segments=segments,
        range=selection.range,
        model=ctx.settings.model,
        usage=usage,
        chunks=[o.report for o in outcomes] if len(outcomes) > 1 else [],
        notes=notes,
    )


_CUT_OFF_SECONDS = 0.3


def _move_cuts_before_cut_off_segments(
    parts: list[tuple[float, float, list[Segment]]], outcomes: list[ChunkOutcome[ChunkTranscript]]
) -> list[tuple[float, float, list[Segment]]]:
    """A segment running into the end of its chunk was heard cut off (a sentence across a cut that found
    no pause); when the next chunk heard that segment's start, the next chunk owns it instead."""
    spans = {o.span.keep_start: o.span for o in outcomes if o.value is not None}
    keeps = [(a, b) for a, b, _ in parts]
    for i in range(len(parts) - 1):
        keep_start, keep_end = keeps[i]
        span, following = spans[parts[i][0]], spans.get(parts[i][1])
        if following is None:  # the next chunk failed: keep what this one heard
            continue
        cut_off = [
            s.start for s in parts[i][2] if s.end >= span.end - _CUT_OFF_SECONDS and s.start < keep_end
        ]
        if cut_off and following.start <= min(cut_off) and min(cut_off) > keep_start:
            keeps[i] = (keep_start, min(cut_off))
            keeps[i + 1] = (min(cut_off), keeps[i + 1][1])
    return [(a, b, segments) for (a, b), (_, _, segments) in zip(keeps, parts, strict=True)]


def first_page(
    args: TranscribeAudioInput, full: TranscribeAudioOutput, page: list[Segment], rest: float, uri: str
) -> TranscribeAudioOutput:
    """``full`` cut to its first ``page``, continuing at ``rest``; the whole is kept at ``uri``."""
    return full.model_copy(
        update={
            "text": render(page, args.format, timestamps=args.timestamps, speakers=args.speakers),
            "segments": page,
            "next_cursor": clock(rest),
            "transcript_uri": uri,
        }
    )


def page_from_store(
    args: TranscribeAudioInput, full: TranscribeAudioOutput, uri: str, rng: AudioRange, page_chars: int
) -> TranscribeAudioOutput:
    """The page at ``rng.start_seconds`` of a transcript made earlier: nothing is sent, nothing billed."""
    at = rng.start_seconds
    remaining = [s for s in full.segments if s.start >= at - 0.0005]
    page, rest = paginate(remaining, page_chars)
    note = "Continued from the complete transcript made by an earlier call (nothing was sent or billed)."
    out = full.model_copy(
        update={
            "text": render(page, args.format, timestamps=args.timestamps, speakers=args.speakers),
            "segments": page,
            "range": full.range.model_copy(update={"start_seconds": at}),
            "usage": Usage(),
            "next_cursor": clock(rest) if rest is not None else None,
            "transcript_uri": uri,
            "notes": [*full.notes, note],
        }
    )
    return out
