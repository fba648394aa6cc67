"""Configuration from the environment (and CLI flags of the same meaning).

The names are part of the public contract (docs/contract.md): ``GEMINI_API_KEY`` / ``GOOGLE_API_KEY`` as the
google-genai SDK reads them (``GOOGLE_API_KEY`` wins), ``GOOGLE_GEMINI_BASE_URL`` (the SDK's own override,
used to point at the emulator), ``GEMINI_AUDIO_MODEL``, ``GEMINI_AUDIO_ALLOWED_DIRS``
(``os.pathsep``-separated) and ``GEMINI_AUDIO_CACHE_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import platformdirs

from .errors import ConfigurationError, InvalidArgumentError

WireFormat = Literal["compact", "flac", "original"]
WIRE_FORMATS: tuple[WireFormat, ...] = ("compact", "flac", "original")
DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1000**3
"""``GEMINI_AUDIO_MAX_DOWNLOAD_BYTES`` when unset: 2 GB, the Files API's per-file limit."""


@dataclass(frozen=True)
class Settings:
    """Everything an operation needs to know about its environment. Immutable; derive with ``with_``."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str | None = None
    """General model (describe, ask, exact counts, prompt-based transcripts); None: the default alias."""
    transcribe_model: str | None = None
    """Transcription model; None: the native transcription model (see :mod:`.models`)."""
    allowed_dirs: tuple[Path, ...] = ()
    cache_dir: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir("gemini-audio-tools")))
    request_timeout_seconds: float = 600.0
    file_active_timeout_seconds: float = 300.0
    max_retries: int = 4
    max_concurrency: int = 4
    retry_base_delay_seconds: float = 1.0
    """First backoff ceiling for retried requests (doubles per retry, full jitter)."""
    retry_max_delay_seconds: float = 60.0
    """Longest wait between two attempts, even when the API's Retry-After asks for more."""
    upload_adopt_grace_seconds: float = 3.0
    """After an upload got no answer (timeout, dropped connection), how long to look for the file the server
    may still finish from it before uploading again (so no orphan duplicate is left behind)."""
    wire_format: WireFormat = "compact"
    """What is sent (``GEMINI_AUDIO_WIRE_FORMAT``): 16 kHz mono MP3 unless already compact, 16 kHz mono
    FLAC, or the file as it is where the API takes it (see :mod:`.audio.profiles`)."""
    urls: bool = True
    """Whether ``audio`` may be an http(s) URL (the MCP server's ``--no-urls`` turns it off)."""
    allowed_hosts: tuple[str, ...] = ()
    """``host[:port]`` entries URL input may reach although they are private or loopback
    (``GEMINI_AUDIO_ALLOWED_HOSTS``, ``--allow-host``); checked when a URL is used."""
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    """The most a URL download may bring (``GEMINI_AUDIO_MAX_DOWNLOAD_BYTES``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); unset allowed dirs mean the cwd."""
        env = os.environ if env is None else env
        key = env.get("GOOGLE_API_KEY") or env.get("GEMINI_API_KEY") or None
        dirs = allowed_dirs_in(env)
        kwargs: dict[str, object] = {
            "api_key": key,
            "base_url": env.get("GOOGLE_GEMINI_BASE_URL") or None,
            "model": env.get("GEMINI_AUDIO_MODEL") or None,
            "transcribe_model": env.get("GEMINI_AUDIO_TRANSCRIBE_MODEL") or None,
            "allowed_dirs": dirs or (Path.cwd().resolve(),),
        }
        if env.get("GEMINI_AUDIO_CACHE_DIR"):
            kwargs["cache_dir"] = Path(env["GEMINI_AUDIO_CACHE_DIR"]).expanduser()
        if env.get("GEMINI_AUDIO_WIRE_FORMAT", "").strip():
            kwargs["wire_format"] = parse_wire_format(
                env["GEMINI_AUDIO_WIRE_FORMAT"], "GEMINI_AUDIO_WIRE_FORMAT"
            )
        hosts = env.get("GEMINI_AUDIO_ALLOWED_HOSTS", "")
        kwargs["allowed_hosts"] = tuple(h.strip() for h in hosts.split(",") if h.strip())
        kwargs["max_download_bytes"] = _download_cap(env.get("GEMINI_AUDIO_MAX_DOWNLOAD_BYTES", ""))
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied as given (e.g. ``settings.with_(base_url=...)``); for what a user
        chose (flags, toolkit arguments) use :meth:`with_overrides`, which checks it."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_overrides(
        self,
        *,
        allowed_dirs: Sequence[str | Path] | None = None,
        model: str | None = None,
        transcribe_model: str | None = None,
        wire_format: str | None = None,
        allowed_hosts: Sequence[str] | None = None,
        urls: bool | None = None,
    ) -> Settings:
        """A copy with the user's choices (``--allow-dir``, ``--model``, toolkit arguments) applied over these
        settings; ``None`` keeps the current value. Allowed directories replace the current ones, resolved
        (``~``, symlinks) and deduplicated.

        Raises:
            InvalidArgumentError: an allowed directory does not exist or is not a directory.
        """
        settings = self
        if allowed_dirs is not None:
            dirs: list[Path] = []
            for raw in allowed_dirs:
                path = Path(raw).expanduser().resolve()
                if not path.is_dir():
                    raise InvalidArgumentError(
                        f"allowed directory {str(raw)!r} is not an existing directory; name a directory that "
                        "exists (e.g. the folder holding your recordings)."
                    )
                dirs.append(path)
            settings = replace(settings, allowed_dirs=tuple(dict.fromkeys(dirs)))
        if model:
            settings = replace(settings, model=model)
        if transcribe_model:
            settings = replace(settings, transcribe_model=transcribe_model)
        if wire_format:
            settings = replace(settings, wire_format=parse_wire_format(wire_format, "--wire-format"))
        if allowed_hosts:
            settings = replace(settings, allowed_hosts=(*settings.allowed_hosts, *allowed_hosts))
        if urls is not None:
            settings = replace(settings, urls=urls)
        return settings


