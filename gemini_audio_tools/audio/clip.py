"""Cut a time range out of a local audio file, sample-accurately, into a temporary FLAC file.

Decisions (and why):

* **FLAC output.** Lossless, so cutting never adds a second generation of lossy artefacts, and Gemini
  accepts ``audio/flac``. Cutting MP3/AAC without re-encoding could only cut at frame boundaries (26 ms
  and more), and LAME's encoder delay would shift every cut.
* **16 kHz mono by default.** Gemini downsamples every input to 16 kHz and merges channels (its token
  count, 32/s, is the same for any rate or channel count), so nothing the model hears is lost, while a
  clip of 44.1 kHz stereo shrinks about 6x: ~10 minutes of speech stays under the 20 MB inline-request
  limit instead of ~2. Pass ``sample_rate=None`` / ``mono=False`` to keep the original rate / channels.
* **Timeline and seeking.** Times are seconds from the first decoded sample, the same timeline as
  :func:`~.probe.probe_audio`'s duration and :func:`~.decode.decode_pcm`; the samples come from
  :class:`~.decode.RangeDecoder`, which seeks (or skips MP3/ADTS packets, from a seek-table entry of a long
  file: :mod:`._seek`) to just before the range and yields exactly the samples a whole-file decode has there.
* **Streaming.** Frames go decoder -> resampler -> encoder one at a time; memory does not grow with the
  file.
* The temporary file is removed when the ``with`` block ends, also when it ends with an exception.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import av

from ..errors import CorruptAudioError
from ..timecode import resolve_seconds
from ._feed import PacketFeed
from ._open import open_audio
from .decode import RangeDecoder
from .formats import mime_type_for
from .probe import AudioInfo, probe_audio


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
    first, last = rng.start, rng.end
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
    """Decode the range (seeking, see :class:`~.decode.RangeDecoder`) and encode it; returns (output rate,
    output channels, samples written)."""
    out_rate = sample_rate or info.sample_rate
    try:
        with (
            open_audio(path) as source,
            av.open(str(out_path), "w", format="flac") as sink,
            closing(PacketFeed(source, source.streams.audio[0], path=path)) as feed,
        ):
            stream = source.streams.audio[0]
            layout = "mono" if mono else stream.layout.name
            encoder = sink.add_stream("flac", rate=out_rate, layout=layout)
            decoder = RangeDecoder(
                source, stream, first, last, rate=out_rate, layout=layout, sample_format="s16", feed=feed
            )
            for samples in decoder:
                piece = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout=layout)
                piece.sample_rate = out_rate  # no pts: the encoder numbers samples itself
                for packet in encoder.encode(piece):
                    sink.mux(packet)
            for packet in encoder.encode(None):
                sink.mux(packet)
    except av.FFmpegError as exc:
        raise CorruptAudioError(
            f"'{path.name}' could not be decoded between the requested times ({exc})."
        ) from None
    if decoder.written == 0:
        raise CorruptAudioError(f"'{path.name}' has no decodable audio between the requested times.")
    return out_rate, 1 if mono else len(av.AudioLayout(layout).channels), decoder.written
