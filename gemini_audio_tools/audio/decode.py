"""Decode any supported audio to mono float32 PCM at a fixed rate (16 kHz by default, what Gemini hears)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from ..errors import AudioFileNotFoundError, CorruptAudioError
from ._open import open_audio

PcmArray = npt.NDArray[np.float32]


def decode_packet(packet: av.Packet[av.AudioStream]) -> list[av.AudioFrame] | None:
    """The frames of one packet, or None if it is damaged: like FFmpeg's command line, a glitch in the
    middle of a file costs that packet only (probe skips such junk too), not the whole file."""
    try:
        frames: list[av.AudioFrame] = [frame for frame in packet.decode() if isinstance(frame, av.AudioFrame)]
        return frames
    except av.InvalidDataError:
        return None


def decode_pcm(
    source: Path | str | bytes,
    sample_rate: int = 16_000,
    start: float | None = None,
    end: float | None = None,
) -> PcmArray:
    """Decode ``source`` (a path or the file's bytes) to mono float32 samples in [-1, 1] at ``sample_rate``.

    ``start``/``end`` (seconds from the first decoded sample, the timeline of
    :func:`~.probe.probe_audio`) cut the result sample-accurately; decoding stops at ``end`` and samples
    before ``start`` are dropped as they come, so a short range of a long file stays cheap in memory.
    Channels are averaged (FFmpeg's downmix) and clipped to [-1, 1].

    Raises:
        AudioFileNotFoundError: ``source`` is a path with no file.
        CorruptAudioError: the bytes cannot be decoded as audio, or hold no audio stream.
    """
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    label = "The audio" if isinstance(source, bytes) else f"'{Path(source).name}'"
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    first = 0 if start is None else max(0, round(start * sample_rate))
    last = None if end is None else max(first, round(end * sample_rate))
    parts: list[PcmArray] = []
    position = 0  # output samples produced so far

    def keep(frame: av.AudioFrame) -> None:
        nonlocal position
        samples = np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)
        lo, hi = (
            max(first - position, 0),
            len(samples) if last is None else min(len(samples), last - position),
        )
        if hi > lo:
            parts.append(samples[lo:hi])
        position += len(samples)

    try:
        with av.open(opened) if isinstance(opened, io.BytesIO) else open_audio(Path(opened)) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise CorruptAudioError(f"{label} contains no audio stream.")
            damaged = 0
            for packet in container.demux(stream):
                frames = decode_packet(packet)
                damaged += frames is None
                for frame in frames or ():
                    for out in resampler.resample(frame):
                        keep(out)
                if last is not None and position >= last:
                    break
            else:
                for out in resampler.resample(None):
                    keep(out)
            if position == 0 and damaged:
                raise CorruptAudioError(f"{label} holds no decodable audio ({damaged} damaged packets).")
    except FileNotFoundError:
        raise AudioFileNotFoundError(f"No file at '{opened}'; check the path and the file name.") from None
    except av.FFmpegError as exc:
        raise CorruptAudioError(f"{label} could not be decoded ({exc.__class__.__name__}: {exc}).") from None
    pcm = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return np.clip(pcm, -1.0, 1.0, out=pcm) if len(pcm) else pcm
