"""audioTranscriptionConfig: read as the SDK sends it, refused as the API refuses, limited per request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.model_types import TranscriptionConfig
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.emulator.settings import EmulatorSettings
from gemini_audio_tools.emulator.transcription_config import read_config, transcription_request
from tests.fixtures.audio import MakeAudio

MODEL = "gemini-3.5-transcribe"


def request(config: dict[str, Any] | None, seconds: float = 10.0, model: str = MODEL) -> Any:
    generation = {} if config is None else {"audioTranscriptionConfig": config}
    return transcription_request(model, generation, 1, seconds, EmulatorSettings())


def test_the_sdks_snake_case_and_rests_camel_case_read_the_same() -> None:
    snake = {
        "language_codes": ["en-GB"],
        "custom_vocabulary": ["Zorbulax"],
        "word_timestamp": True,
        "diarization": True,
        "mode": "VERBATIM",
    }
    camel = {
        "languageCodes": ["en-GB"],
        "customVocabulary": ["Zorbulax"],
        "wordTimestamp": True,
        "diarization": True,
    }
    expected = TranscriptionConfig(("en-GB",), ("Zorbulax",), True, True, False)
    assert read_config(snake) == read_config(camel) == expected


def test_deprecated_fields_still_count() -> None:
    config = read_config(
        {"language_hints": {"language_codes": ["fr-FR"]}, "adaptation_phrases": ["Kwazimodo"]}
    )
    assert config.language_codes == ("fr-FR",) and config.vocabulary == ("Kwazimodo",)


def test_what_the_sdk_serialises_is_what_the_emulator_reads() -> None:
    sent = types.AudioTranscriptionConfig(
        language_codes=["en-US"], custom_vocabulary=["Zorbulax"], word_timestamp=True, mode="SMART"
    ).model_dump(exclude_none=True, mode="json")
    with pytest.raises(ApiError, match="SMART is incompatible with word_timestamp"):
        read_config(sent)
    assert read_config({**sent, "word_timestamp": False}).smart


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"mode": "FAST"}, "Invalid value at 'generation_config.audio_transcription_config.mode'"),
        ({"speakers": 2}, 'Unknown name "speakers"'),
        ({"diarization": "yes"}, "TYPE_BOOL"),
        ({"language_codes": "en-US"}, "expected a list of strings"),
        ({"language_codes": ["English"]}, "Invalid language code 'English'"),
        ({"mode": "SMART", "diarization": True}, "SMART is incompatible with diarization"),
        ({"custom_vocabulary": [f"term {i}" for i in range(1001)]}, "1001 phrases; at most 1000"),
    ],
)
def test_bad_configs_are_400_invalid_argument(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ApiError, match=message) as caught:
        request(config)
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")


def test_the_transcription_model_without_a_config_uses_the_defaults() -> None:
    assert request(None) == TranscriptionConfig()


def test_a_general_model_refuses_the_config_and_ignores_nothing() -> None:
    assert request(None, model="gemini-2.5-flash") is None
    with pytest.raises(ApiError, match=r"not supported by models/gemini-2\.5-flash.*gemini-3\.5-transcribe"):
        request({"diarization": True}, model="gemini-2.5-flash")


def test_no_audio_is_refused() -> None:
    with pytest.raises(ApiError, match="has no audio part"):
        transcription_request(MODEL, {}, 0, 0.0, EmulatorSettings())


def test_an_hour_is_the_limit_and_half_an_hour_with_diarization_or_word_timestamps() -> None:
    assert request(None, seconds=3600) is not None
    assert request({"word_timestamp": True}, seconds=1800) is not None
    with pytest.raises(
        ApiError, match=r"61\.0 minutes of audio; models/gemini-3\.5-transcribe accepts at most 60 "
    ):
        request(None, seconds=3660)
    for detailed in ({"word_timestamp": True}, {"diarization": True}):
        with pytest.raises(
            ApiError, match="at most 30 minutes per request with diarization or word timestamps"
        ):
            request(detailed, seconds=1801)


@pytest.fixture
def short_limits(make_emulator: Any) -> EmulatorServer:
    """A server whose transcription limits are 3 s (1 s detailed), so a short tone crosses them."""
    settings = EmulatorSettings(max_transcription_seconds=3.0, max_detailed_transcription_seconds=1.0)
    server: EmulatorServer = make_emulator(settings=settings)
    return server


def test_the_duration_limit_reaches_the_sdk_as_a_400_client_error(
    short_limits: EmulatorServer, make_audio: MakeAudio
) -> None:
    from tests.fixtures.emulator import client_for

    client = client_for(short_limits)
    tone: Path = make_audio("wav", 2.0)
    part = types.Part.from_bytes(data=tone.read_bytes(), mime_type="audio/wav")
    ok = client.models.generate_content(model=MODEL, contents=[part])
    assert ok.candidates
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model=MODEL,
            contents=[part],
            config=types.GenerateContentConfig(
                audio_transcription_config=types.AudioTranscriptionConfig(diarization=True)
            ),
        )
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "with diarization or word timestamps" in str(caught.value.message)


def test_a_general_model_given_the_config_answers_400_through_the_sdk(
    genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    part = types.Part.from_bytes(data=make_audio("wav", 1.0).read_bytes(), mime_type="audio/wav")
    config = types.GenerateContentConfig(
        audio_transcription_config=types.AudioTranscriptionConfig(word_timestamp=True)
    )
    with pytest.raises(errors.ClientError, match="audio_transcription_config is not supported"):
        genai_client.models.generate_content(model="gemini-2.5-flash", contents=[part, "Hi"], config=config)
