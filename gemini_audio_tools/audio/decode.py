"""Decode any supported audio to mono float32 PCM at a fixed rate (16 kHz by default, what Gemini hears)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from ..errors import CorruptAudioError

PcmArray = npt.NDArray[np.float32]


def decode_pcm(
    source: Path | str | bytes,
    sample_rate: int = 16_000,
    start: float | None = None,
    end: float | None = None,
) -> PcmArray:
    """Decode ``source`` (a path or the file's bytes) to mono float32 samples in [-1, 1] at ``sample_rate``.

    ``start``/``end`` (seconds on the file's timeline) cut the result sample-accurately.

    Raises:
        CorruptAudioError: the bytes cannot be decoded as audio.
    """
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    parts: list[PcmArray] = []
    try:
        with av.open(opened) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise CorruptAudioError("The file contains no audio stream.")
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
            for out in resampler.resample(None):
                parts.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
    except av.FFmpegError as exc:
        raise CorruptAudioError(
            f"The audio could not be decoded ({exc.__class__.__name__}: {exc})."
        ) from None
    pcm = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    first = 0 if start is None else max(0, round(start * sample_rate))
    last = len(pcm) if end is None else min(len(pcm), round(end * sample_rate))
    return np.ascontiguousarray(pcm[first:last], dtype=np.float32)