def allowed_dirs_in(env: Mapping[str, str]) -> tuple[Path, ...]:
    """The directories ``GEMINI_AUDIO_ALLOWED_DIRS`` names in ``env`` (``os.pathsep``-separated, blanks
    skipped), resolved; empty when it is unset or blank."""
    raw = env.get("GEMINI_AUDIO_ALLOWED_DIRS", "")
    return tuple(Path(d).expanduser().resolve() for d in raw.split(os.pathsep) if d.strip())


def parse_wire_format(text: str, where: str) -> WireFormat:
    """``text`` as a wire format.

    Raises:
        ConfigurationError: not one of compact, flac, original.
    """
    value = text.strip().lower()
    for known in WIRE_FORMATS:
        if value == known:
            return known
    raise ConfigurationError(f"{where}={text.strip()!r} is not a wire format; use compact, flac or original.")


def _download_cap(text: str) -> int:
    raw = text.strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_DOWNLOAD_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigurationError(
            f"GEMINI_AUDIO_MAX_DOWNLOAD_BYTES={raw!r} is not a positive whole number of bytes "
            "(e.g. 500000000 for 500 MB)."
        )
    return int(raw)


def missing_key_message(settings: Settings) -> str:
    """What to do without a key: set one, or use the offline emulator (the two ways out, in one message)."""
    offline = (
        f"GOOGLE_GEMINI_BASE_URL is set ({settings.base_url}): for the emulator any key works, e.g. "
        "GEMINI_API_KEY=emulator."
        if settings.base_url
        else "To work offline, use the bundled emulator: pass --emulator (gemini-audio, gemini-audio-mcp), "
        "or run `gemini-audio emulator` and set GOOGLE_GEMINI_BASE_URL to the URL it prints and "
        "GEMINI_API_KEY to any value."
    )
    return (
        "No Gemini API key is configured. Set GEMINI_API_KEY (or GOOGLE_API_KEY) to a key from "
        f"https://aistudio.google.com/apikey. {offline}"
    )


def missing_key_warning(settings: Settings) -> str | None:
    """A start-up warning for a server that has no key (None when there is one): say it before the first
    tool call fails, not only in that call's error."""
    if settings.api_key:
        return None
    return "warning: every tool that calls the Gemini API will fail. " + missing_key_message(settings)
