"""Long audio: split a range into chunks, run them concurrently with a bound, and account for every one.

A chunk that still fails after the per-request retries is reported (status 'failed' with the reason) and the
caller adds a note, so a gap in a transcript is never silent; only when every chunk fails is the error raised.
Chunks run in waves of ``Settings.max_concurrency`` in timeline order, so a paged caller can stop early once
it has a page's worth and not pay for the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..audio.chunks import plan_chunks
from ..backend.retry import Attempts
from ..context import RunContext
from ..errors import GeminiAudioError, InvalidArgumentError
from ..schemas import AudioRange, ChunkReport
from ..transcripts import clock
from ._audio import RemoteAudio, Source

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """A chunk on the timeline: send ``[start, end]``; keep what starts in ``[keep_start, keep_end)``."""

    index: int
    start: float
    end: float
    keep_start: float
    keep_end: float

    @property
    def label(self) -> str:
        return f"{clock(self.start)}–{clock(self.end)}"


def plan_spans(source: Source, rng: AudioRange, max_seconds: float, overlap: float, what: str) -> list[Span]:
    """The spans to request for ``rng`` of ``source``: one if it fits in a request, else planned chunks.

    Raises:
        InvalidArgumentError: a remote file too long for one request (it is always sent whole, and cannot be
            cut): the message asks for the local path or a shorter range.
    """
    sent = rng.end_seconds - rng.start_seconds
    if isinstance(source, RemoteAudio):
        sent = max(sent, source.duration_seconds or 0.0)
    if sent <= max_seconds:
        return [Span(0, rng.start_seconds, rng.end_seconds, rng.start_seconds, rng.end_seconds)]
    if isinstance(source, RemoteAudio):
        raise InvalidArgumentError(
            f"{source.name} is {clock(sent)} long, more than one request can carry for {what} "
            f"({clock(max_seconds)}), and a remote file cannot be cut. Pass the local file path (it is split "
            "into chunks automatically)."
        )
    return split_range(rng.start_seconds, rng.end_seconds, max_seconds, overlap)


def span_range(rng: AudioRange, span: Span, single: bool) -> AudioRange:
    """The range one request covers: the caller's own when unsplit, else the chunk (always a local cut)."""
    return rng if single else AudioRange(start_seconds=span.start, end_seconds=span.end, method="clip")


def split_range(start: float, end: float, max_seconds: float, overlap_seconds: float) -> list[Span]:
    """Spans covering ``[start, end]`` of at most ``max_seconds`` each (one span if it already fits)."""
    if end - start <= max_seconds:
        return [Span(0, start, end, start, end)]
    plans = plan_chunks(end - start, max_seconds, overlap_seconds)
    return [
        Span(p.index, start + p.start, start + p.end, start + p.keep_start, start + p.keep_end) for p in plans
    ]


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
    enough: Callable[[list[T]], bool] | None = None,
) -> list[ChunkOutcome[T]]:
    """Run ``work`` for each span (at most ``max_concurrency`` at once), in order; stop early once ``enough``
    says the results so far suffice. Returns one outcome per span that ran.

    Raises:
        GeminiAudioError: every chunk that ran failed (the first chunk's error).
    """
    width = max(1, ctx.settings.max_concurrency)
    outcomes: list[ChunkOutcome[T]] = []
    done = 0

    async def one(span: Span) -> ChunkOutcome[T]:
        nonlocal done
        attempts = Attempts()
        try:
            value = await work(span, attempts)
        except GeminiAudioError as err:
            report = ChunkReport(
                index=span.index,
                start_seconds=round(span.start, 3),
                end_seconds=round(span.end, 3),
                status="failed",
                error=str(err),
                attempts=max(1, attempts.count),
            )
            outcome: ChunkOutcome[T] = ChunkOutcome(span, report, None, err)
        else:
            report = ChunkReport(
                index=span.index,
                start_seconds=round(span.start, 3),
                end_seconds=round(span.end, 3),
                status="ok",
                attempts=max(1, attempts.count),
            )
            outcome = ChunkOutcome(span, report, value)
        done += 1
        part = f"chunk {span.index + 1}/{len(spans)} ({span.label})" if len(spans) > 1 else span.label
        await ctx.report(done, len(spans), f"{what} {part}: {outcome.report.status}")
        return outcome

    for first in range(0, len(spans), width):
        wave = await asyncio.gather(*(one(span) for span in spans[first : first + width]))
        outcomes.extend(wave)
        values = [o.value for o in outcomes if o.value is not None]
        if enough is not None and values and enough(values):
            break
    if all(o.error is not None for o in outcomes):
        first_error = outcomes[0].error
        assert first_error is not None
        raise first_error
    return outcomes


def failure_notes(outcomes: Sequence[ChunkOutcome[Any]]) -> list[str]:
    """One note per failed chunk: which span is missing and why."""
    return [
        f"Chunk {o.span.index + 1} ({o.span.label}) failed and is missing from the result: {o.report.error} "
        f"Call again with start={clock(o.span.start)!r} end={clock(o.span.end)!r} to retry just that part."
        for o in outcomes
        if o.error is not None
    ]
