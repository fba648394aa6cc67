from __future__ import annotations

import asyncio

import pytest
from google import genai

from gemini_audio_tools.backend.client import get_client
from gemini_audio_tools.config import Settings


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
