"""Bounded retries with exponential backoff and full jitter, for transient API failures only.

Retried: 429 (waiting at least what ``Retry-After`` asks; a longer wait than the policy's ``max_delay``
fails at once with ``RateLimitedError.retry_after``, so an agent is told when to come back instead of
blocking), 5xx and dropped connections. A connection that cannot be made at all (DNS failure, refused) is
retried once, after the first (short) backoff: a blip passes in a second, but a missing network or a
stopped emulator does not, and four backed-off retries would only make the person wait for the same answer.
Never retried: a connection attempt that timed out (it already waited the whole timeout) and any other 4xx:
the same request would fail the same way. After the last attempt the SDK exception is mapped to the
library's hierarchy (``RateLimitedError``, ``ServiceUnavailableError``, ``ConnectionFailedError``, …). The
SDK's own retries stay off, so this is the only retry loop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..config import Settings
from .errors import is_connect_failure, is_retryable, is_timeout, map_api_error, retry_after_seconds

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]

CONNECT_RETRIES = 1
"""Retries of a connection that could not be made (refused, DNS failure); see the module docstring."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and how long to wait in between."""

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False)
    sleep: Sleep = field(default=asyncio.sleep, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_retries=max(0, settings.max_retries),
            base_delay=settings.retry_base_delay_seconds,
            max_delay=settings.retry_max_delay_seconds,
        )

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): full jitter over an exponential ceiling,
        never less than the server's ``retry_after``; both capped at ``max_delay``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        wait = self.rng.uniform(0.0, ceiling)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay)


@dataclass
class Attempts:
    """Counts requests made, so chunk reports can say how many a span took."""

    count: int = 0


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    action: str,
    file_name: str | None = None,
    attempts: Attempts | None = None,
) -> T:
    """Run ``call`` and retry it on transient failures according to ``policy``.

    Raises:
        GeminiAudioError: the mapped error of the last attempt (or of the first non-retryable one).
    """
    retry_number = 0
    while True:
        if attempts is not None:
            attempts.count += 1
        try:
            return await call()
        except Exception as exc:
            retry_after = retry_after_seconds(exc)
            if (
                not is_retryable(exc)
                or retry_number >= _retries_for(exc, policy)
                or (retry_after is not None and retry_after > policy.max_delay)  # fail fast, say when
            ):
                tried = retry_number + 1
                raise map_api_error(exc, action=action, file_name=file_name, attempts=tried) from None
            retry_number += 1
            await policy.sleep(policy.delay(retry_number, retry_after))


def _retries_for(exc: BaseException, policy: RetryPolicy) -> int:
    if not is_connect_failure(exc):
        return policy.max_retries
    return 0 if is_timeout(exc) else min(CONNECT_RETRIES, policy.max_retries)
