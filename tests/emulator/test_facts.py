import math

import numpy as np
import numpy.typing as npt
import pytest

from gemini_audio_tools.emulator.facts import FactsAccumulator, classify, measure

RATE = 16_000


def sine(freq: float, seconds: float, amplitude: float = 0.5) -> npt.NDArray[np.float32]:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


@pytest.mark.parametrize("freq", [110.0, 220.0, 440.0, 880.0])
def test_a_sine_has_its_frequency_as_pitch_and_dominant_frequency(freq: float) -> None:
    facts = measure(sine(freq, 2.0))
    assert facts.pitch_hz == pytest.approx(freq, abs=5)
    assert facts.dominant_frequency_hz == pytest.approx(freq, abs=5)


def test_a_tone_above_the_pitch_range_is_still_found_as_the_dominant_frequency() -> None:
    facts = measure(sine(3000.0, 1.0))
    assert facts.dominant_frequency_hz == pytest.approx(3000, abs=5)
    assert facts.character == "tonal"


def test_a_half_scale_sine_reads_minus_9_dbfs_rms_and_minus_6_dbfs_peak() -> None:
    facts = measure(sine(440.0, 1.0, amplitude=0.5))
    assert facts.rms_dbfs == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.05)
    assert facts.peak_dbfs == pytest.approx(-6.02, abs=0.05)
    assert facts.clipped_samples == 0


def test_digital_silence_has_no_sound_no_pitch_and_is_silent() -> None:
    facts = measure(silence(2.0))
    assert facts.sound_spans == ()
    assert facts.pitch_hz is None
    assert facts.character == "silent"
    assert facts.duration == pytest.approx(2.0)


def test_white_noise_is_noise_like_without_a_pitch() -> None:
    noise = (0.1 * np.random.default_rng(7).standard_normal(RATE * 2)).astype(np.float32)
    facts = measure(noise)
    assert facts.character == "noise-like"
    assert facts.pitch_hz is None
    assert facts.spectral_flatness is not None and facts.spectral_flatness > 0.4


def test_a_tone_between_silences_is_found_where_it_sounds_on_the_files_timeline() -> None:
    pcm = np.concatenate([silence(1.0), sine(440.0, 2.0), silence(1.5)])
    facts = measure(pcm, start=60.0)
    assert len(facts.sound_spans) == 1
    start, end = facts.sound_spans[0]
    assert start == pytest.approx(61.0, abs=0.05)
    assert end == pytest.approx(63.0, abs=0.05)
    assert facts.end == pytest.approx(64.5)


def test_clipped_samples_are_counted() -> None:
    clipped = np.clip(sine(440.0, 1.0, amplitude=1.5), -1.0, 1.0)
    facts = measure(clipped)
    assert facts.clipped_samples > RATE // 4
    assert facts.peak_dbfs == pytest.approx(0.0, abs=0.01)


def test_measuring_in_blocks_gives_the_same_facts_as_measuring_at_once() -> None:
    rng = np.random.default_rng(3)
    pcm = np.concatenate(
        [sine(300.0, 1.3), silence(0.7), (0.05 * rng.standard_normal(RATE)).astype(np.float32)]
    )
    whole = measure(pcm)
    acc = FactsAccumulator()
    for i in range(0, len(pcm), 7_777):
        acc.add(pcm[i : i + 7_777])
    blocks = acc.finish()
    assert blocks.duration == whole.duration
    assert blocks.rms_dbfs == pytest.approx(whole.rms_dbfs, abs=1e-6)
    assert blocks.pitch_hz == pytest.approx(whole.pitch_hz or 0, abs=0.5)
    assert len(blocks.sound_spans) == len(whole.sound_spans) == 2
    flat = [t for span in blocks.sound_spans for t in span]
    assert flat == pytest.approx([t for span in whole.sound_spans for t in span], abs=0.06)


def test_classify_calls_a_single_strong_peak_tonal_and_a_flat_spectrum_noise() -> None:
    assert classify(0.0, 0.9, has_sound=True) == "tonal"
    assert classify(0.5, 0.02, has_sound=True) == "noise-like"
    assert classify(0.05, 0.1, has_sound=True) == "mixed"
    assert classify(None, 0.0, has_sound=False) == "silent"
