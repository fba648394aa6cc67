"""cachedContents through the real SDK: minimum size, TTL, expiry by the emulator clock, use in requests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY

MODEL = "gemini-3-flash-preview"


@pytest.fixture
def long_tone(genai_client: genai.Client, make_audio: MakeAudio) -> types.File:
    """40 s of tone: 1,280 audio tokens, over gemini-3-flash-preview's 1,024-token minimum."""
    return genai_client.files.upload(file=make_audio("wav", 40.0))


def _cache(client: genai.Client, file: types.File, **config: object) -> types.CachedContent:
    settings = {"contents": [file], "system_instruction": "You listen.", "ttl": "300s"} | config
    return client.caches.create(model=MODEL, config=types.CreateCachedContentConfig(**settings))


def test_create_counts_the_cached_tokens_and_sets_the_expiry_from_the_ttl(
    genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone, display_name="meeting")

    assert cache.name and cache.name.startswith("cachedContents/")
    assert cache.model == f"models/{MODEL}" and cache.display_name == "meeting"
    assert cache.usage_metadata and cache.usage_metadata.total_token_count
    assert cache.usage_metadata.total_token_count > 1280  # 40 s x 32 tokens/s, plus the instruction
    assert cache.expire_time and cache.create_time
    assert cache.expire_time - cache.create_time == dt.timedelta(seconds=300)
    assert genai_client.caches.get(name=cache.name).expire_time == cache.expire_time


