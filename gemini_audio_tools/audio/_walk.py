"""Count every frame of a long MP3 or ADTS AAC stream exactly, by walking many stretches of it at once.

Neither format states its length, so the only exact duration is the sum over all frames, and the next
frame's place is in the current one's header: a walk is inherently one hop at a time, ~0.25 µs per hop
in Python, 70-90 ms for 2 hours of AAC. Instead the payload is cut into stretches of :data:`STRETCH_BYTES`;
each stretch's first frame is found by resynchronising (the stream's fixed header bytes, followed by a
second header), and all stretches are walked together, one numpy step per hop (about 40 ns per frame).

The walk is exact, not estimated: a stretch's count is accepted only if its walk lands *exactly* on the
first frame of the next stretch (so, by induction from the true first frame, every counted frame is on
the true chain) and the last stretch ends exactly at the end of the payload. Anything else (junk between
frames, a cut-off last frame, a false resync) returns None and the caller walks one hop at a time, which
handles those cases the way FFmpeg does. Stretches of digital silence (AAC codes it in ~9-byte frames)
take ~40x more hops than the rest: when only a few walks are left, what remains of them is cut into 16x
finer stretches and walked together again, and below 1 KB finished in Python (a numpy step over a handful
of entries costs more than a Python hop).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

STRETCH_BYTES = 64 * 1024
"""Bytes per stretch: ~200 frames of 128 kbps MP3, few enough resyncs (~1 µs each) to stay cheap."""
WALK_ABOVE_BYTES = 2 * 2**20
"""Smaller payloads (a few minutes) are walked one hop at a time: under ~2 ms, no numpy set-up."""
_FEW = 32  # when this few walks are left, the rest is cut into finer stretches (or walked in Python)
_FINER = 16  # each level cuts what is left of the slowest walks into stretches this many times shorter
_SMALLEST_STRETCH = 1024  # below this, what is left is walked one hop at a time in Python
_SLACK = 8  # a numpy step reads the 8 bytes at a frame's offset
_LONGEST_FRAME = 8192  # ADTS frames are shorter (13-bit length); MPEG audio frames are under 2 KB
BAD = 1 << 40
"""Length :attr:`Framing.step` gives a header that is not one of the stream's: the walk overshoots, and
an overshoot is never accepted."""

Ints = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint64]
Spans = list[tuple[int, int]]


@dataclass(frozen=True)
class Framing:
    """One stream's frames. ``sync`` starts every header (the bytes that never change within the stream).
    ``step`` takes the 8 bytes at many frame offsets as big-endian 64-bit words and gives each frame's
    length (:data:`BAD` where the header is not one of this stream's) and its extra samples beyond
    ``samples`` per frame (None if there never are any). ``hop`` gives one frame's length (0 where the
    header is bad) and all its samples, in Python, for the offset of a header that starts with ``sync``."""

    sync: bytes
    samples: int
    step: Callable[[Words], tuple[Ints, Ints | None]]
    hop: Callable[[mmap.mmap, int], tuple[int, int]]


@dataclass(frozen=True)
class Walk:
    """Every frame from the first to the end of the payload: how many, and their decoded samples.

    ``offsets``/``samples_before``: the first frame of every stretch walked (the first is the walk's
    start) and the samples of all frames before it: a coarse, exact seek table (see :mod:`._seek`).
    """

    frames: int
    samples: int
    offsets: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64), compare=False, repr=False)
    samples_before: Ints = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), compare=False, repr=False
    )


def walk_frames(data: mmap.mmap, start: int, end: int, framing: Framing) -> Walk | None:
    """Count the frames from ``start`` (a frame header) to ``end`` (where the payload ends), or None when
    they do not run cleanly and exactly from one to the other, or the payload is too small to bother.
    """
    if end - start < WALK_ABOVE_BYTES or end > len(data):
        return None
    words = np.ndarray((len(data) - _SLACK + 1,), dtype="<u8", buffer=data, offset=0, strides=(1,))
    try:
        counted = _count_stretches(data, words, [(start, end)], framing, STRETCH_BYTES)
    finally:
        del words  # the map cannot close while a numpy view of it exists
    if counted is None:
        return None
    offsets, frames, samples, _ = counted
    before = np.concatenate([[0], np.cumsum(samples)[:-1]]).astype(np.int64)
    return Walk(int(frames.sum()), int(samples.sum()), offsets, before)


def _count_spans(
    data: mmap.mmap, words: Words, spans: Spans, framing: Framing, stretch: int
) -> tuple[Ints, Ints] | None:
    """(frames, samples) of each span, or None as :func:`_count_stretches`."""
    if not spans:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counted = _count_stretches(data, words, spans, framing, stretch)
    if counted is None:
        return None
    _, frames, samples, firsts = counted
    return np.add.reduceat(frames, firsts), np.add.reduceat(samples, firsts)


def _count_stretches(
    data: mmap.mmap, words: Words, spans: Spans, framing: Framing, stretch: int
) -> tuple[Ints, Ints, Ints, Ints] | None:
    """Every span cut into stretches of ``stretch`` bytes, each counted exactly from its first frame to the
    next one's (the last to its span's end): (first frames, frames, samples, index of each span's first
    stretch). All are walked together, and what is left of the slowest walks is handed on to a finer
    level. None when some walk does not land exactly on the next stretch's first frame.
    """
    if stretch < _SMALLEST_STRETCH:
        walked = _walk_in_python(data, spans, framing)
        if walked is None:
            return None
        firsts = np.array([first for first, _ in spans], dtype=np.int64)
        return firsts, walked[0], walked[1], np.arange(len(spans), dtype=np.int64)
    starts: list[int] = []
    targets: list[int] = []
    firsts_at: list[int] = []
    for first, end in spans:
        found = _stretch_starts(data, first, end, framing, stretch)
        if found is None:
            return None
        firsts_at.append(len(starts))
        starts += found
        targets += [*found[1:], end]
    begin, goal = np.array(starts, dtype=np.int64), np.array(targets, dtype=np.int64)
    reached, frames, extra = _walk_together(words, begin, np.minimum(goal, len(words) - 1), framing)
    if (reached > goal).any():
        return None  # a bad header, or a walk overshot the next stretch's first frame: a false resync
    behind = np.flatnonzero(reached < goal)
    rest = list(zip(reached[behind].tolist(), goal[behind].tolist(), strict=True))
    finer = _count_spans(data, words, rest, framing, stretch // _FINER)
    if finer is None:
        return None
    samples = frames * framing.samples + extra
    frames[behind] += finer[0]
    samples[behind] += finer[1]
    return begin, frames, samples, np.array(firsts_at, dtype=np.int64)


def _stretch_starts(
    data: mmap.mmap, start: int, end: int, framing: Framing, stretch: int
) -> list[int] | None:
    """The first frame of each stretch: ``start`` (a true frame), then at each stretch boundary the first
    offset where this stream's header begins a frame that another header (or the payload's end) follows.

    None when a boundary has no such offset within the longest frame after it: the stream is not clean
    there (junk, a run of zeros, a glitch), and the frame-by-frame walk deals with that. This also keeps a
    file of zeros behind one good header from costing a search through all of it.
    """
    found = [start]
    for boundary in range(start + stretch, end - stretch // 2, stretch):
        if found[-1] >= boundary:
            continue  # the last start found lies past this boundary already (stretches under a frame long)
        pos, limit = boundary, min(end, boundary + max(stretch, _LONGEST_FRAME))
        while (pos := data.find(framing.sync, pos, limit)) >= 0:
            following = pos + _frame_at(data, pos, framing)[0]
            another = following < end and _frame_at(data, following, framing)[0] > 0
            if following > pos and (following == end or another):
                found.append(pos)
                break
            pos += 1
        else:
            return None
    return found


def _frame_at(data: mmap.mmap, pos: int, framing: Framing) -> tuple[int, int]:
    """(length, samples) of the frame whose header is at ``pos``; length 0 if there is none of this
    stream's there."""
    if pos + _SLACK > len(data) or data[pos : pos + len(framing.sync)] != framing.sync:
        return 0, 0
    return framing.hop(data, pos)


