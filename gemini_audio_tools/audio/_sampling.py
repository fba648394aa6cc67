"""Constant-time length of big MP3 (no Xing header) and ADTS AAC files, by sampling their frame headers.

Neither format stores its length, and walking every frame header of a 2-hour file costs 50-100 ms. Above
:data:`SAMPLE_ABOVE_BYTES` we instead look at :data:`WINDOWS` windows of :data:`WINDOW_BYTES` bytes, one at
a random point of each of as many equal strata of the payload (stratified sampling by byte offset): in each,
resynchronise to the first frame header (checked against the stream's fixed header bits and followed by
another) and count the samples of the frames inside the window, those cut by its edges by the share of
their bytes inside.

Why samples per byte of a fixed-width window: every byte of every frame is then counted with the same
probability (window bytes / stratum bytes), so the sum over strata of (stratum bytes x samples per window
byte) is unbiased, and counting shares rather than whole frames removes a +-1 frame jitter per window.
Dividing the payload by the mean sampled frame size instead over-weights big frames (windows land in loud
passages more often: 20-30% off on content with quiet parts), and so does reading a fixed number of
frames per window (short windows in quiet parts: ~5% off).

The spread of neighbouring windows gives an error bar; if it is too wide (content whose bit rate swings
too much for the sample), the caller walks every frame instead. MPEG CBR (every sampled frame at one bit
rate, and their mean size what that bit rate's padding scheme gives) is exact arithmetic.
"""

from __future__ import annotations

import functools
import math
import mmap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._mpeg import parse_mpeg_header

SAMPLE_ABOVE_BYTES = 8 * 2**20
"""Files whose audio payload is larger than this are sampled; smaller ones are walked exactly (< ~10 ms)."""
WINDOWS = 128
WINDOW_BYTES = 4096
"""Bytes per window: ~10 MP3 frames at 128 kbps, ~14 ADTS frames at 96 kbps (a few hundred µs in all)."""
SAMPLE_ADTS = False
"""Off: ADTS is always walked. FFmpeg's AAC codes digital silence in ~9-byte frames, so a minute of it
is ~28 KB that all windows of a 2-hour file usually miss, while the error bar stays small: measured, a
2-hour podcast with a 60 s gap came out 0.85% short and was accepted (``python -m bench.probe``). MP3 has
no such blind spot in practice: its smallest frame is 1/10 of its largest, and only CBR gets accepted."""
MAX_RELATIVE_ERROR = 0.0015
"""Largest tolerated estimated standard error (relative): 3 sigma stays under issue 2's 0.5% target."""
_MARGIN = 2048  # read past a window: room for the header after its last frame (MP3 frames are < 1442 B)
_MAX_STEPS = 64  # frames per window before it counts as suspiciously dense (digital silence)

Ints = npt.NDArray[np.int64]
Step = Callable[[npt.NDArray[np.uint8], Ints], "tuple[Ints, Ints, Ints, npt.NDArray[np.bool_]]"]
FrameReader = Callable[[bytes, int], "tuple[int, int, int] | None"]
"""(length in bytes, samples, bit rate in bits/s or 0) of the frame whose header is at an offset of a
buffer, or None; the header must lie within the buffer."""


@dataclass(frozen=True)
class Windows:
    """What each window (one array entry each) found: where it starts, its width in bytes, the samples
    in it (frames cut by its edges count by the share of their bytes inside), how many frames start in
    it and their bytes, the smallest one's size, and the lowest and highest bit rate among them (bits/s;
    0 where the format has no bit rate)."""

    offset: Ints
    bytes: Ints
    samples: npt.NDArray[np.float64]
    frames: Ints
    frame_bytes: Ints
    smallest: Ints
    rate_low: Ints
    rate_high: Ints

    @classmethod
    def of(cls, windows: Sequence[Sequence[tuple[int, int, int]]]) -> Windows:
        """Windows exactly filled by frames given as (length, samples, bit rate) (offsets unknown: 0)."""
        rows = []
        for window in windows:
            lengths, samples, rates = zip(*window, strict=True)
            total = sum(lengths)
            rows.append((0, total, sum(samples), len(window), total, min(lengths), min(rates), max(rates)))
        c = np.array(rows, dtype=np.int64).reshape(-1, 8).T
        return cls(c[0], c[1], c[2].astype(np.float64), c[3], c[4], c[5], c[6], c[7])


