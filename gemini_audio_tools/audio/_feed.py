"""Packets of one open audio file for the range decoder: seek to a range (WAV/AIFF/FLAC/OGG, and MP4/CAF
timed in whole samples), read forward to it (MP3/ADTS, whose timestamps are not exact after a seek), or
count its way to it (every other container: :mod:`._counted`), shared by the ranges of one file.

See :mod:`.decode` for why ranges are decoded this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av

from ._counted import CountedFeed
from ._open import FileChangedError, open_view
from ._packets import PREROLL_SECONDS as _PREROLL_SECONDS
from ._packets import FeedStart, decode_packet, frame_time
from ._seek import seek_table

__all__ = [
    "MOV_DEMUXER",
    "FeedStart",
    "PacketFeed",
    "decode_packet",
    "exact_ticks",
    "frame_time",
    "track_end",
]

MOV_DEMUXER = "mov,mp4,m4a,3gp,3g2,mj2"
_SEEKABLE = frozenset({"flac", "ogg"})  # FFmpeg demuxer names with exact timestamps
_SEEKABLE_PCM = frozenset({"wav", "aiff"})  # ... for PCM (their compressed codecs are counted)
_SEEKABLE_IF_EXACT = frozenset({MOV_DEMUXER, "caf"})  # ... when their time base is whole samples
_FORWARD = frozenset({"mp3", "aac"})  # exact timestamps, but not after a seek
_TABLED_CODECS = frozenset({"mp3", "aac"})  # codecs whose MP3/ADTS files can have a seek table
_PEEK_PACKETS = 16
_JUMP_GAIN_SECONDS = 3.0
"""A forward read jumps (opens the file at a seek-table entry) only past this much audio it would demux."""

if TYPE_CHECKING:
    from ._packets import Packet


def exact_ticks(stream: av.AudioStream) -> bool:
    """Whether every sample of ``stream`` falls on a whole tick of its time base (e.g. 1/44100 at 44.1 kHz),
    so its timestamps place samples exactly."""
    base, rate = stream.time_base, stream.sample_rate
    return bool(base and rate and base.numerator == 1 and base.denominator % rate == 0)


def track_end(container: Any, stream: av.AudioStream) -> float | None:
    """Where an MP4-family track ends after its edit list (seconds from its first sample): FFmpeg's decoder
    plays the AAC encoder's padding after it. None for other containers, or if unknown."""
    if container.format.name != MOV_DEMUXER or not stream.duration or not stream.time_base:
        return None
    return float(stream.duration * stream.time_base)


def _seekable(container: Any, stream: av.AudioStream) -> bool:
    fmt = container.format.name
    if fmt in _SEEKABLE_PCM:
        return bool(stream.codec.canonical_name.startswith("pcm_"))
    return fmt in _SEEKABLE or (fmt in _SEEKABLE_IF_EXACT and exact_ticks(stream))


def _ends_before(packet: Packet, tick: float) -> bool:
    """Whether ``packet`` ends before ``tick`` (stream ticks); the flush packet (no pts) never does."""
    return packet.pts is not None and packet.pts + (packet.duration or 0) < tick


@dataclass
class _Pass:
    """One forward read of an MP3/ADTS file: the whole file, or a view of it from a seek-table entry on.
    ``origin``: this container's raw time of the timeline's zero; ``reopen``: the same view opened again
    (a fresh decoder); ``stop``: as :attr:`FeedStart.stop`."""

    container: Any
    stream: av.AudioStream
    origin: float
    reopen: Callable[[], AbstractContextManager[Any]] | None
    stop: float | None = None
    live: Iterator[Packet] | None = None


