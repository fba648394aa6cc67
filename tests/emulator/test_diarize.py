"""Voices measured from PCM and clustered: clearly different voices apart, one voice together."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from gemini_audio_tools.emulator.analysis import TranscriptNeed, analyze
from gemini_audio_tools.emulator.diarize import (
    Diarization,
    VoiceStretch,
    cluster_voices,
    measure_voice,
    word_stretches,
)
from gemini_audio_tools.emulator.model import default_model
from gemini_audio_tools.emulator.recognizer import Segment, Word
from tests.emulator._voices import FEMALE, MALE, dialogue

SR = 16_000


def voiced(pitch_hz: float, seconds: float = 1.0, brightness: float = 1.0) -> npt.NDArray[np.float32]:
    """A buzz at ``pitch_hz`` with decaying harmonics (a crude vowel); ``brightness`` tilts the spectrum."""
    t = np.arange(int(seconds * SR)) / SR
    harmonics = [(brightness**k) / k * np.sin(2 * np.pi * pitch_hz * k * t) for k in range(1, 20)]
    signal = np.sum(harmonics, axis=0)
    return (0.3 * signal / np.abs(signal).max()).astype(np.float32)


@pytest.mark.parametrize("pitch", [110.0, 220.0])
def test_the_pitch_of_a_buzz_is_measured_within_a_semitone(pitch: float) -> None:
    octaves, mfcc = measure_voice(voiced(pitch))
    assert abs(2**octaves - pitch) < pitch * 0.06
    assert len(mfcc) == 12


def test_silence_has_no_pitch() -> None:
    octaves, _ = measure_voice(np.zeros(SR, dtype=np.float32))
    assert math.isnan(octaves)


def stretch(at: float, pitch_hz: float, brightness: float = 1.0) -> VoiceStretch:
    octaves, mfcc = measure_voice(voiced(pitch_hz, 1.0, brightness))
    return VoiceStretch(at, at + 1.0, octaves, mfcc)


def test_low_and_high_voices_in_turns_are_two_speakers_numbered_by_first_appearance() -> None:
    stretches = [stretch(i * 1.5, 110.0 if i % 2 else 220.0) for i in range(8)]
    assert cluster_voices(stretches) == [0, 1, 0, 1, 0, 1, 0, 1]


def test_one_voice_with_some_variation_is_one_speaker() -> None:
    stretches = [stretch(i * 1.5, 120.0 + 6 * (i % 3), 0.9 + 0.05 * (i % 2)) for i in range(8)]
    assert cluster_voices(stretches) == [0] * 8


def test_a_voice_heard_too_briefly_is_not_a_speaker_of_its_own() -> None:
    stretches = [stretch(i * 1.5, 110.0) for i in range(7)]
    brief = VoiceStretch(20.0, 20.3, *measure_voice(voiced(240.0, 0.3)))
    assert cluster_voices([*stretches, brief]) == [0] * 8


def test_stretches_are_cut_at_pauses_and_after_three_seconds() -> None:
    words = tuple(Word(a, a + 0.4, "w") for a in (0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5))
    cuts = word_stretches([Segment(0.0, 5.9, "...", words)])
    assert [(s[0].start, s[-1].end) for s in cuts] == [(0.0, 1.4), (2.0, 4.9), (5.0, 5.9)]


def test_a_word_takes_the_speaker_of_the_stretch_it_falls_in_or_the_nearest() -> None:
    stretches = [stretch(0.0, 110.0), stretch(2.0, 220.0), stretch(4.0, 110.0), stretch(6.0, 220.0)]
    voices = Diarization(stretches)
    assert voices.count == 2
    assert voices.speaker_of(Word(2.2, 2.5, "x")) == 1
    assert voices.speaker_of(Word(5.1, 5.2, "x")) == 0  # in the pause, nearer the stretch before
    assert voices.speaker_of(Word(9.0, 9.5, "x")) == 1


def test_an_espeak_dialogue_is_measured_as_two_voices_that_follow_the_turns() -> None:
    pytest.importorskip("faster_whisper")
    model = default_model()
    if model.recognizer() is None:
        pytest.skip("the emulator's recognizer is not installed")
    two = dialogue((MALE, FEMALE))

    analysis = analyze(two.path, need=TranscriptNeed.FULL, recognizer=model.recognizer, voices=True)

    voices = Diarization(list(analysis.voices))
    assert voices.count == 2
    for s in analysis.voices:
        word = Word(s.start, s.end, "x")
        assert voices.speaker_of(word) == two.speaker_at((s.start + s.end) / 2)