@dataclass(frozen=True)
class Estimate:
    """Estimated decoded length in samples; ``exact`` when CBR arithmetic gave it; ``relative_error`` is
    the estimated standard error of ``samples`` as a fraction (0 when exact)."""

    samples: int
    exact: bool
    relative_error: float


def estimate_samples(
    windows: Windows, payload_bytes: int, cbr_sample_rate: int | None = None, frame_samples: int = 1152
) -> Estimate:
    """The decoded length of ``payload_bytes`` of frames, from ``windows`` spread evenly over them.

    With ``cbr_sample_rate`` (MPEG audio of ``frame_samples`` per frame, whose frame size follows from its
    bit rate): when every sampled
    frame has one bit rate and their mean size is what that rate gives (bit rate / 8 / sample rate bytes
    per sample, padding included, within 0.1%), the length is exact arithmetic: whole frames in the payload.
    ``relative_error`` is ``math.inf`` when a sampled frame is under 1/8 of the mean size, or a window held
    too many frames to count (digital silence in AAC can be ~9 bytes a frame: time hidden in such frames is
    invisible to sampling by bytes).

    Raises:
        ValueError: no windows, or no frame in any of them.
    """
    if len(windows.frames) == 0 or int(windows.frames.sum()) <= 0 or int(windows.bytes.min()) <= 0:
        raise ValueError("cannot estimate a length from no frames")
    density = windows.samples / windows.bytes  # samples per byte, one per stratum
    mean = float(density.mean())
    counted = windows.frames > 0
    mean_frame = float(windows.frame_bytes.sum() / windows.frames.sum())
    rate = int(windows.rate_low[counted].min())
    if cbr_sample_rate is not None and rate > 0 and rate == int(windows.rate_high[counted].max()):
        cbr_frame_bytes = rate / 8 / cbr_sample_rate * frame_samples
        if abs(mean_frame / cbr_frame_bytes - 1) < 1e-3:
            frames = round(payload_bytes / cbr_frame_bytes)
            return Estimate(frames * frame_samples, exact=True, relative_error=0.0)
    if int(windows.smallest.min()) * 8 < mean_frame:
        return Estimate(round(payload_bytes * mean), exact=False, relative_error=math.inf)
    # Successive differences of neighbouring strata: the usual variance estimate for stratified sampling
    # with one sample per stratum (it does not assume the content is stationary).
    k = len(density)
    stderr = math.sqrt(float((np.diff(density) ** 2).sum()) / (2 * (k - 1)) / k) if k > 1 else mean
    return Estimate(round(payload_bytes * mean), exact=False, relative_error=stderr / mean)


