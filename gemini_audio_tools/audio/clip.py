"""Cut a time range out of a local audio file, sample-accurately, into a temporary FLAC file.

Decisions (and why):

* **FLAC output.** Lossless, so cutting never adds a second generation of lossy artefacts, and Gemini
  accepts ``audio/flac``. Cutting MP3/AAC without re-encoding could only cut at frame boundaries (26 ms
  and more), and LAME's encoder delay would shift every cut.
* **16 kHz mono by default.** Gemini downsamples every input to 16 kHz and merges channels (its token
  count, 32/s, is the same for any rate or channel count), so nothing the model hears is lost, while a
  clip of 44.1 kHz stereo shrinks about 6x: ~10 minutes of speech stays under the 20 MB inline-request
  limit instead of ~2. Pass ``sample_rate=None`` / ``mono=False`` to keep the original rate / channels.
* **Timeline.** Times are seconds from the first decoded sample, the same timeline as
  :func:`~.probe.probe_audio`'s duration and :func:`~.decode.decode_pcm`. Frame timestamps are taken
  relative to the stream's ``start_time`` (a LAME MP3 starts at 0.02506 s), otherwise cuts come early.
* **Streaming.** Frames go decoder -> resampler -> encoder one at a time; memory does not grow with the
  file. WAV/AIFF/FLAC/OGG seek near the start (their timestamps stay exact after a seek); MP3 and ADTS
  have no exact timestamps after a seek, so their packets before the range are demuxed and skipped
  without decoding, and decoding starts a second early so the decoder has its history.
* The temporary file is removed when the ``with`` block ends, also when it ends with an exception.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ..errors import CorruptAudioError
from ..timecode import resolve_seconds
from ._open import open_audio
from .decode import decode_packet
from .formats import mime_type_for
from .probe import AudioInfo, probe_audio

_PREROLL_SECONDS = 1.0
_SEEKABLE = frozenset({"wav", "aiff", "flac", "ogg"})


@dataclass(frozen=True)
class ClippedAudio:
    """A clip on disk. ``start_seconds``/``end_seconds`` are on the original file's timeline."""

    path: Path
    mime_type: str
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    size_bytes: int
    sample_rate: int
    channels: int


@contextmanager
def clip_range(
    path: Path | str,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = 16_000,
    mono: bool = True,
) -> Iterator[ClippedAudio]:
    """Write ``[start, end)`` of ``path`` (seconds, ``None`` = from the beginning / to the end) to a
    temporary FLAC file that exists only inside the ``with`` block.

    Raises:
        AudioFileNotFoundError, UnsupportedAudioError, CorruptAudioError: as :func:`~.probe.probe_audio`.
        InvalidTimeRangeError: the range is negative, empty, reversed or goes past the end (checked, with
            the same messages, by :func:`~gemini_audio_tools.timecode.resolve_seconds`).
        CorruptAudioError: the audio cannot be decoded inside the range.
    """
    path = Path(path)
    info = probe_audio(path)
    rng = resolve_seconds(start, end, info.duration_seconds)
    first, last = rng.start_seconds, rng.end_seconds
    fd, name = tempfile.mkstemp(prefix="gemini-audio-clip-", suffix=".flac")
    os.close(fd)
    out_path = Path(name)
    try:
        rate, channels, samples = _write_clip(path, info, first, last, out_path, sample_rate, mono)
        yield ClippedAudio(
            path=out_path,
            mime_type=mime_type_for("flac"),
            start_seconds=first,
            end_seconds=last,
            duration_seconds=samples / rate,
            size_bytes=out_path.stat().st_size,
            sample_rate=rate,
            channels=channels,
        )
    finally:
        out_path.unlink(missing_ok=True)


def clip_to_bytes(
    path: Path | str,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = 16_000,
    mono: bool = True,
) -> tuple[bytes, str]:
    """The FLAC bytes of ``[start, end)`` and their MIME type, for small inline requests.

    Same cut and output as :func:`clip_range`; the temporary file is gone when this returns.

    Raises:
        The same errors as :func:`clip_range`.
    """
    with clip_range(path, start, end, sample_rate=sample_rate, mono=mono) as clip:
        return clip.path.read_bytes(), clip.mime_type