def test_too_small_a_cache_is_refused_with_the_apis_words(
    genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    short = genai_client.files.upload(file=make_audio("wav", 2.0))

    with pytest.raises(errors.ClientError) as caught:
        _cache(genai_client, short, system_instruction=None)

    assert caught.value.code == 400
    assert (
        caught.value.message
        == "Cached content is too small. total_token_count=64, min_total_token_count=1024"
    )


def test_the_minimum_is_per_model_and_settable(
    emulator: EmulatorServer, genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    short = genai_client.files.upload(file=make_audio("wav", 2.0))
    emulator.state.settings.cache_min_tokens = {MODEL: 50}

    assert _cache(
        genai_client, short, system_instruction=None
    ).usage_metadata == types.CachedContentUsageMetadata(total_token_count=64)
    with pytest.raises(errors.ClientError) as caught:
        genai_client.caches.create(
            model="gemini-3.1-pro-preview",
            config=types.CreateCachedContentConfig(contents=[short], ttl="60s"),
        )
    assert "min_total_token_count=4096" in str(caught.value.message)


def test_generate_content_on_a_cache_hears_its_audio_and_reports_cached_tokens(
    genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone)
    cached_tokens = cache.usage_metadata.total_token_count if cache.usage_metadata else 0

    response = genai_client.models.generate_content(
        model=MODEL, contents="How long is it?", config=types.GenerateContentConfig(cached_content=cache.name)
    )

    assert "40.0 s" in (response.text or "")
    usage = response.usage_metadata
    assert usage and usage.cached_content_token_count == cached_tokens
    assert usage.prompt_token_count and usage.prompt_token_count > (cached_tokens or 0)  # cache + question
    assert usage.cache_tokens_details and {d.modality for d in usage.cache_tokens_details} == {
        types.MediaModality.TEXT,
        types.MediaModality.AUDIO,
    }


def test_a_cache_outlives_the_file_it_was_made_from(
    genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone)
    genai_client.files.delete(name=long_tone.name or "")

    response = genai_client.models.generate_content(
        model=MODEL, contents="How long is it?", config=types.GenerateContentConfig(cached_content=cache.name)
    )

    assert "40.0 s" in (response.text or "")


def test_an_expired_cache_is_gone_everywhere(
    emulator: EmulatorServer, genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone)
    emulator.state.clock.advance(301)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(
            model=MODEL, contents="Hi.", config=types.GenerateContentConfig(cached_content=cache.name)
        )
    assert (
        caught.value.code == 403 and caught.value.message == "CachedContent not found (or permission denied)"
    )
    with pytest.raises(errors.ClientError):
        genai_client.caches.get(name=cache.name or "")
    assert list(genai_client.caches.list()) == []
    assert list(emulator.state.caches.root.iterdir()) == []


def test_update_moves_the_expiry_and_nothing_else(
    emulator: EmulatorServer, genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone)
    emulator.state.clock.advance(200)

    updated = genai_client.caches.update(
        name=cache.name or "", config=types.UpdateCachedContentConfig(ttl="600s")
    )
    emulator.state.clock.advance(500)  # past the first expiry, before the new one

    assert updated.expire_time and updated.update_time
    assert updated.expire_time - updated.update_time == dt.timedelta(seconds=600)
    assert genai_client.caches.get(name=cache.name or "").name == cache.name
    url = f"{emulator.base_url}/v1beta/{cache.name}?updateMask=contents"
    refused = httpx.patch(url, json={"contents": []}, headers={"x-goog-api-key": TEST_API_KEY})
    assert refused.status_code == 400 and "Only the expiration" in refused.json()["error"]["message"]


def test_expire_time_can_be_given_instead_of_a_ttl_but_not_both(
    emulator: EmulatorServer, genai_client: genai.Client, long_tone: types.File
) -> None:
    when = emulator.state.clock.now().replace(microsecond=0) + dt.timedelta(hours=2)

    cache = _cache(genai_client, long_tone, ttl=None, expire_time=when)
    assert cache.expire_time == when

    with pytest.raises(errors.ClientError) as caught:
        _cache(genai_client, long_tone, expire_time=when)
    assert caught.value.code == 400 and "oneof" in str(caught.value.message)


def test_without_ttl_a_cache_lives_one_hour(genai_client: genai.Client, long_tone: types.File) -> None:
    cache = _cache(genai_client, long_tone, ttl=None)

    assert cache.expire_time and cache.create_time
    assert cache.expire_time - cache.create_time == dt.timedelta(hours=1)


def test_a_request_on_a_cache_may_not_set_its_own_system_instruction_or_another_model(
    genai_client: genai.Client, long_tone: types.File
) -> None:
    cache = _cache(genai_client, long_tone)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(
            model=MODEL,
            contents="Hi.",
            config=types.GenerateContentConfig(cached_content=cache.name, system_instruction="Be brief."),
        )
    assert caught.value.code == 400 and str(caught.value.message).startswith(
        "CachedContent can not be used with GenerateContent request setting system_instruction"
    )
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(
            model="gemini-3.1-pro-preview",
            contents="Hi.",
            config=types.GenerateContentConfig(cached_content=cache.name),
        )
    assert caught.value.message == (
        "Model used by GenerateContent request (models/gemini-3.1-pro-preview) and CachedContent "
        f"(models/{MODEL}) has to be the same."
    )


def test_a_batch_request_can_use_a_cache(genai_client: genai.Client, long_tone: types.File) -> None:
    cache = _cache(genai_client, long_tone)
    request = types.InlinedRequest(
        contents="How long is it?", config=types.GenerateContentConfig(cached_content=cache.name)
    )

    job = genai_client.batches.create(model=MODEL, src=[request])
    done = genai_client.batches.get(name=job.name or "")

    assert done.dest and done.dest.inlined_responses
    response = done.dest.inlined_responses[0].response
    assert response and response.usage_metadata and response.usage_metadata.cached_content_token_count
    assert "40.0 s" in (response.text or "")


def test_delete_and_list(emulator: EmulatorServer, genai_client: genai.Client, long_tone: types.File) -> None:
    first, second = _cache(genai_client, long_tone), _cache(genai_client, long_tone)

    assert [c.name for c in genai_client.caches.list(config={"page_size": 1})] == [second.name, first.name]
    genai_client.caches.delete(name=first.name or "")

    assert [c.name for c in genai_client.caches.list()] == [second.name]
    with pytest.raises(errors.ClientError) as caught:
        genai_client.caches.delete(name=first.name or "")
    assert caught.value.code == 403


def test_a_cache_needs_something_to_cache(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    emulator.state.settings.cache_min_tokens = {MODEL: 1}

    system_only = genai_client.caches.create(
        model=MODEL, config=types.CreateCachedContentConfig(system_instruction="You are terse.", ttl="60s")
    )
    assert system_only.usage_metadata and system_only.usage_metadata.total_token_count

    response = httpx.post(
        f"{emulator.base_url}/v1beta/cachedContents",
        json={"model": f"models/{MODEL}", "ttl": "60s"},
        headers={"x-goog-api-key": TEST_API_KEY},
    )
    assert (
        response.status_code == 400
        and "contents or a systemInstruction" in response.json()["error"]["message"]
    )


def test_malformed_ttls_are_refused(emulator: EmulatorServer, long_tone: types.File, tmp_path: Path) -> None:
    for ttl in ("300", "-5s", "soon"):
        response = httpx.post(
            f"{emulator.base_url}/v1beta/cachedContents",
            json={"model": f"models/{MODEL}", "ttl": ttl, "contents": [{"parts": [{"text": "x"}]}]},
            headers={"x-goog-api-key": TEST_API_KEY},
        )
        assert response.status_code == 400, ttl
        assert "cached_content.ttl" in response.json()["error"]["message"]
