"""Decode any supported audio to mono float32 PCM at a fixed rate (16 kHz by default, what Gemini hears),
and the one seeking, sample-exact range decoder that :func:`decode_pcm`, :func:`decode_windows` and
:mod:`.encode` use.

Decisions (and why):

* **Timeline.** Times are seconds from the first decoded sample, the timeline of
  :func:`~.probe.probe_audio`'s duration. Frame timestamps are taken relative to that sample's timestamp,
  not to zero: a LAME MP3 starts at 0.02506 s (its ``start_time``), a Vorbis stream's first packet decodes
  to nothing; otherwise cuts come early.
* **Seeking.** WAV/AIFF/FLAC/OGG (and MP4/CAF timed in whole samples) seek near the start of a range
  (their timestamps stay exact after a seek); MP3 and ADTS have no exact timestamps after a seek, so
  their packets before the range are demuxed and skipped without decoding; a long one (with a seek
  table, :mod:`._seek`) is instead opened at the last table entry a second before the range, its
  timestamps shifted by the samples before that frame. Decoding starts a second early either way, so the
  decoder (MP3's bit reservoir) and the resampler have their history: a range comes out as the same
  samples as that slice of a whole-file decode, however long the file. Containers timed in milliseconds
  or 90 kHz ticks (Matroska/WebM, ASF, MPEG-TS, ...) are read forward with every packet's samples
  counted instead (:mod:`._counted`).
* **Several ranges of one file** (:func:`decode_windows`) share one open file, a
  :class:`~._feed.PacketFeed`: MP3 and ADTS are then read once, forward, instead of from the start for
  every range (skipping up to a range late in a 10 h MP3 takes seconds). Every range still starts with
  a reset decoder and its own resampler, so it comes out exactly as :func:`decode_pcm` decodes it alone.
* **Resampler phase.** Before the first frame reaches the resampler, input samples are dropped up to an
  index whose time is a whole number of output samples, so the resampler runs in the same phase as one
  that started at the beginning of the file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from ..errors import AudioFileNotFoundError, CorruptAudioError
from ._feed import PacketFeed
from ._open import open_audio
from ._packets import FeedStart, decode_packet, frame_time
from ._tracks import audio_streams, choose_track

PcmArray = npt.NDArray[np.float32]


class RangeDecoder:
    """The samples of ``[start, end)`` (seconds; ``end=None``: to the end) of ``container``'s audio stream,
    resampled to ``rate``/``layout``/``sample_format``, as 1-D interleaved arrays in timeline order.

    Iterate once. Afterwards ``written`` is the number of samples (per channel) produced, ``decoded`` the
    number of packets decoded (a range late in a long file needs only the ones near it) and ``damaged``
    the number of those that could not be decoded. Several ranges of one open file share a ``feed``
    (:class:`~._feed.PacketFeed`; by default each decoder has its own), iterated one after another, each
    saying where the next one starts (``next_start``).

    Raises (while iterating):
        av.FFmpegError: FFmpeg fails to seek, demux or resample (callers map this to CorruptAudioError).
        ValueError: as :meth:`PacketFeed.start` (ranges of an MP3/ADTS feed out of order or unannounced).
    """

    def __init__(
        self,
        container: Any,
        stream: av.AudioStream,
        start: float,
        end: float | None,
        *,
        rate: int,
        layout: str = "mono",
        sample_format: str = "flt",
        feed: PacketFeed | None = None,
        next_start: float | None = None,
    ) -> None:
        self.container, self.stream, self.start, self.end, self.rate = container, stream, start, end, rate
        self.feed = PacketFeed(container, stream) if feed is None else feed
        self.next_start = next_start
        self.first_out = round(start * rate)
        self.last_out = None if end is None else round(end * rate)
        self.resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        self.in_pos: int | None = None  # input sample index of the next decoded sample
        self.cursor: int | None = None  # output sample index of the next resampled sample
        self.in_limit: int | None = None  # input sample index where a whole-file decode ends, if known
        self.stop: float | None = None  # ... in seconds, as the feed says (reads from a seek-table entry)
        self.ended = False  # the input reached in_limit
        self.written = 0
        self.decoded = 0
        self.damaged = 0

    @property
    def done(self) -> bool:
        return self.cursor is not None and self.last_out is not None and self.cursor >= self.last_out

    def __iter__(self) -> Iterator[npt.NDArray[Any]]:
        begun = self.feed.start(self.start, self.next_start, self.end)
        if begun.clock is not None:
            yield from self._counted(begun)
            return
        origin, self.stop = begun.origin, begun.stop
        skip_below = begun.skip_below
        for packet in begun.packets:
            pts = packet.pts  # inlined _ends_before: this loop skips hours of MP3 packets
            if self.in_pos is None and pts is not None and pts + (packet.duration or 0) < skip_below:
                continue  # before the range: demuxed, not decoded
            frames = decode_packet(packet, begun.codec)
            self.decoded += 1
            self.damaged += frames is None
            for frame in frames or ():
                stamp = frame_time(frame)
                if origin is None:
                    origin = 0.0 if stamp is None else stamp
                yield from self._feed(frame, 0.0 if stamp is None else stamp - origin)
            if self.done:
                return
            if self.ended:
                break
        if self.cursor is not None:
            for out in self.resampler.resample(None):
                yield from self._keep(out)

    def _counted(self, begun: FeedStart) -> Iterator[npt.NDArray[Any]]:
        """As ``__iter__``, each packet's output placed to end where the feed's clock says it ends."""
        clock, self.stop = begun.clock, begun.stop
        assert clock is not None
        for packet in begun.packets:
            ends = clock.end
            if self.in_pos is None and ends <= clock.skip_below:
                continue  # before the range: counted, not decoded
            frames = decode_packet(packet, begun.codec)
            self.decoded += 1
            self.damaged += frames is None
            at = ends - sum(frame.samples for frame in frames or ())
            for frame in frames or ():
                yield from self._feed(frame, at / clock.rate)
                at += frame.samples
            if self.done:
                return
            if self.ended:
                break
        if self.cursor is not None:
            for out in self.resampler.resample(None):
                yield from self._keep(out)

    def _feed(self, frame: av.AudioFrame, when: float) -> Iterator[npt.NDArray[Any]]:
        in_rate = frame.sample_rate
        if self.in_pos is None:
            self.in_pos = round(when * in_rate)
        if self.cursor is None:
            skip = (-self.in_pos) % (in_rate // math.gcd(in_rate, self.rate))
            if skip >= frame.samples:
                self.in_pos += frame.samples
                return
            if skip:
                frame = _drop_head(frame, skip)
                self.in_pos += skip
            self.cursor = self.in_pos * self.rate // in_rate
        if self.stop is not None:
            if self.in_limit is None:
                self.in_limit = round(self.stop * in_rate)
            room = self.in_limit - self.in_pos
            if room < frame.samples:  # a view does not trim LAME's padding as the whole file does
                self.ended = True
                if room <= 0:
                    return
                frame = _keep_head(frame, room)
        self.in_pos += frame.samples
        frame.pts = None
        for out in self.resampler.resample(frame):
            yield from self._keep(out)

    def _keep(self, frame: av.AudioFrame) -> Iterator[npt.NDArray[Any]]:
        assert self.cursor is not None
        count = frame.samples
        lo = max(self.first_out, self.cursor)
        hi = self.cursor + count if self.last_out is None else min(self.last_out, self.cursor + count)
        if hi > lo:
            channels = len(frame.layout.channels)
            samples = frame.to_ndarray().reshape(-1)
            yield samples[(lo - self.cursor) * channels : (hi - self.cursor) * channels]
            self.written += hi - lo
        self.cursor += count


def _drop_head(frame: av.AudioFrame, skip: int) -> av.AudioFrame:
    """``frame`` without its first ``skip`` samples."""
    data = frame.to_ndarray()
    width = 1 if frame.format.is_planar else len(frame.layout.channels)
    head_cut = np.ascontiguousarray(data[:, skip * width :])
    rest = av.AudioFrame.from_ndarray(head_cut, format=frame.format.name, layout=frame.layout.name)  # type: ignore[arg-type]
    rest.sample_rate = frame.sample_rate
    return rest


def _keep_head(frame: av.AudioFrame, count: int) -> av.AudioFrame:
    """``frame``'s first ``count`` samples only."""
    data = frame.to_ndarray()
    width = 1 if frame.format.is_planar else len(frame.layout.channels)
    head = np.ascontiguousarray(data[:, : count * width])
    kept = av.AudioFrame.from_ndarray(head, format=frame.format.name, layout=frame.layout.name)  # type: ignore[arg-type]
    kept.sample_rate = frame.sample_rate
    return kept


