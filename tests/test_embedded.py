"""The embedded emulator behind every entry point's ``--emulator`` flag."""

from __future__ import annotations

import httpx

from gemini_audio_tools import EMULATOR_API_KEY, Settings, embedded_emulator


def test_the_embedded_emulator_serves_with_a_throwaway_cache_and_never_the_real_key() -> None:
    base = Settings.from_env({"GEMINI_API_KEY": "AIza-real-key"})
    with embedded_emulator(base) as settings:
        assert settings.api_key == EMULATOR_API_KEY and settings.base_url
        assert settings.cache_dir.is_dir()
        response = httpx.get(
            f"{settings.base_url}/v1beta/files", headers={"x-goog-api-key": EMULATOR_API_KEY}
        )
        assert response.status_code == 200
        cache = settings.cache_dir
    assert not cache.exists()
