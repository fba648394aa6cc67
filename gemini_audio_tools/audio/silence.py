"""Find pauses in decoded audio by frame energy: pure numpy, fast enough for hours of 16 kHz PCM.

Used to place chunk boundaries in pauses (:func:`~.chunks.plan_chunks`) and by the emulator to describe
audio. An absolute level in dBFS is used rather than a level relative to the loudest part, so a file of
pure silence is one long silence and a quiet recording is not mistaken for speech everywhere.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FRAME_SECONDS = 0.01  # 10 ms energy frames: fine enough to centre a cut, coarse enough to be fast


def find_silences(
    pcm: npt.NDArray[np.floating],
    sample_rate: int,
    min_silence: float = 0.3,
    threshold_db: float = -40.0,
) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of every stretch at least ``min_silence`` long whose 10 ms frames all have an
    RMS level below ``threshold_db`` dBFS (full scale = 1.0). Mono samples in [-1, 1] expected.

    Raises:
        ValueError: ``sample_rate`` is not positive or ``pcm`` is not one-dimensional.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    samples = np.asarray(pcm, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"pcm must be mono (one-dimensional), got shape {samples.shape}")
    hop = max(1, round(sample_rate * FRAME_SECONDS))
    count = -(-len(samples) // hop)
    if count == 0:
        return []
    full = len(samples) // hop
    frames = samples[: full * hop].reshape(full, hop)  # a view: no copy of hours of audio
    energy = np.empty(count, dtype=np.float64)
    energy[:full] = np.einsum("ij,ij->i", frames, frames) / hop
    if count > full:  # the last, shorter frame: average over the samples it has
        tail = samples[full * hop :].astype(np.float64)
        energy[full] = float(np.dot(tail, tail)) / len(tail)
    quiet = energy < 10 ** (threshold_db / 10)
    edges = np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    duration = len(samples) / sample_rate
    result = []
    for first, last in zip(starts, ends, strict=True):
        start, end = first * hop / sample_rate, min(last * hop / sample_rate, duration)
        if end - start >= min_silence - 1e-9:
            result.append((float(start), float(end)))
    return result