def _walk_together(words: Words, starts: Ints, goals: Ints, framing: Framing) -> tuple[Ints, Ints, Ints]:
    """Walk from every start towards its goal, one numpy step per hop for all walks still going, until
    only :data:`_FEW` are left. Returns where each walk stopped (at or past its goal; short of it for those
    left), the frames it hopped over and their extra samples."""
    reached, frames, extra = starts.copy(), np.zeros_like(starts), np.zeros_like(starts)
    live = np.flatnonzero(starts < goals)
    pos, goal, more = starts[live], goals[live], np.zeros(len(live), dtype=np.int64)
    hops = 0
    while len(live) > _FEW:
        length, plus = framing.step(words[pos].byteswap())
        pos += length
        if plus is not None:
            more += plus
        hops += 1
        stop = pos >= goal
        if stop.any():
            ended = np.flatnonzero(stop)
            which = live[ended]
            reached[which], frames[which], extra[which] = pos[ended], hops, more[ended]
            going = ~stop
            live, pos, goal, more = live[going], pos[going], goal[going], more[going]
    reached[live], frames[live], extra[live] = pos, hops, more
    return reached, frames, extra


def _walk_in_python(data: mmap.mmap, spans: Spans, framing: Framing) -> tuple[Ints, Ints] | None:
    """(frames, samples) of each span, from its first offset exactly to its end, one hop at a time; None if
    a header is not the stream's or a walk misses its end."""
    counts: list[int] = []
    sums: list[int] = []
    for pos, end in spans:
        frames = samples = 0
        while pos < end:
            length, frame_samples = _frame_at(data, pos, framing)
            if not length:
                return None
            samples += frame_samples
            pos += length
            frames += 1
        if pos != end:
            return None
        counts.append(frames)
        sums.append(samples)
    return np.array(counts, dtype=np.int64), np.array(sums, dtype=np.int64)
