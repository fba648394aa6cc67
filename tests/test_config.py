"""Settings: read from the environment, and the user's overrides (flags, toolkit arguments) checked once."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools.config import Settings
from gemini_audio_tools.errors import InvalidArgumentError


def test_allowed_dirs_override_the_environment_and_are_resolved_and_deduplicated(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    env = {"GEMINI_AUDIO_ALLOWED_DIRS": "/somewhere/else", "GEMINI_AUDIO_MODEL": "from-env"}
    settings = Settings.from_env(env).with_overrides(allowed_dirs=[str(tmp_path / "a" / ".."), tmp_path])
    assert settings.allowed_dirs == (tmp_path.resolve(),)
    assert settings.model == "from-env"


def test_the_model_override_wins_over_the_environment() -> None:
    settings = Settings.from_env({"GEMINI_AUDIO_MODEL": "from-env"}).with_overrides(model="gemini-x")
    assert settings.model == "gemini-x"


def test_no_override_keeps_every_value() -> None:
    settings = Settings(model="gemini-base", allowed_dirs=(Path("/"),))
    assert settings.with_overrides() == settings


def test_an_allowed_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "f.txt"
    file.write_text("x")
    with pytest.raises(InvalidArgumentError, match="is not an existing directory"):
        Settings().with_overrides(allowed_dirs=[file])


def test_an_allowed_dir_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="missing"):
        Settings().with_overrides(allowed_dirs=[tmp_path / "missing"])