def sample_windows(
    fmt: FrameFormat,
    read_at: Callable[[int, int], bytes],
    start: int,
    end: int,
    windows: int = WINDOWS,
    width: int = WINDOW_BYTES,
    seed: int | None = None,
) -> Windows | None:
    """Count the frames starting in ``windows`` windows of ``width`` bytes spread over bytes
    ``start:end`` of a file, whose bytes ``read_at(offset, count)`` returns (``os.pread``: one small read
    per window costs a third of what touching as many pages of a fresh memory map does).

    Window k starts at a random point of the k-th of ``windows`` equal strata (seeded by ``seed``, by
    default the payload size, so a file always gives the same answer; fixed midpoints would alias with
    periodic content and the error bar would not show it). It resyncs at the first 0xFF that begins a
    frame followed by another (``fmt.read`` checks headers against the stream's fixed bits); then all
    windows hop over their frames together, one numpy step per frame (Python per frame would cost ~1 µs
    x 1,500 frames). Windows whose chain breaks (junk) or that find no frame are left out (None: all).
    """
    stride = (end - start) / windows
    jitter = np.random.default_rng(end - start if seed is None else seed).random(windows)
    offsets = [start + int((index + float(jitter[index])) * stride) for index in range(windows)]
    chunk_bytes = width + _MARGIN
    chunks = [read_at(offset, min(chunk_bytes, end - offset)) for offset in offsets]
    buf = b"".join(chunk.ljust(chunk_bytes, b"\0") for chunk in chunks)
    synced, limits, lows = [], [], []
    for index, chunk in enumerate(chunks):
        lo, hi = index * chunk_bytes, index * chunk_bytes + len(chunk)
        pos = lo
        while (pos := buf.find(b"\xff", pos, hi)) >= 0:
            frame = fmt.read(buf, pos)
            following = pos + frame[0] if frame is not None else hi
            if frame is not None and following <= hi and (following == hi or fmt.read(buf, following)):
                synced.append(pos)
                limits.append(hi)
                lows.append(lo)
                break
            pos += 1
    if not synced:
        return None
    first, limit, low_edge = (np.array(v, dtype=np.int64) for v in (synced, limits, lows))
    base = np.array(offsets, dtype=np.int64)[low_edge // chunk_bytes] - low_edge  # buffer -> file offset
    target = np.minimum(low_edge + width, end - base)  # frames starting before this are counted
    last = end - base  # where the file's last frame ends
    array = np.frombuffer(buf, dtype=np.uint8)
    pos, count = first.copy(), np.zeros_like(first)
    samples = np.zeros(len(first), dtype=np.float64)
    smallest, low, high = np.full_like(first, 1 << 30), np.full_like(first, 1 << 30), np.zeros_like(first)
    active = pos < target
    broken = np.zeros(len(first), dtype=bool)
    for step in range(_MAX_STEPS):
        if not active.any():
            break
        length, frame_samples, rate, ok = fmt.step(array, np.where(active, pos, first))
        ok &= active & (pos + length <= last)
        broken |= active & ~ok
        if step == 0:  # the bytes before the first header: the tail of a frame like this one
            samples += np.where(ok, frame_samples * (first - low_edge) / np.maximum(length, 1), 0.0)
        # frames are counted by the share of their bytes inside the window (no +-1 frame jitter)
        share = np.clip((target - pos) / np.maximum(length, 1), 0.0, 1.0)
        samples += np.where(ok, frame_samples * share, 0.0)
        pos += np.where(ok, length, 0)
        count += ok
        # an encoder's final flush frame is often tiny: no sign of silence
        smallest = np.where(ok & (pos != last), np.minimum(smallest, length), smallest)
        low, high = np.where(ok, np.minimum(low, rate), low), np.where(ok, np.maximum(high, rate), high)
        active &= ok & (pos < target)
    smallest[active] = 0  # still counting after _MAX_STEPS frames: tiny frames, as in digital silence
    check = ~broken & (pos != last) & (pos + fmt.header_bytes <= limit)
    if check.any():  # the header after each window's last frame must be there too
        ok = fmt.step(array, np.where(check, pos, first))[3]
        broken |= check & ~ok
    chosen = np.flatnonzero(~broken)
    if len(chosen) == 0:
        return None
    columns = (first + base, target - low_edge, samples, count, pos - first, smallest, low, high)
    return Windows(*(column[chosen] for column in columns))  # type: ignore[arg-type]


@dataclass(frozen=True)
class FrameFormat:
    """How to read one frame header in Python (``read``) and many at once in numpy (``step``: lengths,
    samples, bit rates and validity of the headers at an array of offsets)."""

    read: FrameReader
    step: Step
    header_bytes: int


@functools.lru_cache(maxsize=16)
def _mpeg_table(byte1: int, rate_bits: int) -> tuple[Ints, Ints, Ints, npt.NDArray[np.bool_]]:
    """Length, samples, bit rate and validity of an MPEG frame by its header byte 2 (byte 1 being fixed)."""
    table = np.zeros((4, 256), dtype=np.int64)
    for b2 in range(256):
        frame = parse_mpeg_header(0xFF, byte1, b2, 0)
        if frame is not None and b2 & 0x0C == rate_bits:
            table[:, b2] = (frame.length, frame.samples, frame.bitrate, 1)
    return table[0], table[1], table[2], table[3].astype(bool)


def mpeg_format(head: bytes) -> FrameFormat:
    """MPEG audio frames with the same version, layer, CRC flag and rate as the one ``head`` starts."""
    fixed1, fixed_rate = head[1], head[2] & 0x0C
    lengths, samples, rates, valid = _mpeg_table(fixed1, fixed_rate)
    frames = _mpeg_list(fixed1, fixed_rate)

    def read(buf: bytes, pos: int) -> tuple[int, int, int] | None:
        if pos + 4 > len(buf) or buf[pos] != 0xFF or buf[pos + 1] != fixed1:
            return None
        return frames[buf[pos + 2]]

    def step(buf: npt.NDArray[np.uint8], pos: Ints) -> tuple[Ints, Ints, Ints, npt.NDArray[np.bool_]]:
        b2 = buf[pos + 2]
        ok = (buf[pos] == 0xFF) & (buf[pos + 1] == fixed1) & valid[b2]
        return lengths[b2], samples[b2], rates[b2], ok

    return FrameFormat(read, step, 4)


@functools.lru_cache(maxsize=16)
def _mpeg_list(byte1: int, rate_bits: int) -> list[tuple[int, int, int] | None]:
    """:func:`_mpeg_table` as Python tuples (indexing a list is ~10x faster than a numpy array)."""
    lengths, samples, rates, valid = _mpeg_table(byte1, rate_bits)
    columns = zip(lengths.tolist(), samples.tolist(), rates.tolist(), valid.tolist(), strict=True)
    return [(n, k, r) if v else None for n, k, r, v in columns]


def adts_format(head: bytes) -> FrameFormat:
    """ADTS frames with the same profile, rate and channels as the one ``head`` starts (bit rate 0: ADTS
    headers have no bit-rate field)."""
    fixed1, fixed2, fixed3 = head[1], head[2], head[3] & 0xC0

    def read(buf: bytes, pos: int) -> tuple[int, int, int] | None:
        if pos + 7 > len(buf) or buf[pos] != 0xFF or buf[pos + 1] != fixed1 or buf[pos + 2] != fixed2:
            return None
        b3 = buf[pos + 3]
        length = ((b3 & 3) << 11) | (buf[pos + 4] << 3) | (buf[pos + 5] >> 5)
        if b3 & 0xC0 != fixed3 or length < 7:
            return None
        return length, 1024 * ((buf[pos + 6] & 3) + 1), 0

    def step(buf: npt.NDArray[np.uint8], pos: Ints) -> tuple[Ints, Ints, Ints, npt.NDArray[np.bool_]]:
        b3, b4, b5 = (buf[pos + i].astype(np.int64) for i in (3, 4, 5))
        length = ((b3 & 3) << 11) | (b4 << 3) | (b5 >> 5)
        ok = (buf[pos] == 0xFF) & (buf[pos + 1] == fixed1) & (buf[pos + 2] == fixed2)
        ok &= ((b3 & 0xC0) == fixed3) & (length >= 7)
        samples = 1024 * ((buf[pos + 6].astype(np.int64) & 3) + 1)
        return length, samples, np.zeros_like(length), ok

    return FrameFormat(read, step, 7)


def payload_end(data: bytes | mmap.mmap, size: int) -> int:
    """Where the frames end: before an ID3v1 tag and/or an APEv2 tag at the end of the file."""
    end = size
    if end >= 128 and bytes(data[end - 128 : end - 125]) == b"TAG":
        end -= 128
    if end >= 32 and bytes(data[end - 32 : end - 24]) == b"APETAGEX":
        tag_size = int.from_bytes(data[end - 20 : end - 16], "little")
        has_header = data[end - 9] & 0x80
        end = max(0, end - tag_size - (32 if has_header else 0))
    return end
