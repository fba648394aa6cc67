"""The emulator's notion of "now", which tests can move forward instead of sleeping.

File expiry (48 h) and processing delays are computed from this clock. It follows real time plus an offset,
so a delay of two seconds passes on its own in a demo, and a test jumps 48 hours with one ``advance`` call.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class EmulatorClock:
    """Real UTC time shifted by an adjustable offset; thread-safe (the server and tests share it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(timezone.utc) + offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock ``seconds`` forward (negative moves it back) and return the new now.

        Raises:
            ValueError: ``seconds`` is not a finite number.
        """
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            raise ValueError(f"Clock advance must be a finite number of seconds, got {seconds!r}.")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> None:
        """Make ``now()`` return ``when`` (timezone-aware; naive means UTC) from this moment on."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        with self._lock:
            self._offset = when - datetime.now(timezone.utc)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)


def rfc3339(when: datetime) -> str:
    """Format like the real API: UTC, microseconds, ``Z`` suffix (``2025-03-29T12:39:16.599879Z``)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
