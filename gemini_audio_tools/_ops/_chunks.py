"""Long audio: plan chunks (cut in pauses), run them concurrently with a bound, and account for every one.

How long a chunk may be is decided by two limits, whichever is smaller: what one request can carry (Gemini
takes up to 9.5 h of audio per prompt; audio longer than that is always split) and, for transcripts, the
model's output-token limit divided by the transcript tokens expected per minute of audio (see
:class:`~.understanding.Limits`). Cuts are moved into pauses near the evenly spaced positions; the pauses are
found by decoding only a short window around each planned cut (all in one seeking or forward pass), never the
whole file.

A chunk that still fails after the per-request retries is reported (status 'failed' with the reason) and the
caller adds a note naming the missing span, so a gap is never silent; only when every chunk fails is the
error raised. All chunks run at most ``Settings.max_concurrency`` at a time, each reporting progress when it
finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..audio.chunks import plan_chunks
from ..audio.decode import PcmArray, decode_pcm, decode_windows
from ..audio.silence import find_silences
from ..backend.retry import Attempts
from ..context import RunContext
from ..errors import GeminiAudioError, InvalidArgumentError
from ..progress import ProgressEvent
from ..schemas import ChunkReport
from ..timecode import Span, format_timecode
from ._source import LocalAudio, RemoteAudio, Selection

T = TypeVar("T")

MAX_REQUEST_SECONDS = 9.5 * 3600
"""Gemini's maximum audio length in one prompt: anything longer is always split."""

SNAP_WINDOW_SECONDS = 20.0
"""How far (each way) a cut may move to land in a pause; also the half-width of the window decoded to find
pauses. A window of 44.1 kHz stereo FLAC decodes in ~50 ms wherever it lies (the decoder seeks); MP3 has no
exact seek, so its packets before the window are demuxed and skipped (~0.1 ms per second of audio before
it): ~130 ms for a window 15 min into the file. All windows of a file are decoded in one forward pass, so
that skip is paid once, not per window: 7 cuts in a 2 h 64 kbps MP3 take 0.8 s (2.0 s window by window),
19 cuts 1.4 s (5.6 s)."""

_PAUSE_RATE = 16_000


def plan_spans(selection: Selection, max_seconds: float, overlap: float, what: str) -> list[Span]:
    """The spans to request for ``selection``: its own span if it fits in a request, else evenly planned
    chunks (see :func:`plan_spans_at_pauses` to cut in pauses). ``max_seconds`` is capped at 9.5 h.

    Raises:
        InvalidArgumentError: a remote file too long for one request (it is always sent whole, and cannot be
            cut): the message asks for the local path or a shorter range.
    """
    max_seconds = min(max_seconds, MAX_REQUEST_SECONDS)
    source, span = selection.source, selection.span
    sent = source.duration_seconds if isinstance(source, RemoteAudio) else span.seconds
    if sent <= max_seconds:
        return [span]
    if isinstance(source, RemoteAudio):
        raise InvalidArgumentError(
            f"{source.name} is {format_timecode(sent)} long, more than one request can carry for {what} "
            f"({format_timecode(max_seconds)}), and a remote file cannot be cut. Pass the local file path "
            "(it is split into chunks automatically)."
        )
    return plan_chunks(span, max_seconds, overlap)


async def plan_spans_at_pauses(
    selection: Selection,
    max_seconds: float,
    overlap: float,
    what: str,
    *,
    hard_max_seconds: float = MAX_REQUEST_SECONDS,
) -> list[Span]:
    """:func:`plan_spans`, with each cut of a local file moved into the longest pause near it.

    ``max_seconds`` bounds what a chunk owns; a chunk sent may be longer by the overlap and room to move
    its cuts, up to ``hard_max_seconds`` (e.g. what the output-token budget allows) and 9.5 h.

    Raises:
        InvalidArgumentError: as :func:`plan_spans`.
    """
    spans = plan_spans(selection, max_seconds, overlap, what)
    source = selection.source
    if len(spans) == 1 or not isinstance(source, LocalAudio):
        return spans
    window = min(SNAP_WINDOW_SECONDS, max_seconds / 10)
    # The overlap and room to move each cut come on top (2 h at 30 min: 4 chunks, not 5).
    max_seconds = min(max_seconds + overlap + 2 * window, hard_max_seconds, MAX_REQUEST_SECONDS)
    cuts = [chunk.keep_end for chunk in plan_chunks(selection.span, max_seconds, overlap)[:-1]]
    pauses = await asyncio.to_thread(pauses_near, source.path, cuts, window)
    return plan_chunks(selection.span, max_seconds, overlap, silences=pauses, snap_window_seconds=window)


