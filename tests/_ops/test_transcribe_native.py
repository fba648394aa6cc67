"""transcribe_audio on the speech-to-text model (the default): words, speakers, languages, vocabulary, SMART,
and the options that cannot be honoured, through the real SDK on the emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools._ops.transcribe import transcribe_audio, transcribe_with
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import InvalidArgumentError, UnavailableModelError
from gemini_audio_tools.schemas import TranscribeAudioInput, TranscribeAudioOutput
from tests.emulator._voices import Dialogue, dialogue, spoken
from tests.fixtures.audio import SpeechAudio

pytest.importorskip("faster_whisper")


def norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


async def transcribe(run_ctx: RunContext, **args: object) -> TranscribeAudioOutput:
    return await transcribe_audio(TranscribeAudioInput.model_validate(args), run_ctx)


async def test_the_default_model_is_the_speech_to_text_model_with_languages_on_segments(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    out = await transcribe(run_ctx, audio=str(long_speech_wav.path))
    assert out.model == "gemini-3.5-transcribe"
    assert out.language == "en-US" and all(s.language == "en-US" for s in out.segments)
    assert "listening" in norm(out.text) and out.words is None
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1


async def test_word_times_of_a_range_are_the_words_of_the_whole_file_at_the_same_times(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    whole = await transcribe(run_ctx, audio=str(long_speech_wav.path), word_timestamps=True)
    part = await transcribe(
        run_ctx, audio=str(long_speech_wav.path), start="0:12", end="0:24", word_timestamps=True
    )
    assert whole.words and part.words
    assert all(12.0 <= w.start <= w.end <= 24.0 for w in part.words)
    matched = 0
    for word in part.words:
        twins = [
            w for w in whole.words if norm(w.word) == norm(word.word) and abs(w.start - word.start) < 0.5
        ]
        matched += bool(twins)
    assert matched >= 0.8 * len(part.words)  # the recognizer may hear a word at a cut differently


async def test_words_are_carried_in_json_and_as_webvtt_timestamp_tags(
    speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    js = await transcribe(run_ctx, audio=str(speech_wav.path), word_timestamps=True, format="json")
    items = json.loads(js.text)
    assert items and all(
        item["words"] and {"word", "start", "end"} <= set(item["words"][0]) for item in items
    )
    vtt = await transcribe(run_ctx, audio=str(speech_wav.path), word_timestamps=True, format="vtt")
    assert re.search(r"\n<00:00:0\d\.\d{3}>\w+ <00:00:0\d\.\d{3}>\w+", vtt.text)


async def test_two_voices_get_two_labels_that_follow_the_turns(run_ctx: RunContext) -> None:
    talk = dialogue()
    out = await transcribe(run_ctx, audio=str(talk.path), speakers=True, timestamps=True)
    assert {s.speaker for s in out.segments} == {"Speaker 1", "Speaker 2"}
    _assert_labels_follow_turns(talk, out)
    assert "Speaker 1:" in out.text and "Speaker 2:" in out.text


async def test_speaker_labels_stay_the_same_across_chunks(run_ctx: RunContext) -> None:
    talk = dialogue()
    limits = Limits(transcript_chunk_seconds=14.0, speaker_overlap_seconds=3.5)
    args = TranscribeAudioInput(audio=str(talk.path), speakers=True)
    out = await transcribe_with(args, run_ctx, limits)
    assert len(out.chunks) >= 2
    assert {s.speaker for s in out.segments} == {"Speaker 1", "Speaker 2"}
    _assert_labels_follow_turns(talk, out)


def _assert_labels_follow_turns(talk: Dialogue, out: TranscribeAudioOutput) -> None:
    names: dict[int, str] = {}
    for seg in out.segments:
        who = talk.speaker_at((seg.start + seg.end) / 2)
        assert names.setdefault(who, seg.speaker or "") == seg.speaker, (seg, names)


async def test_vocabulary_spells_a_made_up_name_right(run_ctx: RunContext) -> None:
    recording = spoken("Zorbulax will present the numbers on Friday.")
    out = await transcribe(run_ctx, audio=str(recording), vocabulary=["Zorbulax"])
    assert "Zorbulax" in out.text


async def test_languages_are_passed_to_the_model(speech_wav: SpeechAudio, run_ctx: RunContext) -> None:
    out = await transcribe(run_ctx, audio=str(speech_wav.path), languages=["en-GB"])
    assert out.language == "en-GB"


async def test_smart_mode_drops_fillers_that_verbatim_keeps(run_ctx: RunContext) -> None:
    recording = spoken("Um, so, uh, we will ship the release on Monday.")
    verbatim = await transcribe(run_ctx, audio=str(recording))
    smart = await transcribe(run_ctx, audio=str(recording), mode="smart")
    fillers = {"um", "umm", "uh", "uhh"}
    assert fillers & set(norm_words(verbatim.text))
    assert not fillers & set(norm_words(smart.text)) and "monday" in norm(smart.text)


def norm_words(text: str) -> list[str]:
    return [norm(w) for w in text.split()]


@pytest.mark.parametrize(
    "extra",
    [{"timestamps": True}, {"speakers": True}, {"word_timestamps": True}, {"format": "srt"}],
    ids=["timestamps", "speakers", "words", "srt"],
)
async def test_smart_mode_with_times_or_speakers_is_refused_before_anything_is_sent(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer, extra: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError, match=r"mode='smart'.*mode='verbatim'"):
        await transcribe(run_ctx, audio=str(speech_wav.path), mode="smart", **extra)
    assert emulator.state.faults.stats.requests["models.generateContent"] == 0


async def test_word_times_from_a_general_model_are_refused_with_what_to_do(
    speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"word_timestamps needs a speech-to-text model.*Omit model"
    ):
        await transcribe(run_ctx, audio=str(speech_wav.path), word_timestamps=True, model="gemini-3.8-flash")


async def test_a_retired_model_is_one_clear_error_naming_its_replacement(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    with pytest.raises(UnavailableModelError, match=r"gemini-2\.0-flash was shut down.*model='gemini-3"):
        await transcribe(run_ctx, audio=str(speech_wav.path), model="gemini-2.0-flash")
    assert emulator.state.faults.stats.requests["models.generateContent"] == 0


def test_vocabulary_and_free_text_are_bounded(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at most 1000 items"):
        TranscribeAudioInput(audio="a.mp3", vocabulary=["x"] * 1001)
    with pytest.raises(ValueError, match="at most 100 characters"):
        TranscribeAudioInput(audio="a.mp3", vocabulary=["x" * 101])
    with pytest.raises(ValueError, match="should match pattern"):
        TranscribeAudioInput(audio="a.mp3", languages=["not a language"])
