"""Telling voices apart for the native transcription model's diarization: measured voice features, clustered.

The emulator has no speaker-embedding network, so it does what can be done honestly with numpy: it measures
each *stretch* of recognized words (words without a pause of 0.25 s between them, at most 3 s long) and
groups stretches whose voices measure alike.

* Features: the median pitch of the stretch's periodic frames (log2 Hz; normalized autocorrelation on 40 ms
  frames, 60-400 Hz) and the mean MFCCs c1-c12 (26 mel bands, 25 ms frames) over its louder frames: what a
  voice's pitch and timbre are, averaged over enough sounds that the words said matter less.
* Clustering: duration-weighted k-means for k = 1, 2, ... 8 (the API's speaker limit), seeded by farthest
  points so it is deterministic; k grows while every pair of voices stays at least :data:`SEPARATION` apart
  and every voice holds at least 1.5 s and 5 % of the speech. Pitch is scaled so 0.15 octave is one unit and
  MFCCs so 12 is one unit: two voices need about half an octave of pitch between them (a man and a woman are
  about an octave apart) or a clear difference in timbre.

Limits, said plainly: voices of similar pitch and timbre come out as one speaker, and a change of speaker
without a pause inside a stretch is not split. Labels are numbered by first appearance.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio.decode import PcmArray
from .recognizer import Segment, Word

SAMPLE_RATE = 16_000
MAX_SPEAKERS = 8
SEPARATION = 3.5
"""Least distance between two voices' centres, in the scaled feature space (see the module docstring)."""
PITCH_UNIT_OCTAVES = 0.15
MFCC_UNIT = 12.0
MIN_VOICE_SECONDS = 1.5
MIN_VOICE_SHARE = 0.05
PAUSE_SECONDS = 0.25
MAX_STRETCH_SECONDS = 3.0

_WIN, _HOP, _NFFT, _BANDS = 400, 160, 512, 26
_PITCH_WIN = 640
_MIN_LAG, _MAX_LAG = SAMPLE_RATE // 400, SAMPLE_RATE // 60
FloatArray = npt.NDArray[np.float64]


def _mel_filterbank() -> FloatArray:
    def mel(hz: FloatArray) -> FloatArray:
        return 2595 * np.log10(1 + hz / 700)

    edges_mel = np.linspace(mel(np.array(80.0)), mel(np.array(7600.0)), _BANDS + 2)
    edges = np.floor((_NFFT + 1) * 700 * (10 ** (edges_mel / 2595) - 1) / SAMPLE_RATE).astype(int)
    bank = np.zeros((_BANDS, _NFFT // 2 + 1))
    for i in range(_BANDS):
        low, mid, high = edges[i], edges[i + 1], edges[i + 2]
        bank[i, low:mid] = (np.arange(low, mid) - low) / max(mid - low, 1)
        bank[i, mid:high] = (high - np.arange(mid, high)) / max(high - mid, 1)
    return bank


_MEL = _mel_filterbank()
_DCT = np.cos(np.pi / _BANDS * (np.arange(_BANDS)[None, :] + 0.5) * np.arange(13)[:, None])
_HANN = np.hanning(_WIN)


@dataclass(frozen=True)
class VoiceStretch:
    """Measured voice of one stretch of words (seconds, file timeline)."""

    start: float
    end: float
    pitch_octaves: float
    """log2 of the median pitch in Hz; NaN when no frame was periodic (whispered, noisy, very short)."""
    mfcc: tuple[float, ...]


def word_stretches(segments: list[Segment]) -> list[tuple[Word, ...]]:
    """Each segment's words cut at pauses of 0.25 s and at 3 s: the units whose voices are measured."""
    stretches: list[tuple[Word, ...]] = []
    for s in segments:
        current: list[Word] = []
        for w in s.words:
            if current and (
                w.start - current[-1].end > PAUSE_SECONDS or w.end - current[0].start > MAX_STRETCH_SECONDS
            ):
                stretches.append(tuple(current))
                current = []
            current.append(w)
        if current:
            stretches.append(tuple(current))
    return stretches


def _frames(x: PcmArray, size: int) -> FloatArray:
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    count = 1 + (len(x) - size) // _HOP
    index = np.arange(size)[None, :] + _HOP * np.arange(count)[:, None]
    framed: FloatArray = np.asarray(x, dtype=np.float64)[index]
    return framed


def measure_voice(pcm: PcmArray) -> tuple[float, tuple[float, ...]]:
    """(log2 median pitch or NaN, mean MFCC c1-c12) of 16 kHz mono ``pcm``."""
    spectra = np.abs(np.fft.rfft(_frames(pcm, _WIN) * _HANN, _NFFT)) ** 2
    level = 10 * np.log10(spectra.sum(axis=1) + 1e-12)
    loud = level > level.max() - 30
    mfcc = (np.log(spectra[loud] @ _MEL.T + 1e-10) @ _DCT.T)[:, 1:].mean(axis=0)
    frames = _frames(pcm, _PITCH_WIN)
    frames = frames - frames.mean(axis=1, keepdims=True)
    power = (frames**2).sum(axis=1)
    frames = frames[power > power.max() * 1e-3]
    spectrum = np.abs(np.fft.rfft(frames, 2 * _PITCH_WIN)) ** 2
    autocorrelation = np.fft.irfft(spectrum)[:, :_PITCH_WIN]
    autocorrelation /= np.maximum(autocorrelation[:, :1], 1e-12)
    lags = _MIN_LAG + np.argmax(autocorrelation[:, _MIN_LAG:_MAX_LAG], axis=1)
    periodic = autocorrelation[np.arange(len(lags)), lags] > 0.5
    pitch = float(np.median(np.log2(SAMPLE_RATE / lags[periodic]))) if periodic.any() else math.nan
    return pitch, tuple(float(v) for v in mfcc)


def measure_stretches(pcm: PcmArray, offset: float, segments: list[Segment]) -> list[VoiceStretch]:
    """The voice of every stretch of ``segments``' words; ``pcm`` starts at ``offset`` seconds."""
    measured = []
    for words in word_stretches(segments):
        first = max(0, int((words[0].start - offset) * SAMPLE_RATE))
        last = min(len(pcm), max(first + _PITCH_WIN, int((words[-1].end - offset) * SAMPLE_RATE)))
        if last - first < _WIN:
            continue
        pitch, mfcc = measure_voice(pcm[first:last])
        measured.append(VoiceStretch(words[0].start, words[-1].end, pitch, mfcc))
    return measured


def _kmeans(points: FloatArray, weights: FloatArray, k: int) -> tuple[npt.NDArray[np.intp], FloatArray]:
    centres = [points[int(np.argmax(weights))]]
    for _ in range(1, k):
        distance = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2), axis=1)
        centres.append(points[int(np.argmax(distance * weights))])
    centre = np.array(centres)
    labels = np.zeros(len(points), dtype=np.intp)
    for _ in range(50):
        labels = np.argmin(((points[:, None, :] - centre[None]) ** 2).sum(axis=2), axis=1)
        moved = np.array(
            [
                np.average(points[labels == j], axis=0, weights=weights[labels == j])
                if (labels == j).any()
                else centre[j]
                for j in range(k)
            ]
        )
        if np.allclose(moved, centre):
            break
        centre = moved
    return labels, centre


