"""Entry-point settings: flags over the environment, and the embedded emulator."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gemini_audio_tools._setup import EMULATOR_API_KEY, embedded_emulator, settings_from_flags
from gemini_audio_tools.errors import InvalidArgumentError


def test_allow_dir_flags_replace_the_environment_and_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    env = {"GEMINI_AUDIO_ALLOWED_DIRS": "/somewhere/else", "GEMINI_AUDIO_MODEL": "from-env"}
    settings = settings_from_flags([str(tmp_path / "a" / ".."), str(tmp_path)], None, env)
    assert settings.allowed_dirs == (tmp_path.resolve(),)
    assert settings.model == "from-env"


def test_the_model_flag_wins_over_the_environment() -> None:
    assert settings_from_flags(None, "gemini-x", {"GEMINI_AUDIO_MODEL": "from-env"}).model == "gemini-x"


def test_an_allowed_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "f.txt"
    file.write_text("x")
    with pytest.raises(InvalidArgumentError, match="not an existing directory"):
        settings_from_flags([str(file)], None, {})


def test_the_embedded_emulator_serves_with_a_throwaway_cache_and_never_the_real_key() -> None:
    base = settings_from_flags(None, None, {"GEMINI_API_KEY": "AIza-real-key"})
    with embedded_emulator(base) as settings:
        assert settings.api_key == EMULATOR_API_KEY and settings.base_url
        assert settings.cache_dir.is_dir()
        response = httpx.get(
            f"{settings.base_url}/v1beta/files", headers={"x-goog-api-key": EMULATOR_API_KEY}
        )
        assert response.status_code == 200
        cache = settings.cache_dir
    assert not cache.exists()
