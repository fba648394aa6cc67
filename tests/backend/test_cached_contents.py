"""The library's context-cache wrappers against the emulator, through the real SDK."""

from __future__ import annotations

import datetime as dt

import pytest
from google.genai import types

from gemini_audio_tools.backend.cached_contents import (
    create_cache,
    delete_cache,
    get_cache,
    list_caches,
    ttl,
    update_cache_ttl,
)
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    CachedContentNotFoundError,
    InvalidArgumentError,
    ServiceUnavailableError,
)
from tests.fixtures.audio import MakeAudio

MODEL = "gemini-3-flash-preview"


def test_ttls_are_written_as_api_durations() -> None:
    assert ttl(300) == "300s"
    assert ttl(1.5) == "1.5s"
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(InvalidArgumentError, match="positive"):
            ttl(bad)


async def _audio_part(backend: Backend, make_audio: MakeAudio, seconds: float) -> types.Part:
    file = await backend.client.aio.files.upload(file=make_audio("wav", seconds))
    return types.Part.from_uri(file_uri=file.uri or "", mime_type="audio/wav")


async def test_a_cache_is_created_used_extended_and_deleted(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings.with_(model=MODEL))
    part = await _audio_part(backend, make_audio, 40.0)

    cache = await create_cache(
        backend, [part], ttl_seconds=120, model=MODEL, system_instruction="You listen."
    )
    assert cache.name and cache.model == f"models/{MODEL}"
    assert cache.usage_metadata and (cache.usage_metadata.total_token_count or 0) > 1280

    response = await backend.client.aio.models.generate_content(
        model=MODEL, contents="How long?", config=types.GenerateContentConfig(cached_content=cache.name)
    )
    assert response.usage_metadata and response.usage_metadata.cached_content_token_count

    emulator.state.clock.advance(100)
    extended = await update_cache_ttl(backend, cache.name, 600)
    assert extended.expire_time and extended.update_time
    assert extended.expire_time - extended.update_time == dt.timedelta(seconds=600)
    emulator.state.clock.advance(300)  # past the first TTL
    assert (await get_cache(backend, cache.name)).name == cache.name
    page, token = await list_caches(backend)
    assert [c.name for c in page] == [cache.name] and token is None

    await delete_cache(backend, cache.name)
    with pytest.raises(CachedContentNotFoundError, match="create_cache"):
        await get_cache(backend, cache.name)


async def test_too_small_a_cache_says_how_many_tokens_are_needed(
    run_ctx: RunContext, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings.with_(model=MODEL))
    part = await _audio_part(backend, make_audio, 2.0)

    with pytest.raises(InvalidArgumentError) as caught:
        await create_cache(backend, [part], ttl_seconds=60, model=MODEL)

    assert "64 tokens" in str(caught.value) and "at least 1024" in str(caught.value)
    assert "32 s of audio" in str(caught.value)


async def test_an_expired_cache_is_not_found(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings.with_(model=MODEL))
    cache = await create_cache(
        backend, [await _audio_part(backend, make_audio, 40.0)], ttl_seconds=60, model=MODEL
    )
    emulator.state.clock.advance(61)

    with pytest.raises(CachedContentNotFoundError, match="expired or was deleted"):
        await update_cache_ttl(backend, cache.name or "", 60)
    with pytest.raises(CachedContentNotFoundError):
        await delete_cache(backend, cache.name or "")


async def test_a_create_whose_answer_is_lost_is_not_sent_again(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings.with_(model=MODEL))
    part = await _audio_part(backend, make_audio, 40.0)
    emulator.state.faults.drop_connection("cachedContents.create", after_bytes=0)

    with pytest.raises(ServiceUnavailableError, match="list_caches"):
        await create_cache(backend, [part], ttl_seconds=60, model=MODEL)

    assert emulator.state.faults.stats.requests["cachedContents.create"] == 1


async def test_a_transient_refusal_of_create_is_retried(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio
) -> None:
    backend = Backend.from_settings(run_ctx.settings.with_(model=MODEL))
    part = await _audio_part(backend, make_audio, 40.0)
    emulator.state.faults.error(500, operation="cachedContents.create", times=1)

    assert (await create_cache(backend, [part], ttl_seconds=60, model=MODEL)).name
    assert emulator.state.faults.stats.requests["cachedContents.create"] == 2