def _write_clip(
    path: Path,
    info: AudioInfo,
    first: float,
    last: float,
    out_path: Path,
    sample_rate: int | None,
    mono: bool,
) -> tuple[int, int, int]:
    """Decode, trim and encode; returns (output rate, output channels, samples written)."""
    out_rate = sample_rate or info.sample_rate
    begin = max(0.0, first - _PREROLL_SECONDS)
    try:
        with open_audio(path) as source, av.open(str(out_path), "w", format="flac") as sink:
            stream = source.streams.audio[0]
            layout = "mono" if mono else stream.layout.name
            encoder = sink.add_stream("flac", rate=out_rate, layout=layout)
            pipe = _Pipeline(sink, encoder, layout, out_rate, round(first * out_rate), round(last * out_rate))
            base = (
                float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            )
            if info.format in _SEEKABLE and begin > 0 and stream.time_base:
                source.seek(int((begin + base) / stream.time_base), stream=stream, backward=True)
            for packet in source.demux(stream):
                # Skipping starts after the first packet: it carries the decoder's skip-samples side data.
                if begin > 0 and not pipe.started and packet.pts is not None and packet.time_base is not None:
                    packet_end = float((packet.pts + (packet.duration or 0)) * packet.time_base) - base
                    if packet_end < begin:
                        continue  # before the range: demuxed, not decoded
                for frame in decode_packet(packet) or ():
                    known = frame.pts is not None and frame.time_base is not None
                    when = float(frame.pts * frame.time_base) - base if known else 0.0  # type: ignore[operator]
                    pipe.feed(frame, when)
                if pipe.done:
                    break
            pipe.finish()
    except av.FFmpegError as exc:
        raise CorruptAudioError(
            f"'{path.name}' could not be decoded between the requested times ({exc})."
        ) from None
    if pipe.written == 0:
        raise CorruptAudioError(f"'{path.name}' has no decodable audio between the requested times.")
    return out_rate, 1 if mono else len(av.AudioLayout(layout).channels), pipe.written


class _Pipeline:
    """Decoded frames -> resampler -> the samples inside ``[first_out, last_out)`` -> FLAC encoder.

    Output sample positions are exact: before the first frame reaches the resampler, input samples are
    dropped up to an index whose time is a whole number of output samples, so the resampler runs in the
    same phase as one that started at the beginning of the file (which :func:`~.decode.decode_pcm` does).
    """

    def __init__(
        self,
        sink: av.container.OutputContainer,
        encoder: av.AudioStream,
        layout: str,
        rate: int,
        lo: int,
        hi: int,
    ) -> None:
        self.sink, self.encoder, self.layout, self.rate = sink, encoder, layout, rate
        self.first_out, self.last_out = lo, hi
        self.resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)
        self.in_pos: int | None = None  # input sample index of the next decoded sample
        self.cursor: int | None = None  # output sample index of the next resampled sample
        self.written = 0

    @property
    def started(self) -> bool:
        return self.in_pos is not None

    @property
    def done(self) -> bool:
        return self.cursor is not None and self.cursor >= self.last_out

    def feed(self, frame: av.AudioFrame, when: float) -> None:
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
        self.in_pos += frame.samples
        frame.pts = None
        for out in self.resampler.resample(frame):
            self._emit(out)

    def finish(self) -> None:
        if self.cursor is not None and not self.done:
            for out in self.resampler.resample(None):
                self._emit(out)
        for packet in self.encoder.encode(None):
            self.sink.mux(packet)

    def _emit(self, frame: av.AudioFrame) -> None:
        assert self.cursor is not None
        count = frame.samples
        lo, hi = max(self.first_out, self.cursor), min(self.last_out, self.cursor + count)
        if hi > lo:
            channels = len(frame.layout.channels)
            samples = np.asarray(frame.to_ndarray(), dtype=np.int16).reshape(-1)
            data = samples[(lo - self.cursor) * channels : (hi - self.cursor) * channels]
            piece = av.AudioFrame.from_ndarray(data.reshape(1, -1).copy(), format="s16", layout=self.layout)
            piece.sample_rate = self.rate
            piece.pts = None  # the encoder numbers samples itself
            for packet in self.encoder.encode(piece):
                self.sink.mux(packet)
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
