"""Encode a time range of any audio FFmpeg reads into what is sent to Gemini, sample-accurately, into a
temporary file: compact MP3, 16 kHz mono FLAC, or FLAC at the source's rate and channels, as the wire
profile asks (:mod:`.profiles` says which, and when the file itself goes instead).

Decisions (and why):

* **16 kHz mono.** Gemini downsamples every input to 16 kHz and merges channels (its token count, 32/s, is
  the same for any rate or channel count), so nothing the model hears is lost. Mono is the channels' mean,
  the same mix :func:`~.decode.decode_pcm` uses (:func:`~.decode.mix_to_mono`).
* **Pass-through** (:func:`~.profiles.passes_through`): then the file itself is yielded; nothing is written.
* **Lossless cuts.** ``original`` keeps 24 bits for lossless sources with more than 16 (FLAC in s32).
* **Timeline and seeking.** Times are seconds from the first decoded sample, the timeline of
  :func:`~.probe.probe_audio`'s duration; the samples come from :class:`~.decode.RangeDecoder`, which
  seeks (or skips packets) to just before the range and yields exactly the samples a whole-file decode
  has there. MP3 output carries LAME's delay and padding in its Info header, so it decodes to exactly the
  samples written.
* **Streaming.** Frames go decoder -> resampler -> mixer -> encoder one at a time: memory does not grow
  with the range's length.
* The probe's facts are passed in, not read again (a long recording is cut into many chunks).
* The temporary file is removed when the ``with`` block ends, also when it ends with an exception.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import av
import numpy as np
import numpy.typing as npt

from ..errors import CorruptAudioError
from ..timecode import resolve_seconds
from ._feed import PacketFeed
from ._open import open_audio
from ._tracks import audio_streams
from .decode import RangeDecoder, mix_to_mono
from .formats import mime_type_for
from .probe import AudioInfo
from .profiles import PROFILES, SPEECH_RATE, Profile, compact_bit_rate, passes_through

_FLAC_MAX_CHANNELS: Final = 8


@dataclass(frozen=True)
class EncodedAudio:
    """A range on disk, ready to send. ``start_seconds``/``end_seconds`` are on the original file's
    timeline; ``passed_through`` means ``path`` is the original file itself (nothing was encoded, and it
    is not removed)."""

    path: Path
    mime_type: str
    format: str
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    size_bytes: int
    sample_rate: int
    channels: int
    passed_through: bool = False


@dataclass(frozen=True)
class _Target:
    """What to write: FFmpeg's encoder and muxer, the rate (None: the source's), mono or the source's
    channels, and a constant bit rate if any. Kept channels are written with 16 bits per sample, 24 when
    the source is lossless with more."""

    encoder: str
    muxer: str
    rate: int | None
    mono: bool
    bit_rate: int | None = None


@contextmanager
def encode_range(
    path: Path | str,
    info: AudioInfo,
    start: float | None,
    end: float | None,
    *,
    profile: Profile,
    track: int | None = None,
) -> Iterator[EncodedAudio]:
    """``[start, end)`` (seconds, ``None`` = from the beginning / to the end) of audio track ``track``
    (None: ``info.track``) of ``path``, encoded for ``profile`` into a temporary file that exists only
    inside the ``with`` block (or the file itself, when :func:`passes_through`). ``info`` is
    ``probe_audio(path, track)``'s result; it is not read again.

    Raises:
        InvalidTimeRangeError: the range is negative, empty, reversed or goes past the end (checked, with
            the same messages, by :func:`~gemini_audio_tools.timecode.resolve_seconds`).
        CorruptAudioError: the audio cannot be decoded inside the range.
        AudioFileNotFoundError: the file is gone.
        ValueError: ``profile`` is not one of :data:`PROFILES`, or ``track`` is not the track ``info``
            describes (a programming error).
    """
    path = Path(path)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    if track is not None and track != info.track:
        raise ValueError(f"info describes audio track {info.track}, not {track}: probe that track first")
    if passes_through(info, profile, start, end):
        yield _original(path, info)
        return
    rng = resolve_seconds(start, end, info.duration_seconds)
    with _encoded(path, info, rng.start, rng.end, _target(info, profile, rng.seconds)) as out:
        yield out


@contextmanager
def flac_range(
    path: Path | str,
    info: AudioInfo,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = SPEECH_RATE,
    mono: bool = True,
) -> Iterator[EncodedAudio]:
    """:func:`encode_range` to FLAC at ``sample_rate`` (None: the source's) and mono or the source's
    channels, never passed through (what :func:`~.clip.clip_range` writes).

    Raises:
        The same errors as :func:`encode_range`.
    """
    rng = resolve_seconds(start, end, info.duration_seconds)
    target = _Target("flac", "flac", sample_rate, mono)
    with _encoded(Path(path), info, rng.start, rng.end, target) as out:
        yield out


def _target(info: AudioInfo, profile: Profile, seconds: float) -> _Target:
    if profile == "compact":
        return _Target("libmp3lame", "mp3", SPEECH_RATE, True, compact_bit_rate(seconds))
    if profile == "flac":
        return _Target("flac", "flac", SPEECH_RATE, True)
    return _Target("flac", "flac", None, info.channels > _FLAC_MAX_CHANNELS)


def _original(path: Path, info: AudioInfo) -> EncodedAudio:
    return EncodedAudio(
        path=path,
        mime_type=info.mime_type,
        format=info.format,
        start_seconds=0.0,
        end_seconds=info.duration_seconds,
        duration_seconds=info.duration_seconds,
        size_bytes=info.size_bytes,
        sample_rate=info.sample_rate,
        channels=info.channels,
        passed_through=True,
    )


@contextmanager
def _encoded(
    path: Path, info: AudioInfo, first: float, last: float, target: _Target
) -> Iterator[EncodedAudio]:
    """Write ``[first, last)`` as ``target`` into a temporary file, removed when the block ends."""
    fd, name = tempfile.mkstemp(prefix="gemini-audio-clip-", suffix=f".{target.muxer}")
    os.close(fd)
    out_path = Path(name)
    try:
        rate, channels, samples = _write(path, info, first, last, out_path, target)
        yield EncodedAudio(
            path=out_path,
            mime_type=mime_type_for(target.muxer),
            format=target.muxer,
            start_seconds=first,
            end_seconds=last,
            duration_seconds=samples / rate,
            size_bytes=out_path.stat().st_size,
            sample_rate=rate,
            channels=channels,
        )
    finally:
        out_path.unlink(missing_ok=True)


def _write(
    path: Path, info: AudioInfo, first: float, last: float, out: Path, target: _Target
) -> tuple[int, int, int]:
    """Decode the range (seeking, see :class:`~.decode.RangeDecoder`), mix and encode it; returns (output
    rate, output channels, samples written).

    Raises:
        CorruptAudioError: FFmpeg fails inside the range, or the range holds no decodable audio.
    """
    rate = target.rate or info.sample_rate
    try:
        options = {"id3v2_version": "0"} if target.muxer == "mp3" else {}  # MP3: only LAME's Info header
        with open_audio(path) as source, av.open(str(out), "w", format=target.muxer, options=options) as sink:
            stream = audio_streams(source)[info.track]
            source_layout = stream.layout.name
            layout = "mono" if target.mono else source_layout
            encoder = sink.add_stream(target.encoder, rate=rate, layout=layout)
            if target.bit_rate:
                encoder.bit_rate = target.bit_rate
            fmt = "flt" if target.mono else _depth(stream)
            padding = _Padding()
            if fmt == "s32":
                encoder.codec_context.format = "s32"
            with closing(PacketFeed(source, stream, reopen=lambda: open_audio(path), path=path)) as feed:
                decoder = RangeDecoder(
                    source, stream, first, last, rate=rate, layout=source_layout, sample_format=fmt, feed=feed
                )
                count = len(stream.layout.channels)
                for samples in decoder:
                    piece = _mono_frame(mix_to_mono(samples, count), target) if target.mono else None
                    if piece is None:
                        piece = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format=fmt, layout=layout)
                    piece.sample_rate = rate  # no pts: the encoder numbers samples itself
                    padding.mux(sink, encoder.encode(piece))
            padding.mux(sink, encoder.encode(None))
    except av.FFmpegError as exc:
        raise CorruptAudioError(
            f"'{path.name}' could not be decoded between the requested times ({exc.__class__.__name__})."
        ) from None
    if decoder.written == 0:
        raise CorruptAudioError(f"'{path.name}' has no decodable audio between the requested times.")
    return rate, len(av.AudioLayout(layout).channels), decoder.written


class _Padding:
    """Muxes packets, each one's end padding (samples the decoder must drop) made the total so far.

    libmp3lame can mark the end padding on the last two packets (e.g. 42 and 576 samples); FFmpeg's MP3
    muxer writes only the last packet's into the LAME header, and the file would decode up to a frame too
    long. With running totals the last packet carries all of it.
    """

    def __init__(self) -> None:
        self.total = 0

    def mux(self, sink: av.container.OutputContainer, packets: list[av.Packet[av.AudioStream]]) -> None:
        for packet in packets:
            if packet.has_sidedata("skip_samples"):
                side = packet.get_sidedata("skip_samples")
                _start, end = struct.unpack_from("<II", bytes(side))
                if end:
                    self.total += end
                    memoryview(side)[4:8] = struct.pack("<I", self.total)
                    packet.set_sidedata(side)
            sink.mux(packet)


def _depth(stream: av.AudioStream) -> str:
    """The sample format kept channels are written in: 24-bit (in s32) for a lossless source decoded to
    more than 16 bits, else 16-bit."""
    return "s32" if stream.codec.lossless and stream.format.bytes > 2 else "s16"


def _mono_frame(pcm: npt.NDArray[np.float32], target: _Target) -> av.AudioFrame:
    """A mono frame for the encoder: float for MP3, 16-bit (rounded and clipped as FFmpeg converts) for
    FLAC."""
    if target.encoder == "libmp3lame":
        return av.AudioFrame.from_ndarray(
            np.clip(pcm, -1.0, 1.0).reshape(1, -1), format="fltp", layout="mono"
        )
    ints = np.clip(np.rint(pcm * 32768.0), -32768, 32767).astype(np.int16)
    return av.AudioFrame.from_ndarray(ints.reshape(1, -1), format="s16", layout="mono")
