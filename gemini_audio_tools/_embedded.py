"""An embedded Gemini emulator for the entry points' ``--emulator`` flag (CLI, MCP server, demo).

Public as ``gemini_audio_tools.embedded_emulator``. No operation logic here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import Settings
from .errors import ConfigurationError

EMULATOR_API_KEY = "emulator-key"
"""The key sent to an embedded emulator (it accepts any non-empty key); a real key is never sent to it."""


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
