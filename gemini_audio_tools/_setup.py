"""Settings for the entry points (MCP server, CLI): flags over environment, and the embedded emulator.

Shared by ``mcp_server`` and ``gemini_audio_tools.cli`` so both read ``--allow-dir`` / ``--model`` /
``--emulator`` the same way. No operation logic here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .config import Settings
from .errors import ConfigurationError, InvalidArgumentError

EMULATOR_API_KEY = "emulator-key"
"""The key sent to an embedded emulator (it accepts any non-empty key); a real key is never sent to it."""


def settings_from_flags(
    allow_dirs: Sequence[str] | None = None, model: str | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Environment settings with ``--allow-dir`` (replacing ``GEMINI_AUDIO_ALLOWED_DIRS``) and ``--model``.

    Raises:
        InvalidArgumentError: an allowed directory does not exist or is not a directory.
    """
    settings = Settings.from_env(env)
    if allow_dirs:
        dirs: list[Path] = []
        for raw in allow_dirs:
            path = Path(raw).expanduser().resolve()
            if not path.is_dir():
                raise InvalidArgumentError(f"--allow-dir {raw}: not an existing directory.")
            dirs.append(path)
        settings = settings.with_(allowed_dirs=tuple(dict.fromkeys(dirs)))
    if model:
        settings = settings.with_(model=model)
    return settings


@contextmanager
def embedded_emulator(settings: Settings) -> Iterator[Settings]:
    """Run a local Gemini emulator for the ``with`` block; yield ``settings`` pointed at it.

    The upload cache goes to a temporary directory removed afterwards: the emulator's files vanish with it,
    so remembering them would only leave stale entries behind.

    Raises:
        ConfigurationError: the emulator could not start (e.g. its optional dependencies are missing).
    """
    try:
        from .emulator.server import EmulatorServer
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise ConfigurationError(
            f"The embedded emulator is unavailable ({err}); install gemini-audio-tools[emulator]."
        ) from None
    with tempfile.TemporaryDirectory(prefix="gemini-audio-cache-") as cache, EmulatorServer() as server:
        yield settings.with_(base_url=server.base_url, api_key=EMULATOR_API_KEY, cache_dir=Path(cache))
