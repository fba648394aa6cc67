"""Measured facts about audio: what the emulator's descriptions and answers are built from.

Pure numpy on 16 kHz mono float32 blocks, so hours of audio are measured block by block in bounded memory:
:class:`FactsAccumulator` keeps only per-frame numbers (a few bytes per 30 ms) and :meth:`~FactsAccumulator.
finish` turns them into :class:`AudioFacts`. Measured here: about 50 ms of CPU per minute of audio.

* Loudness: RMS and peak in dBFS (a full-scale sine reads -3 dBFS RMS), clipped samples (|x| >= 0.999).
* Activity: an energy detector on 30 ms frames (see :func:`activity_threshold`), gaps
  under 0.3 s bridged. This finds *sound*, not *speech*: whether sound is speech comes from a real voice
  activity detector (silero, see ``recognizer.detect_speech``) when it is installed.
* Pitch: per 60 ms frame, autocorrelation (50-1000 Hz) gives a fundamental where the frame is periodic; the
  median over periodic frames is the pitch. The strongest peak of the averaged spectrum is the dominant
  frequency (what a tone or hum is at).
* Character: how much of the power sits in one spectral peak ("tonal"), spectral flatness (geometric /
  arithmetic mean of the power spectrum: 0 = pure tone, about 0.56 = white noise: "noise-like"), else "mixed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..audio.decode import PcmArray

SAMPLE_RATE = 16_000
ENERGY_FRAME = 480  # 30 ms
SPECTRAL_FRAME = 960  # 60 ms: two energy frames, so both grids stay aligned across blocks
_FFT = 2 * SPECTRAL_FRAME  # zero-padded so the autocorrelation is not circular
_MIN_LAG, _MAX_LAG = SAMPLE_RATE // 1000, SAMPLE_RATE // 50  # 1000 Hz .. 50 Hz
_FLOOR_DB = -100.0
_LOWEST_LEVEL, _LEVELS = -100, 101  # frame levels -100 .. 0 dBFS in 1 dB steps
_WORK_SAMPLES = 500 * SPECTRAL_FRAME  # 30 s
CLIP_LEVEL = 0.999

Span = tuple[float, float]


@dataclass(frozen=True)
class AudioFacts:
    """Everything measured about one stretch of audio. Times are seconds on the file's timeline."""

    start: float
    duration: float
    rms_dbfs: float
    peak_dbfs: float
    clipped_samples: int
    sound_spans: tuple[Span, ...]
    """Where the energy detector heard sound (any sound: speech, tone, noise)."""
    pitch_hz: float | None
    """Median fundamental over periodic frames (a voice's or instrument's pitch); None if never periodic."""
    dominant_frequency_hz: float | None
    """Strongest peak of the averaged spectrum over sounding frames; None for silence."""
    spectral_flatness: float | None
    periodic_fraction: float
    """Share of sounding 60 ms frames that are clearly periodic (voiced speech, tones, sung notes)."""
    peak_concentration: float
    """Share of the averaged spectrum's power within ±3 bins (±50 Hz) of its peak: near 1 for a pure tone."""
    character: str
    """"silent", "tonal", "noise-like" or "mixed" (speech and music are usually mixed)."""

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def sound_seconds(self) -> float:
        return sum(b - a for a, b in self.sound_spans)


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 1e-10 else _FLOOR_DB