def pauses_near(path: Path, cuts: Sequence[float], window: float) -> list[tuple[float, float]]:
    """Pauses (file timeline) within ``window`` seconds of each cut, found by decoding only those windows,
    all from one open file (:func:`~gemini_audio_tools.audio.decode.decode_windows`: seeks to each, or
    reads an MP3/ADTS file once up to the last window instead of from its start for every window).

    A window that cannot be decoded contributes no pauses (that cut stays where it was planned): if the
    one pass fails, each window is decoded on its own.
    """
    ranges = [(max(0.0, cut - window), cut + window) for cut in cuts]
    try:
        windows: list[PcmArray | None] = list(decode_windows(path, _PAUSE_RATE, ranges))
    except GeminiAudioError:
        windows = [_decode_or_none(path, start, end) for start, end in ranges]
    found: list[tuple[float, float]] = []
    for (offset, _), pcm in zip(ranges, windows, strict=True):
        if pcm is not None:
            found.extend((offset + a, offset + b) for a, b in find_silences(pcm, _PAUSE_RATE))
    return found


def _decode_or_none(path: Path, start: float, end: float) -> PcmArray | None:
    try:
        return decode_pcm(path, _PAUSE_RATE, start=start, end=end)
    except GeminiAudioError:
        return None


@dataclass(frozen=True)
class ChunkOutcome(Generic[T]):
    span: Span
    report: ChunkReport
    value: T | None
    error: GeminiAudioError | None = None


async def run_chunks(
    spans: Sequence[Span],
    work: Callable[[Span, Attempts], Awaitable[T]],
    *,
    ctx: RunContext,
    what: str,
    subject: str | None = None,
) -> list[ChunkOutcome[T]]:
    """Run ``work`` for every span, at most ``Settings.max_concurrency`` at once (started in timeline
    order), reporting progress at the start (0 of n) and as each finishes; ``subject`` names the audio.
    Returns one outcome per span, in timeline order.

    Raises:
        GeminiAudioError: every chunk failed (the first chunk's error).
    """
    gate = asyncio.Semaphore(max(1, ctx.settings.max_concurrency))
    done = 0

    async def one(span: Span) -> ChunkOutcome[T]:
        nonlocal done
        attempts = Attempts()
        async with gate:
            try:
                value = await work(span, attempts)
            except GeminiAudioError as err:
                outcome: ChunkOutcome[T] = ChunkOutcome(
                    span, chunk_report(span, err, attempts.count), None, err
                )
            else:
                outcome = ChunkOutcome(span, chunk_report(span, None, attempts.count), value)
        done += 1
        part = f"chunk {span.index + 1}/{len(spans)} ({span.label})" if len(spans) > 1 else span.label
        detail = f"{what} {part}: {outcome.report.status}"
        await ctx.report(ProgressEvent("chunks", done, len(spans), "chunks", subject=subject, detail=detail))
        return outcome

    await ctx.report(ProgressEvent("chunks", 0, len(spans), "chunks", subject=subject))
    outcomes = list(await asyncio.gather(*(one(span) for span in spans)))
    if all(o.error is not None for o in outcomes):
        first_error = outcomes[0].error
        assert first_error is not None
        raise first_error
    return outcomes


def chunk_report(span: Span, error: GeminiAudioError | None, attempts: int = 1) -> ChunkReport:
    """What the output says about one chunk: where it lies, and whether (and after how many tries) it
    succeeded."""
    return ChunkReport(
        index=span.index,
        start_seconds=round(span.start, 3),
        end_seconds=round(span.end, 3),
        status="ok" if error is None else "failed",
        error=None if error is None else str(error),
        attempts=max(1, attempts),
    )


def failure_notes(outcomes: Sequence[ChunkOutcome[Any]]) -> list[str]:
    """One note per failed chunk: which span is missing and why."""
    return [
        f"Chunk {o.span.index + 1} ({o.span.label}) failed and is missing from the result: {o.report.error} "
        f"Call again with start={format_timecode(o.span.start)!r} end={format_timecode(o.span.end)!r} to "
        "retry just that part."
        for o in outcomes
        if o.error is not None
    ]
