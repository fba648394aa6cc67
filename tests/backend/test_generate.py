from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from google.genai import types

from gemini_audio_tools.backend.cached_contents import create_cache
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.backend.generate import audio_part, count_tokens, fits_inline, generate
from gemini_audio_tools.backend.model_choice import choose_model
from gemini_audio_tools.backend.prompts import SYSTEM_INSTRUCTION
from gemini_audio_tools.backend.retry import Attempts
from gemini_audio_tools.backend.uploads import WireAudio
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    AuthenticationError,
    CachedContentNotFoundError,
    InvalidArgumentError,
    OperationTimeoutError,
    RateLimitedError,
    ServiceUnavailableError,
    UnavailableModelError,
)
from tests.fixtures.audio import MakeAudio

MODEL = choose_model(None, Settings(), "general")
BAD_KEY = "AIzaSyBAD-key-that-must-never-be-printed-123"


@pytest.fixture
def wav(make_audio: MakeAudio, tmp_path: Path) -> Path:
    target = tmp_path / "tone.wav"
    shutil.copy(make_audio("wav", 2.0), target)
    return target


async def inline(path: Path) -> types.Part:
    return types.Part.from_bytes(data=path.read_bytes(), mime_type="audio/wav")


def test_inline_is_chosen_by_the_base64_size_of_the_whole_request() -> None:
    assert fits_inline(74 * 1024 * 1024, "prompt")
    assert not fits_inline(75 * 1024 * 1024, "prompt")  # 100 MiB once base64 encoded


