"""generateContent, streamGenerateContent, countTokens and model metadata through the real SDK."""

from __future__ import annotations

from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio

MODEL = "gemini-3.8-flash"


@pytest.fixture
def tone(make_audio: MakeAudio) -> Path:
    return make_audio("wav", 2.0)


def _inline(path: Path, mime_type: str = "audio/wav") -> types.Part:
    return types.Part.from_bytes(data=path.read_bytes(), mime_type=mime_type)


def _details(usage: types.GenerateContentResponseUsageMetadata | None) -> dict[str, int]:
    assert usage is not None and usage.prompt_tokens_details is not None
    return {
        str(d.modality.value if d.modality else None): d.token_count or 0 for d in usage.prompt_tokens_details
    }


def test_generate_with_inline_audio_reports_audio_tokens_at_32_per_second(
    genai_client: genai.Client, tone: Path
) -> None:
    response = genai_client.models.generate_content(
        model=MODEL, contents=[_inline(tone), "Describe this audio."]
    )

    assert response.text
    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.STOP
    usage = response.usage_metadata
    assert usage is not None
    assert _details(usage)["AUDIO"] == 64
    assert usage.prompt_token_count == 64 + _details(usage)["TEXT"]
    assert usage.total_token_count == (usage.prompt_token_count or 0) + (usage.candidates_token_count or 0)
    assert response.model_version == MODEL
    assert response.response_id


def test_generate_with_an_uploaded_file_uses_its_bytes(
    genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    stereo = make_audio("flac", 3.0, channels=2, rate=44100)
    file = genai_client.files.upload(file=stereo)

    response = genai_client.models.generate_content(model=MODEL, contents=[file, "How long is it?"])

    assert _details(response.usage_metadata)["AUDIO"] == 96  # channels merged: 3 s x 32
    assert "3.0" in (response.text or "")


def test_generate_accepts_a_system_instruction_and_json_output(
    genai_client: genai.Client, tone: Path
) -> None:
    config = types.GenerateContentConfig(
        system_instruction="You describe audio.",
        response_mime_type="application/json",
        response_schema={"type": "OBJECT", "properties": {"summary": {"type": "STRING"}}},
        temperature=0.0,
    )
    response = genai_client.models.generate_content(
        model=MODEL, contents=[_inline(tone), "Summarize."], config=config
    )

    assert response.parsed is not None or response.text


def test_max_output_tokens_cuts_the_answer_with_finish_reason_max_tokens(
    genai_client: genai.Client, tone: Path
) -> None:
    response = genai_client.models.generate_content(
        model=MODEL,
        contents=[_inline(tone), "Describe this audio in detail."],
        config=types.GenerateContentConfig(max_output_tokens=3),
    )

    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.usage_metadata and (response.usage_metadata.candidates_token_count or 0) <= 3


def test_max_output_tokens_above_the_models_limit_is_a_400(genai_client: genai.Client, tone: Path) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(
            model=MODEL,
            contents=[_inline(tone), "Hi"],
            config=types.GenerateContentConfig(max_output_tokens=10**6),
        )
    assert caught.value.code == 400


def test_stream_generate_yields_chunks_ending_with_the_finish_reason(
    genai_client: genai.Client, tone: Path
) -> None:
    chunks = list(
        genai_client.models.generate_content_stream(model=MODEL, contents=[_inline(tone), "Describe."])
    )

    assert chunks
    assert chunks[-1].candidates and chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert "".join(c.text or "" for c in chunks)


def test_count_tokens_counts_audio_and_text(genai_client: genai.Client, tone: Path) -> None:
    audio_only = genai_client.models.count_tokens(model=MODEL, contents=[_inline(tone)])
    with_text = genai_client.models.count_tokens(model=MODEL, contents=[_inline(tone), "Transcribe this."])

    assert audio_only.total_tokens == 64
    assert with_text.total_tokens is not None and with_text.total_tokens > 64


def test_count_tokens_of_an_uploaded_file_matches_its_duration(
    genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    file = genai_client.files.upload(file=make_audio("mp3", 10.0))

    result = genai_client.models.count_tokens(model=MODEL, contents=[file])

    assert result.total_tokens is not None and 320 <= result.total_tokens <= 322  # MP3 padding


def test_a_file_that_is_still_processing_cannot_be_used(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.settings.processing_seconds = 60
    file = genai_client.files.upload(file=tone)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[file, "Hi"])
    assert caught.value.code == 400
    assert caught.value.status == "FAILED_PRECONDITION"
    assert "is not in an ACTIVE state" in str(caught.value.message)


def test_a_failed_file_cannot_be_used(genai_client: genai.Client, text_as_mp3: Path) -> None:
    file = genai_client.files.upload(file=text_as_mp3)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.count_tokens(model=MODEL, contents=[file])
    assert caught.value.code == 400


def test_an_unknown_file_uri_is_403(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    part = types.Part.from_uri(file_uri=f"{emulator.base_url}/v1/files/gone123", mime_type="audio/wav")

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[part, "Hi"])
    assert caught.value.code == 403
    assert caught.value.status == "PERMISSION_DENIED"


def test_an_expired_file_is_refused_like_a_missing_one(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    emulator.state.clock.advance(49 * 3600)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[file, "Hi"])
    assert caught.value.code == 403


def test_an_inline_request_over_the_size_limit_is_a_400(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.settings.max_inline_request_bytes = 10_000

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[_inline(tone), "Hi"])
    assert caught.value.code == 400
    assert caught.value.message == "Request payload size exceeds the limit: 10000 bytes."


def test_the_inline_request_limit_is_100_mb_by_default(emulator: EmulatorServer) -> None:
    assert emulator.state.settings.max_inline_request_bytes == 100 * 1024 * 1024


def test_more_audio_than_one_request_may_carry_is_a_400(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.settings.max_audio_seconds_per_request = 3.0

    genai_client.models.count_tokens(model=MODEL, contents=[_inline(tone)])
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[_inline(tone), _inline(tone), "Hi"])
    assert caught.value.code == 400
    assert "hours of audio" in str(caught.value.message)


def test_an_unsupported_inline_mime_type_is_a_400(genai_client: genai.Client, tone: Path) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[_inline(tone, "video/mp4"), "Hi"])
    assert caught.value.code == 400
    assert caught.value.message == "Unsupported MIME type: video/mp4"


def test_undecodable_inline_audio_is_a_400(genai_client: genai.Client, text_as_mp3: Path) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[_inline(text_as_mp3, "audio/mp3"), "Hi"])
    assert caught.value.code == 400


async def test_the_async_client_generates_and_counts(
    async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    file = await async_genai_client.files.upload(file=tone)

    response = await async_genai_client.models.generate_content(model=MODEL, contents=[file, "Describe."])
    counted = await async_genai_client.models.count_tokens(model=MODEL, contents=[file])
    stream = [
        c
        async for c in await async_genai_client.models.generate_content_stream(
            model=MODEL, contents=[file, "Describe."]
        )
    ]

    assert response.text and counted.total_tokens == 64 and stream


async def test_the_async_client_raises_the_sdks_own_errors(
    async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        await async_genai_client.models.generate_content(
            model="gemini-2.0-flash", contents=[_inline(tone), "Hi"]
        )
    assert caught.value.code == 404