def decode_pcm(
    source: Path | str | bytes,
    sample_rate: int = 16_000,
    start: float | None = None,
    end: float | None = None,
    *,
    track: int | None = None,
) -> PcmArray:
    """Decode audio track ``track`` (None: the default one, as :func:`~.probe.probe_audio` picks it) of
    ``source`` (a path or the file's bytes) to mono float32 samples in [-1, 1] at ``sample_rate``.

    ``start``/``end`` (seconds from the first decoded sample, the timeline of
    :func:`~.probe.probe_audio`) cut the result sample-accurately: the same samples as that slice of a
    whole-file decode. Decoding seeks (or skips packets) to a second before ``start`` and stops at ``end``,
    so a short range of a long file is cheap in time and memory. ``end`` past the audio means its end.
    Channels are mixed by :func:`mix_to_mono`, then clipped to [-1, 1].

    Raises:
        AudioFileNotFoundError: ``source`` is a path with no file.
        CorruptAudioError: the bytes cannot be decoded as audio, or hold no audio stream.
        InvalidArgumentError: there is no audio track ``track``.
    """
    return decode_windows(source, sample_rate, [(start, end)], track=track)[0]


def decode_windows(
    source: Path | str | bytes,
    sample_rate: int,
    ranges: Sequence[tuple[float | None, float | None]],
    *,
    track: int | None = None,
) -> list[PcmArray]:
    """:func:`decode_pcm` of each ``(start, end)`` in ``ranges``, from one open file: for every range, the
    same samples as ``decode_pcm(source, sample_rate, start, end)``, in the order of ``ranges`` (which may
    overlap, touch or come in any order).

    Why: MP3 and ADTS cannot seek exactly, so each :func:`decode_pcm` call demuxes from the file's start up
    to its range; here they are read once, forward, from range to range (seekable formats seek to each).

    Raises:
        AudioFileNotFoundError: ``source`` is a path with no file.
        CorruptAudioError: the bytes cannot be decoded as audio, hold no audio stream, or a range holds
            only damaged packets.
        InvalidArgumentError: there is no audio track ``track``.
    """
    if not ranges:
        return []
    label = "The audio" if isinstance(source, bytes) else f"'{Path(source).name}'"
    bounds = [_bounds(start, end) for start, end in ranges]
    pcms: list[PcmArray] = [np.zeros(0, dtype=np.float32)] * len(bounds)
    try:
        with _open(source) as container:
            streams = audio_streams(container)
            if not streams:
                raise CorruptAudioError(f"{label} contains no audio stream.")
            stream = streams[choose_track(streams, track, label)]
            order = sorted(range(len(bounds)), key=lambda i: bounds[i][0])
            path = None if isinstance(source, bytes) else Path(source)
            feed = PacketFeed(container, stream, reopen=lambda: _open(source), path=path)
            with closing(feed):
                for index, after in zip(order, [*order[1:], None], strict=True):
                    first, last = bounds[index]
                    then = None if after is None else bounds[after][0]
                    decoder = RangeDecoder(
                        container,
                        stream,
                        first,
                        last,
                        rate=sample_rate,
                        layout=stream.layout.name,
                        feed=feed,
                        next_start=then,
                    )
                    pcms[index] = _collect(decoder, label, len(stream.layout.channels))
    except FileNotFoundError:
        raise AudioFileNotFoundError(f"No file at '{source!s}'; check the path and the file name.") from None
    except av.FFmpegError as exc:
        raise CorruptAudioError(f"{label} could not be decoded ({exc.__class__.__name__}: {exc}).") from None
    return pcms