async def test_small_audio_goes_inline_and_large_audio_through_the_files_api(
    wav: Path, run_ctx: RunContext, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    small = await audio_part(backend, WireAudio(wav, "audio/wav"), prompt="p", ctx=run_ctx)
    assert small.part.inline_data is not None and small.upload is None
    big = make_audio("wav", 2500.0, kind="silence")  # 80 MB of 16 kHz mono PCM: 107 MB as base64
    large = await audio_part(backend, WireAudio(big, "audio/wav"), prompt="p", ctx=run_ctx)
    assert large.part.file_data is not None and large.upload is not None
    assert large.part.file_data.file_uri == large.upload.file.uri


async def test_generate_reports_usage_with_audio_tokens(wav: Path, run_ctx: RunContext) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    result = await generate(
        backend, "Describe this audio.", model=MODEL, audio=await inline(wav), action="describing tone.wav"
    )
    assert result.text
    assert result.usage.audio_tokens == 64  # 2 s x 32 tokens/s
    assert result.usage.prompt_tokens > result.usage.audio_tokens
    assert result.usage.total_tokens >= result.usage.prompt_tokens + result.usage.output_tokens


async def test_a_429_is_retried_and_then_succeeds(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(429, operation="models.generateContent", retry_after=0.01)
    attempts = Attempts()
    result = await generate(
        backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing", attempts=attempts
    )
    assert result.text and attempts.count == 2


async def test_a_rate_limit_asking_for_a_longer_wait_than_allowed_fails_at_once_saying_when(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(429, operation="models.generateContent", retry_after=7, times=None)
    with pytest.raises(RateLimitedError, match="Wait 7 seconds") as info:
        await generate(backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing")
    assert info.value.retry_after == 7
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1


async def test_rate_limits_that_outlast_the_retries_raise_rate_limited(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(429, operation="models.generateContent", times=None)
    with pytest.raises(RateLimitedError, match="rate limit"):
        await generate(backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing")
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1 + run_ctx.settings.max_retries


async def test_exhausted_5xx_retries_raise_service_unavailable(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(503, operation="models.generateContent", times=None)
    with pytest.raises(ServiceUnavailableError, match="try again later"):
        await generate(backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing")
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1 + run_ctx.settings.max_retries


async def test_a_4xx_is_not_retried(wav: Path, run_ctx: RunContext, emulator: EmulatorServer) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(
        400, operation="models.generateContent", message="Request contains an invalid argument."
    )
    with pytest.raises(InvalidArgumentError, match="invalid argument"):
        await generate(backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing")
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1


async def test_a_rejected_key_is_an_authentication_error_that_never_shows_the_key(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.settings.invalid_api_keys = frozenset({BAD_KEY})
    backend = Backend.from_settings(run_ctx.settings.with_(api_key=BAD_KEY))
    with pytest.raises(AuthenticationError) as info:
        await generate(backend, "Describe.", model=MODEL, audio=await inline(wav), action="describing")
    assert BAD_KEY not in str(info.value) and "GEMINI_API_KEY" in str(info.value)
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1


async def test_no_key_at_all_is_an_authentication_error(run_ctx: RunContext) -> None:
    with pytest.raises(AuthenticationError, match="GEMINI_API_KEY"):
        Backend.from_settings(run_ctx.settings.with_(api_key=None))


async def test_a_model_the_api_does_not_serve_is_one_clear_error_naming_a_current_model(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    typo = choose_model("gemini-3.8-flsh", run_ctx.settings, "general")
    with pytest.raises(
        UnavailableModelError, match=r"'gemini-3.8-flsh' \(did you mean 'gemini-3.8-flash'\?\)"
    ):
        await generate(backend, "Describe.", model=typo, audio=await inline(wav), action="describing")
    with pytest.raises(UnavailableModelError, match="GEMINI_AUDIO_MODEL"):
        await count_tokens(backend, [await inline(wav)], model=typo, action="counting")
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1  # not retried


def test_a_retired_model_is_refused_before_anything_is_sent(run_ctx: RunContext) -> None:
    with pytest.raises(UnavailableModelError, match=r"gemini-2.0-flash was shut down on 2026-06-01.*"):
        choose_model("gemini-2.0-flash", run_ctx.settings, "general")


async def test_a_deprecated_model_answers_as_its_successor_and_says_so(
    wav: Path, run_ctx: RunContext
) -> None:
    routed = choose_model("gemini-3.7-flash", run_ctx.settings, "general")
    result = await generate(
        Backend.from_settings(run_ctx.settings), "Hi", model=routed, audio=await inline(wav), action="x"
    )
    assert routed.answered_by(result.model_version) == "gemini-3.8-flash"
    (note,) = routed.notes(result.model_version)
    assert "gemini-3.7-flash is deprecated: the API answered with gemini-3.8-flash" in note


async def test_the_default_alias_is_answered_by_the_current_flash_without_a_note(
    wav: Path, run_ctx: RunContext
) -> None:
    default = choose_model(None, run_ctx.settings.with_(model=None), "general")
    result = await generate(
        Backend.from_settings(run_ctx.settings), "Hi", model=default, audio=await inline(wav), action="x"
    )
    assert default.id == "gemini-flash-latest" and default.notes(result.model_version) == []
    assert default.answered_by(result.model_version) == "gemini-3.8-flash"


async def test_count_tokens_counts_32_tokens_per_second_of_audio(wav: Path, run_ctx: RunContext) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    assert await count_tokens(backend, [await inline(wav)], model=MODEL, action="counting") == 64


async def test_a_request_slower_than_the_timeout_fails_with_a_timeout_error(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    settings = run_ctx.settings.with_(request_timeout_seconds=0.2, max_retries=1)
    emulator.state.faults.latency(1.0, operation="models.generateContent", times=None)
    with pytest.raises(OperationTimeoutError, match="Timed out while describing"):
        await generate(
            Backend.from_settings(settings),
            "Describe.",
            model=MODEL,
            audio=await inline(wav),
            action="describing",
        )
    assert emulator.state.faults.stats.requests["models.generateContent"] == 2


async def test_a_request_on_a_cache_reports_the_cached_tokens_and_sends_no_system_instruction(
    make_audio: MakeAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    model = choose_model("gemini-3-flash-preview", run_ctx.settings, "general")
    audio = await inline(make_audio("wav", 40.0))
    cache = await create_cache(
        backend, [audio], ttl_seconds=300, model=model.id, system_instruction=SYSTEM_INSTRUCTION
    )
    out = await generate(backend, "Describe it.", model=model, action="asking", cached_content=cache.name)
    # the emulator refuses a system instruction beside a cache, as the API does: this one went through
    assert cache.usage_metadata and out.usage.cached_tokens == cache.usage_metadata.total_token_count
    assert out.usage.prompt_tokens > out.usage.cached_tokens and out.usage.audio_tokens >= 1280


async def test_a_cache_that_is_gone_is_its_own_error_not_retried(
    run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    with pytest.raises(CachedContentNotFoundError, match="cachedContents/gone"):
        await generate(
            backend, "Describe it.", model=MODEL, action="asking", cached_content="cachedContents/gone"
        )
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1
