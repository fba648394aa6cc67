"""Assembling a transcript from its requests, and cutting it into pages: pure, no requests.

Every request's result is a :class:`Piece`: what it heard of its span, on the file's timeline, with the
speaker labels that request used. Pieces are stitched on the file's timeline (each owns its keep window; a
segment cut off at the end of its piece yields to the next piece, which heard it whole), made strictly
monotonic and annotated with what the caller must know (splits after MAX_TOKENS, spans still missing,
failed chunks). Speaker labels are per request; :mod:`._speakers` matches them across the overlap between
neighbouring pieces so one voice keeps one label. A page is the first part that fits the tool-result budget;
pages after a cursor can come from a transcript kept earlier.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..backend.generate import add_usage
from ..backend.model_choice import ModelChoice
from ..schemas import AudioRange, Segment, Sent, TranscribeAudioInput, TranscribeAudioOutput, Usage, Word
from ..timecode import Span, format_timecode
from ..transcripts import clock, monotonic, paginate, render, stitch, stitch_words
from ._chunks import ChunkOutcome, failure_notes
from ._source import Selection
from ._speakers import align_speakers


@dataclass
class Piece:
    """One request's transcript: its span (sent ``[start, end]``, owning ``[keep_start, keep_end)``) and
    what it heard there, on the file's timeline, with that request's own speaker labels."""

    span: Span
    segments: list[Segment]
    words: list[Word] = field(default_factory=list)


@dataclass
class ChunkTranscript:
    """What one chunk produced: one piece, or several when a reply hit the output limit and was redone in
    halves."""

    pieces: list[Piece]
    usage: Usage = field(default_factory=Usage)
    gaps: list[tuple[float, float]] = field(default_factory=list)
    """Spans still missing after splitting as far as allowed (the reply kept hitting the output limit)."""
    splits: int = 0
    model_version: str | None = None
    """The model that answered (as the API reports it)."""
    sent: list[Sent] = field(default_factory=list)
    """What each request sent."""

    @property
    def last_end(self) -> float | None:
        """Where the last thing heard ends (None: nothing was heard)."""
        ends = [seg.end for piece in self.pieces for seg in piece.segments]
        return max(ends) if ends else None


def full_transcript(
    args: TranscribeAudioInput,
    model: ModelChoice,
    selection: Selection,
    outcomes: list[ChunkOutcome[ChunkTranscript]],
) -> TranscribeAudioOutput:
    """The complete transcript of ``selection`` from every chunk's outcome, with notes for whatever is
    missing."""
    answered = next((o.value.model_version for o in outcomes if o.value is not None), None)
    notes = [*model.notes(answered), *selection.notes(cut_by_times=model.native_transcription)]
    usage = Usage()
    pieces: list[Piece] = []
    sent: list[Sent] = []
    for outcome in outcomes:
        value = outcome.value
        if value is None:
            continue
        usage = add_usage(usage, value.usage)
        pieces.extend(value.pieces)
        sent.extend(value.sent)
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
    pieces.sort(key=lambda p: p.span.keep_start)
    if args.speakers and model.native_transcription:
        pieces, unmatched = align_speakers(pieces)
        notes.extend(
            f"Speaker labels from {format_timecode(at)} on could not be matched to those before it (no "
            "speech was heard by both requests around that cut); a label there may name someone labelled "
            "differently earlier."
            for at in unmatched
        )
    elif args.speakers and len(pieces) > 1:
        notes.append(
            "The audio was transcribed in several requests, each labelling speakers on its own: 'Speaker 1' "
            "in one part may be another label in the next."
        )
    keeps = _move_cuts_before_cut_off_segments(pieces)
    segments = monotonic(stitch([(a, b, p.segments) for (a, b), p in zip(keeps, pieces, strict=True)]))
    words = stitch_words([(a, b, p.words) for (a, b), p in zip(keeps, pieces, strict=True)])
    if not segments and not notes:
        notes.append("No speech was recognized in this audio.")
    shown = words if args.word_timestamps else None
    return TranscribeAudioOutput(
        text=render(segments, args.format, timestamps=args.timestamps, speakers=args.speakers, words=shown),
        segments=segments,
        words=shown,
        language=_main_language(segments),
        range=selection.range,
        model=model.answered_by(answered),
        usage=usage,
        chunks=[o.report for o in outcomes] if len(outcomes) > 1 else [],
        notes=notes,
        sent=Sent.combine(sent),
    )


def _main_language(segments: list[Segment]) -> str | None:
    """The language most of the speech is in (by characters), when the model said."""
    weights: Counter[str] = Counter()
    for seg in segments:
        if seg.language:
            weights[seg.language] += len(seg.text)
    return weights.most_common(1)[0][0] if weights else None


_CUT_OFF_SECONDS = 0.3


def _move_cuts_before_cut_off_segments(pieces: list[Piece]) -> list[tuple[float, float]]:
    """The keep window of each piece (in order), where a segment running into the end of its piece was heard
    cut off (a sentence across a cut that found no pause) and the next piece heard its start: the next piece
    owns it instead."""
    keeps = [(p.span.keep_start, p.span.keep_end) for p in pieces]
    for i in range(len(pieces) - 1):
        keep_start, keep_end = keeps[i]
        piece, following = pieces[i], pieces[i + 1]
        if following.span.keep_start != piece.span.keep_end:  # a failed chunk lies between: keep all
            continue
        cut_off = [
            s.start
            for s in piece.segments
            if s.end >= piece.span.end - _CUT_OFF_SECONDS and s.start < keep_end
        ]
        if cut_off and following.span.start <= min(cut_off) and min(cut_off) > keep_start:
            keeps[i] = (keep_start, min(cut_off))
            keeps[i + 1] = (min(cut_off), keeps[i + 1][1])
    return keeps


def first_page(
    args: TranscribeAudioInput, full: TranscribeAudioOutput, page: list[Segment], rest: float, uri: str
) -> TranscribeAudioOutput:
    """``full`` cut to its first ``page``, continuing at ``rest``; the whole is kept at ``uri``."""
    return _page_of(args, full, page, rest, uri)


def page_from_store(
    args: TranscribeAudioInput, full: TranscribeAudioOutput, uri: str, rng: AudioRange, page_chars: int
) -> TranscribeAudioOutput:
    """The page at ``rng.start_seconds`` of a transcript made earlier: nothing is sent, nothing billed."""
    at = rng.start_seconds
    remaining = [s for s in full.segments if s.start >= at - 0.0005]
    page, rest = paginate(remaining, page_chars)
    note = "Continued from the complete transcript made by an earlier call (nothing was sent or billed)."
    return _page_of(
        args,
        full,
        page,
        rest,
        uri,
        range=full.range.model_copy(update={"start_seconds": at}),
        usage=Usage(),
        notes=[*full.notes, note],
    )


def _page_of(
    args: TranscribeAudioInput,
    full: TranscribeAudioOutput,
    page: list[Segment],
    rest: float | None,
    uri: str,
    **changes: object,
) -> TranscribeAudioOutput:
    """``full`` showing only ``page`` (and its words), continuing at ``rest``, with ``changes`` on top."""
    words = _words_in(full.words, page)
    text = render(page, args.format, timestamps=args.timestamps, speakers=args.speakers, words=words)
    return full.model_copy(
        update={
            "text": text,
            "segments": page,
            "words": words,
            "next_cursor": clock(rest) if rest is not None else None,
            "transcript_uri": uri,
            **changes,
        }
    )


def _words_in(words: list[Word] | None, page: list[Segment]) -> list[Word] | None:
    """The words that belong to the segments of ``page`` (None when words were not asked for)."""
    if words is None or not page:
        return None if words is None else []
    first, last = page[0].start, page[-1].end
    return [w for w in words if first - 0.0005 <= w.start < last + 0.0005]
