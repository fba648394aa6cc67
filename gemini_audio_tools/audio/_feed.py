"""Packets of one open audio file for the range decoder: seek to a range (WAV/AIFF/FLAC/OGG) or read forward
to it (MP3/ADTS, whose timestamps are not exact after a seek), shared by the ranges of one file.

See :mod:`.decode` for why ranges are decoded this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import av

_PREROLL_SECONDS = 1.0
_SEEKABLE = frozenset({"wav", "aiff", "flac", "ogg"})  # FFmpeg demuxer names with exact timestamps
_PEEK_PACKETS = 16

if TYPE_CHECKING:
    Packet = av.Packet[av.AudioStream]


def decode_packet(packet: Packet, codec: av.AudioCodecContext | None = None) -> list[av.AudioFrame] | None:
    """The frames of one packet (decoded by ``codec``, by default its stream's), or None if it is damaged:
    like FFmpeg's command line, a glitch in the middle of a file costs that packet only (probe skips such
    junk too), not the whole file."""
    try:
        decoded = packet.decode() if codec is None else codec.decode(packet)
        return [frame for frame in decoded if isinstance(frame, av.AudioFrame)]
    except av.InvalidDataError:
        return None


def _ends_before(packet: Packet, tick: float) -> bool:
    """Whether ``packet`` ends before ``tick`` (stream ticks); the flush packet (no pts) never does."""
    return packet.pts is not None and packet.pts + (packet.duration or 0) < tick


@dataclass
class FeedStart:
    """Where a range's decoding starts: the raw time of the timeline's zero (None: the first decoded
    frame's), the tick before which packets need not be decoded, the packets, and the decoder for them."""

    origin: float | None
    skip_below: float
    packets: Iterator[Packet]
    codec: av.AudioCodecContext


class PacketFeed:
    """The packets of one open container's audio stream, for :class:`RangeDecoder`\\ s run one after
    another on it (by default each decoder has its own feed).

    Seekable formats seek for every range. MP3/ADTS are read forward only, so their ranges must come in
    order of their start: each continues demuxing where the one before stopped, and keeps the packets that
    the next range needs too (from a second before its ``next_start``; by default none). Every range after
    the first gets a fresh decoder from ``reopen`` (the same file opened again; FFmpeg's
    AAC decoder keeps state through a flush), so each decodes exactly as on a freshly opened file; without
    ``reopen`` the decoder is flushed (exact for MP3). ``demuxed`` counts the packets read from the file.
    """

    def __init__(
        self,
        container: Any,
        stream: av.AudioStream,
        reopen: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.container, self.stream, self.reopen = container, stream, reopen
        self.seekable = container.format.name in _SEEKABLE and bool(stream.time_base)
        self.demuxed = 0
        self._used = False
        self._origin: float | None = None  # seekable: raw time of the first decoded sample, once found
        self._live: Iterator[Packet] | None = None  # forward only: the one pass through the file
        self._kept: list[Packet] = []  # forward only: demuxed packets the next range needs too
        self._keep_below = -math.inf  # forward only: the next range needs the packets ending from here on
        self._spare = ExitStack()  # the reopened file whose decoder the current range uses

    def close(self) -> None:
        self._spare.close()

    def start(self, start: float, next_start: float | None = None) -> FeedStart:
        """Position the file for decoding a range from ``start`` seconds on the timeline (a second early);
        ``next_start``: where the range after this one starts (None: there is none).

        Raises:
            ValueError: a forward-only feed is asked for a range starting before the ``next_start`` that
                the range before announced.
            av.FFmpegError: FFmpeg fails to seek, demux or reopen the file.
        """
        stream = self.stream
        codec = stream.codec_context
        begin = max(0.0, start - _PREROLL_SECONDS)
        origin: float | None = None
        if begin > 0:
            # MP3/ADTS: their decoders start at the stream's start_time (after LAME's delay)
            origin = self._first_frame_time() if self.seekable else _start_time(stream)
        skip_below = self._skip_point(begin, origin)
        if self.seekable:  # seeking flushes the decoder
            if begin > 0:
                assert origin is not None and stream.time_base is not None
                self.container.seek(int((begin + origin) / stream.time_base), stream=stream, backward=True)
            elif self._used:
                self.container.seek(0)
            packets = self._demux()
        else:
            if skip_below < self._keep_below:
                raise ValueError(
                    "ranges of an MP3/ADTS file must come in order, each announced as next_start"
                )
            if self._used:
                codec = self._fresh_decoder()
            replay = [packet for packet in self._kept if not _ends_before(packet, skip_below)]
            later = None if next_start is None else max(0.0, next_start - _PREROLL_SECONDS)
            self._keep_below = math.inf if later is None else self._skip_point(later, _start_time(stream))
            self._kept = [packet for packet in replay if not _ends_before(packet, self._keep_below)]
            packets = self._forward(replay)
        self._used = True
        return FeedStart(origin, skip_below, packets, codec)

    def _skip_point(self, begin: float, origin: float | None) -> float:
        """The tick before which packets need not be decoded for a decode from ``begin`` (compared in
        ticks: integer compares keep skipping a long MP3 cheap)."""
        if begin <= 0 or origin is None or not self.stream.time_base:
            return -math.inf
        return (begin + origin) / float(self.stream.time_base)

    def _fresh_decoder(self) -> av.AudioCodecContext:
        self._spare.close()
        if self.reopen is None:
            self.stream.codec_context.flush_buffers()
            return self.stream.codec_context
        self._spare = ExitStack()
        spare = self._spare.enter_context(self.reopen())
        codec: av.AudioCodecContext = spare.streams[self.stream.index].codec_context
        return codec

    def _demux(self) -> Iterator[Packet]:
        for packet in self.container.demux(self.stream):
            self.demuxed += 1
            yield packet

    def _forward(self, replay: list[Packet]) -> Iterator[Packet]:
        """``replay`` (kept by the range before), then the rest of the one pass, keeping what the next
        range needs (before yielding: a range may stop at any packet)."""
        if self._live is None:
            self._live = self.container.demux(self.stream)
        yield from replay
        keep_below = self._keep_below
        for packet in self._live:  # the skipping loop of a long MP3: kept lean
            self.demuxed += 1
            if keep_below != math.inf and not _ends_before(packet, keep_below):
                self._kept.append(packet)
            yield packet

    def _first_frame_time(self) -> float:
        """The raw time of the first decoded sample (Vorbis's first packet decodes to nothing, so it can
        lie after the stream's start), found by decoding the first packets (before seeking)."""
        if self._origin is None:
            if self._used:
                self.container.seek(0)
            self._origin = 0.0
            for count, packet in enumerate(self.container.demux(self.stream)):
                frames = decode_packet(packet)
                if frames:
                    stamp = frame_time(frames[0])
                    self._origin = 0.0 if stamp is None else stamp
                    break
                if count >= _PEEK_PACKETS:
                    break
        return self._origin


def _start_time(stream: av.AudioStream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def frame_time(frame: av.AudioFrame) -> float | None:
    """The frame's timestamp in seconds, if it has one."""
    if frame.pts is None or frame.time_base is None:
        return None
    return float(frame.pts * frame.time_base)
