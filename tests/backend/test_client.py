from __future__ import annotations

import asyncio

import pytest
from google import genai

from gemini_audio_tools.backend.client import get_client, make_client
from gemini_audio_tools.config import Settings, missing_key_warning
from gemini_audio_tools.errors import AuthenticationError


async def test_one_client_per_configuration_on_a_loop(emulator_settings: Settings) -> None:
    first = get_client(emulator_settings)
    assert get_client(emulator_settings.with_(model="gemini-2.5-pro")) is first  # the model is per request
    assert get_client(emulator_settings.with_(api_key="other-key")) is not first


def test_clients_are_closed_when_their_event_loop_shuts_down(emulator_settings: Settings) -> None:
    async def use() -> genai.Client:
        client = get_client(emulator_settings)
        await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="hello")
        return client

    client = asyncio.run(use())

    async def reuse() -> None:
        await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="hello")

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(reuse())


def test_each_event_loop_gets_its_own_working_client(emulator_settings: Settings) -> None:
    async def count() -> int:
        response = await get_client(emulator_settings).aio.models.count_tokens(
            model="gemini-2.5-flash", contents="hello"
        )
        return response.total_tokens or 0

    assert asyncio.run(count()) == asyncio.run(count()) > 0


def test_without_a_key_the_error_names_both_ways_out() -> None:
    with pytest.raises(AuthenticationError) as caught:
        make_client(Settings(api_key=None, base_url=None))
    message = str(caught.value)
    assert "GEMINI_API_KEY" in message  # way out 1: a key
    assert "--emulator" in message and "GOOGLE_GEMINI_BASE_URL" in message  # way out 2: the emulator
    assert caught.value.blocks_everything


def test_with_a_base_url_but_no_key_the_error_says_any_key_works() -> None:
    with pytest.raises(AuthenticationError, match=r"http://127\.0\.0\.1:9/.*any key works"):
        make_client(Settings(api_key=None, base_url="http://127.0.0.1:9/"))


def test_a_server_with_a_key_has_nothing_to_warn_about() -> None:
    assert missing_key_warning(Settings(api_key="k")) is None
    warning = missing_key_warning(Settings(api_key=None))
    assert warning is not None and "--emulator" in warning
