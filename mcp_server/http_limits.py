"""Per-caller limits for the HTTP server: a request rate, concurrent tool calls, and bounded body reads.

Pure parts (no ASGI) so tests can drive them with a fake clock: :class:`RateLimiter` (a token bucket per
caller), :class:`CallLimiter` (running + queued tool calls per caller) and :func:`read_body` (the whole body
within a size cap and a deadline).

Decisions (and why):

* Limits are per caller (a token's identity; ``anonymous`` without authentication), so one runaway
  assistant cannot starve its teammates.
* A tool call over the concurrency cap waits in a short per-caller queue instead of failing at once: MCP
  clients send bursts of parallel calls, and mcp 1.x's client gives up its whole session on an HTTP error.
  Only when the queue is full too is the call refused (429).
* Buckets and queues of idle callers are dropped, so memory does not grow with the number of callers.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BodyTimeout",
    "BodyTooLarge",
    "CallLimiter",
    "CallsBusy",
    "RateLimiter",
    "drain_body",
    "read_body",
]


class RateLimiter:
    """A token bucket per key: ``rate`` requests per second on average, bursts of up to ``burst``.

    A request just over the rate is delayed rather than refused (up to ``max_delay`` seconds, as nginx's
    ``limit_req`` does with a burst): a client's momentary burst is smoothed, a flood is refused.
    """

    def __init__(
        self, rate: float, burst: int, max_delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1 or max_delay < 0:
            raise ValueError("rate must be > 0, burst >= 1 and max_delay >= 0")
        self.rate, self.burst, self.max_delay, self._clock = rate, burst, max_delay, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at); tokens < 0: delayed ones

    def reserve(self, key: str) -> tuple[bool, float]:
        """Spend one request for ``key``.

        Returns:
            ``(True, delay)``: allowed once ``delay`` seconds have passed (0.0 most of the time), or
            ``(False, retry_after)``: refused; one would be allowed after ``retry_after`` seconds.
        """
        now = self._clock()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens - 1.0 >= -self.rate * self.max_delay - 1e-9:  # (float error on exact boundaries)
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 4096:
                self._forget_full(now)
            return True, max(0.0, (1.0 - tokens) / self.rate)
        self._buckets[key] = (tokens, now)
        return False, (1.0 - tokens) / self.rate - self.max_delay

    def _forget_full(self, now: float) -> None:
        full_after = (self.burst + self.rate * self.max_delay) / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


class CallsBusy(Exception):
    """The caller has ``running`` tool calls under way and ``queued`` more waiting: refuse this one."""


@dataclass
class _Lane:
    slots: asyncio.Semaphore
    inside: int = 0  # running + waiting


class CallLimiter:
    """At most ``running`` concurrent tool calls per key, and at most ``queued`` more waiting for a slot."""

    def __init__(self, running: int, queued: int) -> None:
        if running < 1 or queued < 0:
            raise ValueError("running must be >= 1 and queued >= 0")
        self.running, self.queued = running, queued
        self._lanes: dict[str, _Lane] = {}

    def inside(self, key: str) -> int:
        lane = self._lanes.get(key)
        return lane.inside if lane else 0

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold one of ``key``'s call slots for the ``async with`` block (waiting for one if needed).

        Raises:
            CallsBusy: ``key`` already has ``running + queued`` calls running or waiting.
        """
        lane = self._lanes.setdefault(key, _Lane(asyncio.Semaphore(self.running)))
        if lane.inside >= self.running + self.queued:
            raise CallsBusy(key)
        lane.inside += 1
        try:
            async with lane.slots:
                yield
        finally:
            lane.inside -= 1
            if lane.inside == 0:
                self._lanes.pop(key, None)


class BodyTooLarge(Exception):
    """The request body is larger than the cap."""


class BodyTimeout(Exception):
    """The request body did not arrive in time (a slow or stalled client)."""


async def read_body(
    receive: Callable[[], Awaitable[dict[str, Any]]], limit: int, timeout: float, declared: int | None = None
) -> bytes:
    """Read a whole ASGI request body, at most ``limit`` bytes, within ``timeout`` seconds.

    Raises:
        BodyTooLarge: ``declared`` (Content-Length) or the bytes received exceed ``limit``.
        BodyTimeout: the body was not complete after ``timeout`` seconds, or the client went away.
    """
    if declared is not None and declared > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (timeout if math.isfinite(timeout) else 1e9)
    while True:
        try:
            message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.0))
        except asyncio.TimeoutError:
            raise BodyTimeout from None
        if message["type"] != "http.request":
            raise BodyTimeout  # http.disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def drain_body(receive: Callable[[], Awaitable[dict[str, Any]]], limit: int, timeout: float) -> bool:
    """Read and drop the rest of a refused body, so the client, still sending, gets to read the refusal.

    Returns True when the body ended within ``limit`` bytes and ``timeout`` seconds (the connection can be
    kept), False otherwise (it must be closed).
    """
    try:
        await read_body(receive, limit, timeout)
    except (BodyTooLarge, BodyTimeout):
        return False
    return True
