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

import platformdirs

from .errors import InvalidArgumentError


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
        return settings


def allowed_dirs_in(env: Mapping[str, str]) -> tuple[Path, ...]:
    """The directories ``GEMINI_AUDIO_ALLOWED_DIRS`` names in ``env`` (``os.pathsep``-separated, blanks
    skipped), resolved; empty when it is unset or blank."""
    raw = env.get("GEMINI_AUDIO_ALLOWED_DIRS", "")
    return tuple(Path(d).expanduser().resolve() for d in raw.split(os.pathsep) if d.strip())