def _open(source: Path | str | bytes) -> AbstractContextManager[Any]:
    return av.open(io.BytesIO(source)) if isinstance(source, bytes) else open_audio(Path(source))


def _bounds(start: float | None, end: float | None) -> tuple[float, float | None]:
    first = 0.0 if start is None else max(0.0, start)
    return first, None if end is None else max(first, end)


def _collect(decoder: RangeDecoder, label: str, channels: int) -> PcmArray:
    """All of ``decoder``'s samples (``channels`` interleaved) as one mono float32 array, clipped to [-1, 1].

    Raises:
        CorruptAudioError: the range holds only damaged packets.
    """
    parts = [mix_to_mono(piece, channels) for piece in decoder]
    if decoder.written == 0 and decoder.damaged:
        raise CorruptAudioError(f"{label} holds no decodable audio ({decoder.damaged} damaged packets).")
    pcm = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return np.clip(pcm, -1.0, 1.0, out=pcm) if len(pcm) else pcm


def mix_to_mono(samples: npt.NDArray[Any], channels: int) -> PcmArray:
    """Interleaved float samples of ``channels`` channels as mono float32: the mean of the channels.

    The one mix for decoding and for every mono encoding: stereo becomes (L+R)/2 (FFmpeg's float downmix
    gives (L+R)/sqrt(2), 3 dB louder, and clips loud stereo; its 5.1 downmix weighs channels differently
    again). Not clipped.
    """
    pcm = np.asarray(samples, dtype=np.float32)
    if channels > 1:
        mixed: PcmArray = pcm.reshape(-1, channels).mean(axis=1, dtype=np.float32)
        return mixed
    return pcm
