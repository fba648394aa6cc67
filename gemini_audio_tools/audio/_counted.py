"""Packets of a stream whose timestamps cannot place samples exactly (Matroska/WebM and ASF time them in
milliseconds, MPEG-TS in 90 kHz ticks, AMR seeks by guessing), for the range decoder: read forward from the
file's start, each packet's place on the timeline counted (:mod:`._count`) instead of read from its
timestamp.

Packets before a range are read and counted, not decoded. Decoding starts a second early with a fresh
decoder, and each packet's output is placed so that it *ends* where the count says the packet ends: that
stays exact when a fresh decoder drops its codec's delay from its first output (Opus, AAC and MP3 in
Matroska do), and lets a range come out as the same samples as that slice of a whole-file decode.

Codecs whose packets cannot be counted without decoding (:attr:`~._count.PacketCounter.countable`) are
decoded from the file's start for every range, the timeline counted from the decoder's first sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

import av

from ._count import PacketCounter
from ._packets import PREROLL_SECONDS, FeedStart, SampleClock

if TYPE_CHECKING:
    from ._packets import Packet


class CountedFeed:
    """The packets of one open container's audio stream, counted, for range decoders run one after another
    (ranges in order of their start, as :class:`~._feed.PacketFeed` takes them from a forward-only file).

    Every range after the first gets a fresh decoder from ``reopen`` (the same file opened again; without
    it the decoder is flushed). ``stop``: where a whole-file decode ends on the timeline (seconds), if the
    packets go on past it (an MP4 edit list's end).
    """

    def __init__(
        self,
        container: Any,
        stream: av.AudioStream,
        reopen: Callable[[], AbstractContextManager[Any]] | None,
        stop: float | None,
    ) -> None:
        self.container, self.stream, self.reopen, self.stop = container, stream, reopen, stop
        self.counter = PacketCounter(stream)
        self.demuxed = 0
        self._live: Iterator[Packet] | None = None
        self._end = 0  # where the last demuxed packet ends on the timeline
        self._kept: list[tuple[Packet, int]] = []  # demuxed packets the next range needs too, with their ends
        self._keep_above: int | None = None  # the next range needs the packets ending after this sample
        self._announced = -math.inf  # where the next range may begin, at the earliest (seconds)
        self._used = False
        self._spare = ExitStack()  # the reopened file whose decoder the current range uses

    def close(self) -> None:
        self._spare.close()

    def start(self, start: float, next_start: float | None = None, end: float | None = None) -> FeedStart:
        """Position the feed for a range from ``start`` seconds (decoding from a second earlier);
        ``next_start``: where the range after this one starts (None: there is none).

        Raises:
            ValueError: a range starts before the ``next_start`` the range before announced.
            av.FFmpegError: FFmpeg fails to demux or reopen the file.
        """
        if not self.counter.countable:
            return self._from_the_top()
        begin = max(0.0, start - PREROLL_SECONDS)
        if begin < self._announced:
            raise ValueError("ranges of a counted stream must come in order, each announced as next_start")
        codec = self._fresh_decoder() if self._used else self.stream.codec_context
        self._used = True
        rate = self.counter.rate
        skip = self._sample(begin)
        replay = [(packet, ends) for packet, ends in self._kept if ends > skip]
        later = None if next_start is None else max(0.0, next_start - PREROLL_SECONDS)
        self._announced = math.inf if later is None else later
        self._keep_above = None if later is None else self._sample(later)
        keep = self._keep_above
        self._kept = [(packet, ends) for packet, ends in replay if keep is not None and ends > keep]
        clock = SampleClock(rate, skip)
        return FeedStart(None, -math.inf, self._packets(clock, replay), codec, self.stop, clock)

    def _sample(self, seconds: float) -> int:
        """The timeline sample at ``seconds``; -1 at 0, so that a range from the start decodes the first
        packets (which carry the encoder delay to drop) even when they add no samples."""
        return -1 if seconds <= 0 else round(seconds * self.counter.rate)

    def _packets(self, clock: SampleClock, replay: list[tuple[Packet, int]]) -> Iterator[Packet]:
        for packet, ends in replay:
            clock.end = ends
            yield packet
        if self._live is None:
            self._live = self.container.demux(self.stream)
        keep = self._keep_above
        for packet in self._live:
            self.demuxed += 1
            self._end += self.counter.samples(packet)
            if keep is not None and self._end > keep:
                self._kept.append((packet, self._end))
            clock.end = self._end
            yield packet

    def _from_the_top(self) -> FeedStart:
        """Every packet from the file's start, with a fresh decoder; the timeline starts at its first
        sample."""
        container, stream = self.container, self.stream
        if self._used:
            if self.reopen is None:
                container.seek(0)
                stream.codec_context.flush_buffers()
            else:
                self._spare.close()
                self._spare = ExitStack()
                container = self._spare.enter_context(self.reopen())
                stream = container.streams[self.stream.index]
        self._used = True
        return FeedStart(None, -math.inf, container.demux(stream), stream.codec_context, self.stop)

    def _fresh_decoder(self) -> av.AudioCodecContext:
        self._spare.close()
        if self.reopen is None:
            self.stream.codec_context.flush_buffers()
            return self.stream.codec_context
        self._spare = ExitStack()
        spare = self._spare.enter_context(self.reopen())
        codec: av.AudioCodecContext = spare.streams[self.stream.index].codec_context
        return codec
