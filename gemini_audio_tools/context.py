"""What an operation may use besides its input: settings and a progress sink (set by the adapter)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Protocol

from .config import Settings
from .progress import ProgressEvent, deliver


class ProgressSink(Protocol):
    """Receives progress of long work (uploads, chunked transcription). ``total`` may be unknown."""

    async def __call__(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None: ...


async def no_progress(progress: float, total: float | None = None, message: str | None = None) -> None:
    return None


@dataclass
class RunContext:
    """What an operation may use besides its input: settings and a progress sink (set by the adapter)."""

    settings: Settings = field(default_factory=Settings.from_env)
    progress: ProgressSink = no_progress

    async def report(
        self, progress: float | ProgressEvent, total: float | None = None, message: str | None = None
    ) -> None:
        """Report progress (numbers, or a ``ProgressEvent``); a failing sink never fails the operation."""
        with contextlib.suppress(Exception):  # a broken client must not break the work
            await deliver(self.progress, progress, total, message)
