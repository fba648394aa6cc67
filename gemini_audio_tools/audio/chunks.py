"""Plan how to split long audio into chunks one request can carry. Pure arithmetic: no I/O, no audio.

The plan splits ``[0, duration]`` into the fewest chunks no longer than ``max_chunk_seconds``, with equal
lengths, then moves each cut into the middle of a nearby silence when one is known (a word cut in half is
lost to both chunks; a cut in a pause loses nothing). Neighbouring chunks overlap by ``overlap_seconds``,
centred on the cut, so a word at a cut is heard whole by at least one of them; ``keep_start``/``keep_end``
say which part of each chunk owns the results (the cuts), so stitching drops the duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass(frozen=True)
class ChunkPlan:
    """One chunk: send ``[start, end]``; keep what it finds in ``[keep_start, keep_end)`` (seconds)."""

    index: int
    start: float
    end: float
    keep_start: float
    keep_end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def plan_chunks(
    duration: float,
    max_chunk_seconds: float,
    overlap_seconds: float = 0.0,
    silences: Sequence[tuple[float, float]] = (),
    snap_window_seconds: float | None = None,
) -> list[ChunkPlan]:
    """Chunks covering ``[0, duration]`` exactly, each at most ``max_chunk_seconds`` long, in order.

    ``silences`` are ``(start, end)`` pauses (e.g. from :func:`~.silence.find_silences`); a cut moves to the
    middle of the longest one whose middle lies within ``snap_window_seconds`` (default: a tenth of the
    chunk length) of the evenly spaced cut, as long as no chunk grows past the maximum.

    Raises:
        ValueError: a non-positive duration or maximum, or an overlap not below half the maximum.
    """
    if not duration > 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a positive number of seconds, got {duration}")
    if not max_chunk_seconds > 0:
        raise ValueError(f"max_chunk_seconds must be positive, got {max_chunk_seconds}")
    if not 0 <= overlap_seconds < max_chunk_seconds / 2:
        raise ValueError(f"overlap_seconds must be in [0, {max_chunk_seconds / 2}), got {overlap_seconds}")
    if duration <= max_chunk_seconds:
        return [ChunkPlan(0, 0.0, duration, 0.0, duration)]
    step = max_chunk_seconds - overlap_seconds  # the longest distance between two cuts
    count = math.ceil(duration / step - _EPSILON)
    window = max_chunk_seconds / 10 if snap_window_seconds is None else snap_window_seconds
    pauses = sorted((s, e) for s, e in silences if e > s)
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
    plans = []
    for i in range(count):
        start = max(0.0, cuts[i] - half) if i else 0.0
        end = min(duration, cuts[i + 1] + half) if i < count - 1 else duration
        plans.append(ChunkPlan(i, start, end, cuts[i], cuts[i + 1]))
    return plans


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