class PacketFeed:
    """The packets of one open container's audio stream, for :class:`RangeDecoder`\\ s run one after
    another on it (by default each decoder has its own feed).

    Seekable formats seek for every range. MP3/ADTS are read forward only, so their ranges must come in
    order of their start: each continues demuxing where the one before stopped, and keeps the packets that
    the next range needs too (from a second before its ``next_start``; by default none). Every range after
    the first gets a fresh decoder from ``reopen`` (the same file opened again; FFmpeg's
    AAC decoder keeps state through a flush), so each decodes exactly as on a freshly opened file; without
    ``reopen`` the decoder is flushed (exact for MP3). ``demuxed`` counts the packets read from the file.

    Given the file's ``path``, a range more than :data:`_JUMP_GAIN_SECONDS` past where reading stands
    starts a new forward read at the last seek-table entry (:mod:`._seek`) a second or more before it
    instead of demuxing up to it; without a table (or if the view does not open as expected) reading goes
    on as before. ``jumps`` counts the reads started at a table entry.
    """

    def __init__(
        self,
        container: Any,
        stream: av.AudioStream,
        reopen: Callable[[], AbstractContextManager[Any]] | None = None,
        path: Path | None = None,
    ) -> None:
        self.container, self.stream, self.reopen, self.path = container, stream, reopen, path
        self.seekable = _seekable(container, stream) and bool(stream.time_base)
        self.stop = track_end(container, stream)
        self.counted: CountedFeed | None = None
        if not self.seekable and container.format.name not in _FORWARD:
            self.counted = CountedFeed(container, stream, reopen, self.stop)
        self.demuxed = 0
        self.jumps = 0
        self._used = False
        self._origin: float | None = None  # seekable: raw time of the first decoded sample, once found
        self._pass: _Pass | None = None  # forward only: the current read
        self._kept: list[Packet] = []  # forward only: demuxed packets the next range needs too
        self._keep_below = -math.inf  # forward only: the next range needs the packets ending from here on
        self._announced = -math.inf  # forward only: where the next range may begin, at the earliest
        self._reached = 0.0  # forward only: about where the current read stands (timeline seconds)
        self._spare = ExitStack()  # the reopened file whose decoder the current range uses
        self._views = ExitStack()  # the view the current read comes from

    def close(self) -> None:
        self._spare.close()
        self._views.close()
        if self.counted is not None:
            self.counted.close()

    def start(self, start: float, next_start: float | None = None, end: float | None = None) -> FeedStart:
        """Position the file for decoding a range from ``start`` seconds on the timeline (a second early);
        ``next_start``: where the range after this one starts (None: there is none); ``end``: where this
        range ends (None: the end), a hint for where reading will stand.

        Raises:
            ValueError: a forward-only feed is asked for a range starting before the ``next_start`` that
                the range before announced.
            av.FFmpegError: FFmpeg fails to seek, demux or reopen the file.
        """
        if self.counted is not None:
            return self.counted.start(start, next_start, end)
        if not self.seekable:
            return self._start_forward(start, next_start, end)
        stream = self.stream
        begin = max(0.0, start - _PREROLL_SECONDS)
        origin = self._first_frame_time() if begin > 0 else None
        skip_below = self._skip_point(stream, begin, origin)
        codec = stream.codec_context
        used = self._used or self._origin is not None  # by an earlier range, or to find the origin
        self._used = True
        if used and self.reopen is not None and not stream.codec.canonical_name.startswith("pcm_"):
            # AAC and Opus decoders keep state through a flush, and a seek to 0 skips an MP4's priming
            # packet: decode with a freshly opened file's decoder (and its packets, from the start)
            fresh = self._reopened()
            if begin == 0:
                return FeedStart(None, skip_below, self._demux(fresh), fresh.codec_context, self.stop)
            codec = fresh.codec_context
        if begin > 0:  # seeking flushes the decoder
            assert origin is not None and stream.time_base is not None
            self.container.seek(int((begin + origin) / stream.time_base), stream=stream, backward=True)
        elif used:
            self.container.seek(0)
        return FeedStart(origin, skip_below, self._demux(stream), codec, self.stop)

    def _start_forward(self, start: float, next_start: float | None, end: float | None) -> FeedStart:
        begin = max(0.0, start - _PREROLL_SECONDS)
        if begin < self._announced:
            raise ValueError("ranges of an MP3/ADTS file must come in order, each announced as next_start")
        jumped = self._jump(begin) if begin > 0 else None
        if jumped is not None:
            self._pass, self._kept = jumped, []
            codec = jumped.stream.codec_context
        elif self._pass is None:
            self._pass = _Pass(self.container, self.stream, _start_time(self.stream), self.reopen)
            codec = self.stream.codec_context
        else:
            codec = self._fresh_decoder(self._pass)
        read = self._pass
        # MP3/ADTS: their decoders start at the stream's start_time (after LAME's delay)
        origin = read.origin if begin > 0 else None
        skip_below = self._skip_point(read.stream, begin, origin)
        replay = [packet for packet in self._kept if not _ends_before(packet, skip_below)]
        later = None if next_start is None else max(0.0, next_start - _PREROLL_SECONDS)
        self._announced = math.inf if later is None else later
        self._keep_below = math.inf if later is None else self._skip_point(read.stream, later, read.origin)
        self._kept = [packet for packet in replay if not _ends_before(packet, self._keep_below)]
        self._reached = math.inf if end is None else max(self._reached, end)
        self._used = True
        return FeedStart(origin, skip_below, self._forward(read, replay), codec, read.stop)

    def _jump(self, begin: float) -> _Pass | None:
        """A new read from the last seek-table entry at or before ``begin`` (timeline seconds), if the file
        has a table and that entry lies well past where the current read stands; else None."""
        if self.path is None or self.stream.codec.canonical_name not in _TABLED_CODECS:
            return None
        fmt = self.container.format.name
        table = seek_table(self.path, fmt)
        if table is None:
            return None
        zero = _start_time(self.stream)  # the whole file's raw time of the timeline's zero
        index = table.entry_at_or_before((begin + zero) * table.sample_rate)
        if index is None:
            return None
        shift = int(table.samples[index]) / table.sample_rate  # raw time of the view's first packet
        if shift - zero < self._reached + _JUMP_GAIN_SECONDS:
            return None
        path, offset, key = self.path, int(table.offsets[index]), table.key
        views = ExitStack()
        try:
            view = views.enter_context(open_view(path, offset, fmt, key))
            stream = next((s for s in view.streams if s.type == "audio"), None)
            if stream is None or not _same_audio(stream, self.stream):
                views.close()
                return None
        except (OSError, FileChangedError, av.FFmpegError):
            views.close()
            return None
        self._views.close()
        self._views = views
        self.jumps += 1
        stop = None if table.length is None else table.length / table.sample_rate
        # reopened for a fresh decoder only (its packets are not used): no version check there
        return _Pass(view, stream, zero - shift, lambda: open_view(path, offset, fmt, None), stop)

    @staticmethod
    def _skip_point(stream: av.AudioStream, begin: float, origin: float | None) -> float:
        """The tick before which packets need not be decoded for a decode from ``begin`` (compared in
        ticks: integer compares keep skipping a long MP3 cheap)."""
        if begin <= 0 or origin is None or not stream.time_base:
            return -math.inf
        return (begin + origin) / float(stream.time_base)

    def _fresh_decoder(self, read: _Pass) -> av.AudioCodecContext:
        if read.reopen is None:
            self._spare.close()
            read.stream.codec_context.flush_buffers()
            return read.stream.codec_context
        return self._reopened(read.reopen, read.stream.index).codec_context

    def _reopened(
        self, reopen: Callable[[], AbstractContextManager[Any]] | None = None, index: int | None = None
    ) -> av.AudioStream:
        """The audio stream (by default this feed's) of the file opened again by ``reopen`` (by default the
        feed's); open until the next call or :meth:`close`."""
        self._spare.close()
        self._spare = ExitStack()
        opener = reopen or self.reopen
        assert opener is not None
        spare = self._spare.enter_context(opener())
        stream: av.AudioStream = spare.streams[self.stream.index if index is None else index]
        return stream

    def _demux(self, stream: av.AudioStream) -> Iterator[Packet]:
        container: Any = stream.container
        for packet in container.demux(stream):
            self.demuxed += 1
            yield packet

    def _forward(self, read: _Pass, replay: list[Packet]) -> Iterator[Packet]:
        """``replay`` (kept by the range before), then the rest of the read, keeping what the next range
        needs (before yielding: a range may stop at any packet)."""
        if read.live is None:
            read.live = read.container.demux(read.stream)
        yield from replay
        keep_below = self._keep_below
        for packet in read.live:  # the skipping loop of a long MP3: kept lean
            self.demuxed += 1
            if keep_below != math.inf and not _ends_before(packet, keep_below):
                self._kept.append(packet)
            yield packet

    def _first_frame_time(self) -> float:
        """The raw time of the first decoded sample (Vorbis's first packet decodes to nothing, so it can
        lie after the stream's start), found by decoding the first packets (before seeking)."""
        if self._origin is None:
            codec = None
            if self._used:  # a used decoder may not drop the encoder delay again (Opus does not)
                self.container.seek(0)
                if self.reopen is None:
                    self.stream.codec_context.flush_buffers()
                else:
                    codec = self._reopened().codec_context
            self._origin = 0.0
            for count, packet in enumerate(self.container.demux(self.stream)):
                frames = decode_packet(packet, codec)
                if frames:
                    stamp = frame_time(frames[0])
                    self._origin = 0.0 if stamp is None else stamp
                    break
                if count >= _PEEK_PACKETS:
                    break
        return self._origin


def _same_audio(view: av.AudioStream, whole: av.AudioStream) -> bool:
    """Whether a view's stream is the whole file's as FFmpeg sees it, timed from 0 (no header frame)."""
    mine, theirs = view.codec_context, whole.codec_context
    return (
        mine.name == theirs.name
        and mine.sample_rate == theirs.sample_rate
        and mine.channels == theirs.channels
        and view.start_time in (None, 0)
        and bool(view.time_base)
    )


def _start_time(stream: av.AudioStream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)