def _acceptable(labels: npt.NDArray[np.intp], centres: FloatArray, weights: FloatArray) -> bool:
    k = len(centres)
    total = float(weights.sum())
    for j in range(k):
        held = float(weights[labels == j].sum())
        if held < MIN_VOICE_SECONDS or held < MIN_VOICE_SHARE * total:
            return False
    gaps = [float(np.linalg.norm(centres[i] - centres[j])) for i in range(k) for j in range(i)]
    return min(gaps) >= SEPARATION


def cluster_voices(stretches: list[VoiceStretch]) -> list[int]:
    """A speaker number (0, 1, ... by first appearance) for every stretch (module docstring)."""
    if not stretches:
        return []
    pitch = np.array([s.pitch_octaves for s in stretches])
    known = ~np.isnan(pitch)
    pitch[~known] = float(np.median(pitch[known])) if known.any() else 0.0
    points = np.column_stack([pitch / PITCH_UNIT_OCTAVES, np.array([s.mfcc for s in stretches]) / MFCC_UNIT])
    weights = np.array([max(s.end - s.start, 0.05) for s in stretches])
    labels = np.zeros(len(stretches), dtype=np.intp)
    for k in range(2, min(MAX_SPEAKERS, len(stretches)) + 1):
        candidate, centres = _kmeans(points, weights, k)
        if not _acceptable(candidate, centres, weights):
            break
        labels = candidate
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return [order[int(label)] for label in labels]


class Diarization:
    """Speakers found in a recording's stretches, and which one said a given word."""

    def __init__(self, stretches: list[VoiceStretch]) -> None:
        self._stretches = sorted(stretches, key=lambda s: s.start)
        self._starts = [s.start for s in self._stretches]
        self._speakers = cluster_voices(self._stretches)

    @property
    def count(self) -> int:
        """How many voices were told apart (1 when there is nothing to tell apart)."""
        return max(self._speakers, default=0) + 1

    def speaker_of(self, word: Word) -> int:
        """The speaker (0-based) of the stretch holding ``word``'s middle, else of the nearest stretch."""
        if not self._stretches:
            return 0
        middle = (word.start + word.end) / 2
        at = bisect.bisect_right(self._starts, middle)
        nearby = [i for i in (at - 1, at) if 0 <= i < len(self._stretches)]
        best = min(
            nearby,
            key=lambda i: max(self._stretches[i].start - middle, middle - self._stretches[i].end, 0.0),
        )
        return self._speakers[best]