@dataclass
class FactsAccumulator:
    """Feed 16 kHz mono blocks in order with :meth:`add`; :meth:`finish` returns the facts."""

    start: float = 0.0
    _samples: int = 0
    _sum_squares: float = 0.0
    _peak: float = 0.0
    _clipped: int = 0
    _frame_db: list[npt.NDArray[np.float32]] = field(default_factory=list)
    _spec_db: list[npt.NDArray[np.float32]] = field(default_factory=list)
    _f0: list[npt.NDArray[np.float32]] = field(default_factory=list)
    _flatness: list[npt.NDArray[np.float32]] = field(default_factory=list)
    _spectrum_by_level: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((_LEVELS, SPECTRAL_FRAME // 2 + 1))
    )
    """Power spectra summed per 1 dB frame level: bounded memory however long the audio, and enough to average
    the frames above the activity threshold, which is only known at the end."""
    _carry: PcmArray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def add(self, pcm: PcmArray) -> None:
        """Measure the next block (any length; partial frames are carried to the next call)."""
        if len(pcm) == 0:
            return
        self._samples += len(pcm)
        for first in range(0, len(pcm), _WORK_SAMPLES):
            x = pcm[first : first + _WORK_SAMPLES].astype(np.float64)
            self._sum_squares += float(np.dot(x, x))
            magnitude = np.abs(x)
            self._peak = max(self._peak, float(magnitude.max()))
            self._clipped += int(np.count_nonzero(magnitude >= CLIP_LEVEL))
        buffered = np.concatenate([self._carry, pcm]) if len(self._carry) else pcm
        usable = len(buffered) // SPECTRAL_FRAME * SPECTRAL_FRAME
        self._carry = np.array(buffered[usable:], dtype=np.float32)
        # Work through at most ~30 s at a time: the FFT intermediates of a 10-minute block would take ~0.5 GB.
        for first in range(0, usable, _WORK_SAMPLES):
            self._measure_frames(buffered[first : min(usable, first + _WORK_SAMPLES)].astype(np.float64))

    def _measure_frames(self, x: npt.NDArray[np.float64]) -> None:
        power = np.mean(x.reshape(-1, ENERGY_FRAME) ** 2, axis=1)
        self._frame_db.append((10 * np.log10(np.maximum(power, 1e-10))).astype(np.float32))

        frames = x.reshape(-1, SPECTRAL_FRAME)
        frame_power = np.mean(frames**2, axis=1)
        self._spec_db.append((10 * np.log10(np.maximum(frame_power, 1e-10))).astype(np.float32))
        windowed = frames * np.hanning(SPECTRAL_FRAME)
        spectrum = np.abs(np.fft.rfft(windowed, axis=1)) ** 2
        levels = np.clip(np.round(self._spec_db[-1]).astype(np.int64) - _LOWEST_LEVEL, 0, _LEVELS - 1)
        order = np.argsort(levels, kind="stable")
        present, starts = np.unique(levels[order], return_index=True)
        self._spectrum_by_level[present] += np.add.reduceat(spectrum[order], starts, axis=0)
        band = spectrum[:, 2:]
        arithmetic = np.mean(band, axis=1)
        geometric = np.exp(np.mean(np.log(band + 1e-20), axis=1))
        self._flatness.append((geometric / np.maximum(arithmetic, 1e-20)).astype(np.float32))
        self._f0.append(_frame_f0(frames))

    def finish(self) -> AudioFacts:
        """The facts of everything added so far."""
        duration = self._samples / SAMPLE_RATE
        if len(self._carry):
            tail = self._carry.astype(np.float64)
            padded = np.zeros(-(-len(tail) // ENERGY_FRAME) * ENERGY_FRAME)
            padded[: len(tail)] = tail
            power = np.mean(padded.reshape(-1, ENERGY_FRAME) ** 2, axis=1)
            self._frame_db.append((10 * np.log10(np.maximum(power, 1e-10))).astype(np.float32))
        frame_db = np.concatenate(self._frame_db) if self._frame_db else np.zeros(0, np.float32)
        spans = sound_spans(frame_db, self.start, duration)
        threshold = activity_threshold(frame_db)
        spec_db = np.concatenate(self._spec_db) if self._spec_db else np.zeros(0, np.float32)
        sounding = spec_db > threshold
        pitch = dominant = flat = None
        periodic_fraction = concentration = 0.0
        if np.any(sounding):
            f0 = np.concatenate(self._f0)[sounding]
            periodic = f0[f0 > 0]
            periodic_fraction = len(periodic) / len(f0)
            pitch = float(np.median(periodic)) if len(periodic) else None
            flat = float(np.median(np.concatenate(self._flatness)[sounding]))
            above = np.arange(_LEVELS) + _LOWEST_LEVEL > threshold
            mean_spectrum = self._spectrum_by_level[above].sum(axis=0)
            dominant = _peak_frequency(mean_spectrum)
            concentration = _peak_concentration(mean_spectrum)
        return AudioFacts(
            start=self.start,
            duration=duration,
            rms_dbfs=_db(self._sum_squares / self._samples) if self._samples else _FLOOR_DB,
            peak_dbfs=20 * math.log10(self._peak) if self._peak > 1e-5 else _FLOOR_DB,
            clipped_samples=self._clipped,
            sound_spans=spans,
            pitch_hz=pitch,
            dominant_frequency_hz=dominant,
            spectral_flatness=flat,
            periodic_fraction=periodic_fraction,
            peak_concentration=concentration,
            character=classify(flat, concentration, bool(spans)),
        )


def measure(pcm: PcmArray, start: float = 0.0) -> AudioFacts:
    """Facts of one 16 kHz mono array (``start`` = its offset on the file's timeline)."""
    acc = FactsAccumulator(start=start)
    acc.add(pcm)
    return acc.finish()


def activity_threshold(frame_db: npt.NDArray[np.float32]) -> float:
    """Frames louder than this are sound: at least -55 dBFS and 12 dB over the noise floor (10th percentile),
    but never more than 20 dB under the loud frames (90th percentile): steady sound is not its own floor."""
    if len(frame_db) == 0:
        return -55.0
    floor, loud = np.percentile(frame_db, [10, 90])
    return max(-55.0, min(float(floor) + 12.0, float(loud) - 20.0))


def sound_spans(
    frame_db: npt.NDArray[np.float32],
    start: float,
    duration: float,
    bridge: float = 0.3,
    minimum: float = 0.1,
) -> tuple[Span, ...]:
    """Spans of sounding 30 ms frames; gaps under ``bridge`` are joined, spans under ``minimum`` dropped."""
    active = frame_db > activity_threshold(frame_db)
    if not np.any(active):
        return ()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    step = ENERGY_FRAME / SAMPLE_RATE
    raw = [
        (float(a) * step, min(float(b) * step, duration))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
    merged: list[list[float]] = []
    for a, b in raw:
        if merged and a - merged[-1][1] < bridge:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return tuple((start + a, start + b) for a, b in merged if b - a >= minimum)


def classify(flatness: float | None, peak_concentration: float, has_sound: bool) -> str:
    """Name the sound's character: "tonal" when one spectral peak holds most of the power, "noise-like" when
    the spectrum is flat, "mixed" otherwise (speech, music, most real sound), "silent" without sound."""
    if not has_sound or flatness is None:
        return "silent"
    if peak_concentration >= 0.5:
        return "tonal"
    if flatness >= 0.3:
        return "noise-like"
    return "mixed"


def _peak_concentration(power_spectrum: npt.NDArray[np.float64]) -> float:
    total = float(power_spectrum[1:].sum())
    if total <= 0:
        return 0.0
    k = int(np.argmax(power_spectrum[1:])) + 1
    return float(power_spectrum[max(1, k - 3) : k + 4].sum()) / total


def _frame_f0(frames: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """Per-frame fundamental (Hz) from the normalised autocorrelation; 0 where the frame is not periodic."""
    centered = frames - frames.mean(axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(centered, n=_FFT, axis=1)) ** 2
    ac = np.fft.irfft(power, n=_FFT, axis=1)[:, : _MAX_LAG + 2]
    energy = ac[:, :1]
    # Unbias: the autocorrelation of a finite frame shrinks linearly with the lag.
    lags = np.arange(ac.shape[1])
    ac = ac / np.maximum(energy, 1e-12) * (SPECTRAL_FRAME / (SPECTRAL_FRAME - lags))
    search = ac[:, _MIN_LAG : _MAX_LAG + 1]
    # The first lag whose correlation is within 10% of the best avoids octave-down errors on harmonics.
    best = search.max(axis=1, keepdims=True)
    first_good = np.argmax(search >= 0.9 * best, axis=1)
    # Walk to the local maximum after the first good lag.
    rows = np.arange(len(frames))
    idx = first_good
    for _ in range(8):
        nxt = np.minimum(idx + 1, search.shape[1] - 1)
        better = search[rows, nxt] > search[rows, idx]
        idx = np.where(better, nxt, idx)
    lag = idx + _MIN_LAG
    left = ac[rows, np.maximum(lag - 1, 0)]
    mid = ac[rows, lag]
    right = ac[rows, np.minimum(lag + 1, ac.shape[1] - 1)]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    refined = lag + np.clip(shift, -0.5, 0.5)
    # A maximum at the edge of the search range is a tone above 1000 Hz, not a pitch.
    periodic = (mid > 0.5) & (energy[:, 0] > 1e-8) & (idx > 0)
    return np.where(periodic, SAMPLE_RATE / refined, 0.0).astype(np.float32)


def _peak_frequency(power_spectrum: npt.NDArray[np.float64]) -> float | None:
    """Frequency of the strongest bin (DC excluded), refined by parabolic interpolation on log power."""
    if len(power_spectrum) < 4 or float(power_spectrum[1:].max()) <= 0:
        return None
    k = int(np.argmax(power_spectrum[1:])) + 1
    if 1 < k < len(power_spectrum) - 1:
        a, b, c = np.log(power_spectrum[k - 1 : k + 2] + 1e-20)
        denom = a - 2 * b + c
        k_refined = k + (0.5 * (a - c) / denom if denom != 0 else 0.0)
    else:
        k_refined = float(k)
    return float(k_refined * SAMPLE_RATE / SPECTRAL_FRAME)
