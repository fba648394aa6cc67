"""Where the VAD measured speech but Whisper wrote nothing, the recognizer is asked again (issue 14)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gemini_audio_tools.audio.decode import PcmArray, decode_pcm
from gemini_audio_tools.emulator.analysis import TranscriptNeed, analyze
from gemini_audio_tools.emulator.model import OfflineModel, default_model
from gemini_audio_tools.emulator.model_types import AudioInput, GenerationRequest
from gemini_audio_tools.emulator.recognizer import Decoding, Recognizer, Segment, Word
from gemini_audio_tools.emulator.rescue import LADDER, rescue, uncovered_speech
from gemini_audio_tools.emulator.transcription import UNRECOGNIZED
from tests.audio._clips import clip_range
from tests.fixtures.audio import LONG_SPEECH_TEXT, SpeechAudio, _cached, _key, _need_tool


def segment(*words: tuple[float, float, str]) -> Segment:
    parts = tuple(Word(a, b, t) for a, b, t in words)
    return Segment(parts[0].start, parts[-1].end, " ".join(w.text for w in parts), parts)


def test_speech_without_words_is_uncovered_and_short_gaps_are_not() -> None:
    words = segment((1.0, 1.5, "one"), (1.6, 2.0, "two"), (7.0, 7.5, "three"))
    assert uncovered_speech([(0.5, 8.0)], [words]) == [(2.3, 6.7)]
    assert uncovered_speech([(0.5, 8.0)], [words], min_seconds=5.0) == []
    assert uncovered_speech([(0.0, 3.0), (10.0, 14.0)], []) == [(0.0, 3.0), (10.0, 14.0)]


class ScriptedRecognizer(Recognizer):
    """Finds nothing until the ladder's ``succeed_at``-th attempt; records every decoding it was given."""

    def __init__(self, succeed_at: int | None) -> None:
        super().__init__(None, Path("."), True, "scripted")
        self.succeed_at = succeed_at
        self.decodings: list[Decoding] = []

    def transcribe(
        self, pcm: PcmArray, offset: float = 0.0, decoding: Decoding | None = None
    ) -> list[Segment]:
        self.decodings.append(decoding or Decoding())
        if self.succeed_at is None or len(self.decodings) - 1 < self.succeed_at:
            return []
        return [segment((offset + 0.5, offset + 1.0, "found"), (offset + 1.1, offset + 1.6, "it"))]


def test_the_ladder_is_climbed_until_words_come_and_keeps_the_requests_vocabulary() -> None:
    recognizer = ScriptedRecognizer(succeed_at=2)
    pcm = np.zeros(16_000 * 4, dtype=np.float32)
    base = Decoding(hotwords="Zorbulax")

    rescued = rescue(recognizer, pcm, 10.0, [(10.0, 13.5)], [], base)

    assert [s.text for s in rescued.segments] == ["found it"]
    assert rescued.unrecognized == []  # what is left (11.9-13.5 s) is shorter than a gap worth retrying
    first_retry, second_retry = recognizer.decodings[0], recognizer.decodings[1]
    assert first_retry.vad_filter is False and first_retry.no_speech_threshold is None
    assert second_retry.beam_size == LADDER[1].decoding.beam_size == 5
    assert all(d.hotwords == "Zorbulax" for d in recognizer.decodings)


def test_speech_no_attempt_can_read_is_reported_as_unrecognized() -> None:
    recognizer = ScriptedRecognizer(succeed_at=None)
    rescued = rescue(recognizer, np.zeros(16_000 * 5, dtype=np.float32), 0.0, [(0.5, 4.5)], [])

    assert rescued.segments == [] and rescued.unrecognized == [(0.5, 4.5)]
    assert len(recognizer.decodings) == len(LADDER)


def test_a_model_whose_recognizer_hears_nothing_says_so_instead_of_claiming_silence(
    speech_wav: SpeechAudio,
) -> None:
    model = OfflineModel(ScriptedRecognizer(succeed_at=None))
    data = speech_wav.path.read_bytes()

    def ask(prompt: str) -> str:
        request = GenerationRequest("gemini-2.5-flash", [AudioInput(data, "audio/wav")], prompt)
        return model.generate(request).text

    assert UNRECOGNIZED in ask("Transcribe this audio with timestamps.")
    assert "made out no words" in ask("Describe this audio.")
    assert "made out no words" in ask("Answer this question: what is being said?")


def _issue_14_clip(tmp_path: Path) -> Path:
    """30 s cut from the middle of an espeak-ng MP3 made by sox: Whisper's first pass hears no speech."""
    _need_tool("espeak-ng")
    _need_tool("sox")

    def build(out: Path) -> None:
        wav = tmp_path / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), " ".join([LONG_SPEECH_TEXT] * 4)], check=True)
        subprocess.run(["sox", str(wav), "-t", "mp3", str(out)], check=True)

    mp3 = _cached(f"issue14-{_key('issue14', LONG_SPEECH_TEXT)}.mp3", build)
    clip = tmp_path / "clip.flac"
    with clip_range(mp3, 60.0, 90.0) as cut:
        clip.write_bytes(cut.path.read_bytes())
    return clip


def test_thirty_seconds_of_clear_speech_cut_from_an_mp3_are_transcribed(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    recognizer = default_model().recognizer()
    if recognizer is None:
        pytest.skip("the emulator's recognizer is not installed")
    clip = _issue_14_clip(tmp_path)
    first_pass = recognizer.transcribe(decode_pcm(clip))
    assert first_pass == [], (
        "this recording no longer trips Whisper's no-speech skip: the test needs a new one"
    )

    analysis: Any = analyze(clip, need=TranscriptNeed.FULL, recognizer=lambda: recognizer)

    assert analysis.speech_seconds > 25
    words = " ".join(s.text for s in analysis.segments).lower()
    assert len(words.split()) > 40 and "holiday plans" in words
    assert analysis.unrecognized_speech == ()
