"""countTokens from the emulator's own decode: checked against counts known by construction, not against the
library's estimator (which would agree with itself whatever both got wrong)."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest
from google import genai
from google.genai import types

from gemini_audio_tools.emulator.token_count import audio_tokens, measure_audio, text_tokens

MODEL = "gemini-3.8-flash"


def _wav(path: Path, samples: int, rate: int, channels: int) -> Path:
    pcm = (np.arange(samples * channels) % 200 - 100).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def _count(client: genai.Client, data: bytes, mime_type: str) -> int | None:
    part = types.Part.from_bytes(data=data, mime_type=mime_type)
    return client.models.count_tokens(model=MODEL, contents=[part]).total_tokens


@pytest.mark.parametrize(
    ("samples", "rate", "tokens"),
    [
        (0, 16_000, 0),
        (1, 16_000, 1),
        (16_000 * 10, 16_000, 320),
        (44_100 * 3, 44_100, 96),
        (44_100 * 3 + 1, 44_100, 97),
    ],
)
def test_audio_tokens_are_32_per_second_rounded_up_exactly(samples: int, rate: int, tokens: int) -> None:
    assert audio_tokens(samples, rate) == tokens


def test_a_wav_of_a_known_sample_count_is_counted_from_its_samples(
    genai_client: genai.Client, tmp_path: Path
) -> None:
    """3 s and one sample of stereo: 96.0007 tokens, so 97 (a duration rounded to milliseconds says 96)."""
    wav = _wav(tmp_path / "odd.wav", 44_100 * 3 + 1, rate=44_100, channels=2)

    measured = measure_audio(wav.read_bytes())

    assert (measured.tokens, measured.seconds) == (97, (44_100 * 3 + 1) / 44_100)
    assert _count(genai_client, wav.read_bytes(), "audio/wav") == 97


def test_a_vbr_mp3_without_a_xing_header_is_counted_from_its_frames_not_its_lying_header(
    genai_client: genai.Client, vbr_mp3_without_xing: Path
) -> None:
    with av.open(str(vbr_mp3_without_xing)) as container:
        header_seconds = container.duration / av.time_base
        decoded = sum(frame.samples for frame in container.decode(audio=0))
    by_frames = -(-decoded * 32 // 44_100)

    counted = _count(genai_client, vbr_mp3_without_xing.read_bytes(), "audio/mp3")

    assert counted == by_frames == 194  # 231 MPEG frames of 1152 samples at 44.1 kHz: 6.03 s
    assert header_seconds < 4  # the bitrate guess the header gives (3.77 s) would say 121


def test_an_uploaded_file_is_counted_like_the_same_bytes_inline(
    genai_client: genai.Client, tmp_path: Path
) -> None:
    wav = _wav(tmp_path / "up.wav", 16_000 * 5 + 7, rate=16_000, channels=1)
    file = genai_client.files.upload(file=wav)

    assert genai_client.models.count_tokens(model=MODEL, contents=[file]).total_tokens == 161
    assert _count(genai_client, wav.read_bytes(), "audio/wav") == 161


def test_text_is_a_token_per_four_characters_rounded_up() -> None:
    assert [text_tokens(t) for t in ("", "a", "abcd", "abcde")] == [0, 1, 1, 2]
