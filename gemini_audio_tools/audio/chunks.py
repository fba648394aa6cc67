"""Plan how to split long audio into chunks one request can carry. Pure arithmetic: no I/O, no audio.

The plan splits a span of the file's timeline into the fewest chunks no longer than ``max_chunk_seconds``,
with equal lengths, then moves each cut into the middle of a nearby silence when one is known (a word cut in
half is lost to both chunks; a cut in a pause loses nothing). Neighbouring chunks overlap by
``overlap_seconds``, centred on the cut, so a word at a cut is heard whole by at least one of them;
``keep_start``/``keep_end`` say which part of each chunk owns the results (the cuts), so stitching drops the
duplicates. Chunks are
:class:`~gemini_audio_tools.timecode.Span` values on the file's timeline, the same type as the range they
split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..timecode import Span

_EPSILON = 1e-9


def plan_chunks(
    span: Span,
    max_chunk_seconds: float,
    overlap_seconds: float = 0.0,
    silences: Sequence[tuple[float, float]] = (),
    snap_window_seconds: float | None = None,
) -> list[Span]:
    """Chunks covering ``span`` exactly, each at most ``max_chunk_seconds`` long, in order (``span`` itself,
    as chunk 0, when it fits).

    ``silences`` are ``(start, end)`` pauses on the same timeline (e.g. from :func:`~.silence.find_silences`);
    a cut moves to the middle of the longest one whose middle lies within ``snap_window_seconds`` (default:
    a tenth of the chunk length) of the evenly spaced cut, as long as no chunk grows past the maximum.

    Raises:
        ValueError: an empty or non-finite span, a non-positive maximum, or an overlap not below half the
            maximum.
    """
    origin, duration = span.start, span.seconds
    if not duration > 0 or not math.isfinite(duration):
        raise ValueError(f"the span must last a positive number of seconds, got {duration}")
    if not max_chunk_seconds > 0:
        raise ValueError(f"max_chunk_seconds must be positive, got {max_chunk_seconds}")
    if not 0 <= overlap_seconds < max_chunk_seconds / 2:
        raise ValueError(f"overlap_seconds must be in [0, {max_chunk_seconds / 2}), got {overlap_seconds}")
    if duration <= max_chunk_seconds:
        return [Span(span.start, span.end)]
    step = max_chunk_seconds - overlap_seconds  # the longest distance between two cuts
    count = math.ceil(duration / step - _EPSILON)
    window = max_chunk_seconds / 10 if snap_window_seconds is None else snap_window_seconds
    pauses = sorted((s - origin, e - origin) for s, e in silences if e > s)
    cuts = [0.0]
    for i in range(1, count):
        ideal = duration * i / count
        # Feasible cut positions: no chunk longer than `step` between cuts, and the chunks still to come
        # can cover the rest; at least one overlap away from the previous cut.
        low = max(cuts[-1] + overlap_seconds + _EPSILON, duration - (count - i) * step)
        high = cuts[-1] + step
        cuts.append(_snap(ideal, window, pauses, low, high))
    cuts.append(duration)
    half = overlap_seconds / 2
    # The outer edges are the span's own (exactly: no float drift from adding the origin back).
    at = [span.start, *(origin + cut for cut in cuts[1:-1]), span.end]
    chunks = []
    for i in range(count):
        start = max(span.start, at[i] - half) if i else span.start
        end = min(span.end, at[i + 1] + half) if i < count - 1 else span.end
        chunks.append(Span(start, end, at[i], at[i + 1], i))
    return chunks


def _snap(
    ideal: float, window: float, pauses: Sequence[tuple[float, float]], low: float, high: float
) -> float:
    """The middle of the longest pause near ``ideal`` that keeps the cut within ``[low, high]``."""
    best: tuple[float, float, float] | None = None  # (-length, distance, middle)
    for start, end in pauses:
        middle = (start + end) / 2
        distance = abs(middle - ideal)
        if distance <= window and low <= middle <= high:
            key = (-(end - start), distance, middle)
            if best is None or key < best:
                best = key
    if best is not None:
        return best[2]
    return min(max(ideal, low), high)
