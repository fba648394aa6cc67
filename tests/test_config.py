"""Settings: read from the environment, and the user's overrides (flags, toolkit arguments) checked once."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools.config import DEFAULT_MAX_DOWNLOAD_BYTES, Settings
from gemini_audio_tools.errors import ConfigurationError, InvalidArgumentError


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


def test_the_allowed_hosts_variable_is_comma_separated_with_blanks_skipped() -> None:
    env = {"GEMINI_AUDIO_ALLOWED_HOSTS": " 127.0.0.1:8000, ,nas.local "}
    assert Settings.from_env(env).allowed_hosts == ("127.0.0.1:8000", "nas.local")
    assert Settings.from_env({}).allowed_hosts == ()


def test_the_download_cap_defaults_to_2_gb_and_reads_whole_numbers() -> None:
    assert Settings.from_env({}).max_download_bytes == DEFAULT_MAX_DOWNLOAD_BYTES == 2_000_000_000
    capped = Settings.from_env({"GEMINI_AUDIO_MAX_DOWNLOAD_BYTES": "500_000_000"})
    assert capped.max_download_bytes == 500_000_000
    with pytest.raises(ConfigurationError, match="positive whole number"):
        Settings.from_env({"GEMINI_AUDIO_MAX_DOWNLOAD_BYTES": "2GB"})


def test_the_wire_format_comes_from_the_environment_or_a_flag_and_is_checked() -> None:
    assert Settings.from_env({}).wire_format == "compact"
    assert Settings.from_env({"GEMINI_AUDIO_WIRE_FORMAT": " FLAC "}).wire_format == "flac"
    assert Settings().with_overrides(wire_format="original").wire_format == "original"
    with pytest.raises(ConfigurationError, match="'opus' is not a wire format; use compact, flac"):
        Settings.from_env({"GEMINI_AUDIO_WIRE_FORMAT": "opus"})


def test_url_options_add_allowed_hosts_and_can_turn_urls_off() -> None:
    settings = Settings(allowed_hosts=("a.local",)).with_overrides(allowed_hosts=["127.0.0.1:9"], urls=False)
    assert settings.allowed_hosts == ("a.local", "127.0.0.1:9") and settings.urls is False
