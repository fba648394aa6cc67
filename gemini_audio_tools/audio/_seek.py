"""An exact, coarse seek table for long MP3 and ADTS AAC files, from the stretch walk of :mod:`._walk`.

FFmpeg cannot seek these formats exactly (timestamps after a seek are estimates from the bit rate), so the
range decoder used to demux and skip every packet from the file's start: ~0.11 ms per second of audio,
seconds for a range late in a long file. The walk that counts a long file's frames already knows, for every
64 KB stretch, the byte offset of its first frame and the samples of all frames before it: opening the file
*at* such a frame (:func:`~._open.open_view`) gives a stream whose timestamps, counted from 0, are off from
the whole file's by exactly those samples.

Samples here are on the whole-file demuxer's timeline: a LAME MP3's Info frame is not a packet (FFmpeg skips
it), so its samples are not counted; the decoder's trimming at the start (encoder delay + 529) is the
stream's ``start_time``, which the feed applies as for the whole file. FFmpeg also trims LAME's padding at
the end, which a view cannot know: :attr:`SeekTable.length` carries the whole decode's length for those.

Tables exist only where they are exact: a walk that proved its count (files over
:data:`~._walk.WALK_ABOVE_BYTES` with no junk between frames), and MP3s whose first frame FFmpeg treats as
we do. Anything else has no table, and ranges are decoded by skipping from the start as before.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import CorruptAudioError
from ._mpeg import (
    adts_frame_at,
    adts_framing,
    id3v2_end,
    mpeg_frame_at,
    mpeg_framing,
    payload_end,
    read_xing,
)
from ._mpeg_facts import _continues_after, _first_frame, mp3_facts
from ._open import FileKey, file_key
from ._walk import Ints, walk_frames

_CACHED_TABLES = 16


@dataclass(frozen=True)
class SeekTable:
    """Frames at which an MP3/ADTS file can be opened: ``offsets`` (bytes, ascending) and ``samples``, the
    samples (at ``sample_rate``) the whole file's demuxer times before each, i.e. that frame's packet
    timestamp. ``length``: the samples a whole-file decode gives when FFmpeg trims its end (LAME's
    padding), else None. ``key``: the file version it describes (:func:`~._open.file_key`)."""

    key: FileKey
    fmt: str
    sample_rate: int
    offsets: Ints
    samples: Ints
    length: int | None

    def entry_at_or_before(self, sample: float) -> int | None:
        """Index of the last entry whose ``samples`` are at most ``sample``, None if there is none."""
        index = int(np.searchsorted(self.samples, sample, side="right")) - 1
        return index if index >= 0 else None


def seek_table(path: Path, fmt: str) -> SeekTable | None:
    """The seek table of the MP3 (``fmt="mp3"``) or ADTS AAC (``"aac"``) file at ``path``, or None when it
    has none (short, junk between frames, an unusual first frame, unreadable). Cached per file version
    (path, size, modification time, inode): the long-audio path clips many ranges of one file.
    """
    try:
        key = file_key(path.stat())
    except OSError:
        return None
    return _table(str(path), key, fmt)


@lru_cache(maxsize=_CACHED_TABLES)
def _table(name: str, key: FileKey, fmt: str) -> SeekTable | None:
    try:
        with open(name, "rb") as handle:
            if file_key(os.fstat(handle.fileno())) != key or key[0] == 0:
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _build(data, key, fmt)
    except (OSError, ValueError, CorruptAudioError):
        return None


def _build(data: mmap.mmap, key: FileKey, fmt: str) -> SeekTable | None:
    size = len(data)
    label = "the file"
    if fmt == "mp3":
        start = _first_frame(data, size, id3v2_end(data), label, mpeg_frame_at)
        frame = mpeg_frame_at(data, start)
        assert frame is not None
        rate, framing = frame.sample_rate, mpeg_framing
        xing = read_xing(data, start, frame)
        skipped, length = 0, None
        if xing is not None:
            # FFmpeg skips a tag frame only when it states frames or bytes, trims both ends only with a
            # LAME tag; joined files (more frames after the declared end) are left to the old path.
            if not xing.frames or xing.encoder_delay is None:
                return None
            if _continues_after(data, start, size, xing.audio_bytes):
                return None
            skipped, length = frame.samples, mp3_facts(data, size, label).samples
    elif fmt == "aac":
        start = _first_frame(data, size, id3v2_end(data), label, adts_frame_at)
        adts = adts_frame_at(data, start)
        assert adts is not None
        rate, framing, skipped, length = adts.sample_rate, adts_framing, 0, None
    else:
        return None
    walk = walk_frames(data, start, payload_end(data, size), framing(bytes(data[start : start + 4])))
    if walk is None:
        return None
    keep = [
        index
        for index, offset in enumerate(walk.offsets.tolist())
        if index > 0 and (fmt != "mp3" or not _tag_frame(data, offset))
    ]
    offsets = walk.offsets[keep]
    samples = walk.samples_before[keep] - skipped
    return SeekTable(key, fmt, rate, offsets, samples, length)


def _tag_frame(data: mmap.mmap, offset: int) -> bool:
    """Whether the MP3 frame at ``offset`` carries a Xing/Info/VBRI tag (a joined file's first frame): a
    view starting there would be taken for a new file's header."""
    frame = mpeg_frame_at(data, offset)
    return frame is None or read_xing(data, offset, frame) is not None
