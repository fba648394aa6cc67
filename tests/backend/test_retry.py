from __future__ import annotations

import random

import httpx
import pytest
from google.genai import errors as genai_errors

from gemini_audio_tools.backend.retry import Attempts, RetryPolicy, with_retries
from gemini_audio_tools.errors import (
    ConnectionFailedError,
    InvalidArgumentError,
    RateLimitedError,
    ServiceUnavailableError,
)


def api_error(code: int, *, headers: dict[str, str] | None = None) -> genai_errors.APIError:
    body = {"error": {"code": code, "message": f"status {code}", "status": "X"}}
    response = httpx.Response(code, json=body, headers=headers)
    cls = genai_errors.ClientError if code < 500 else genai_errors.ServerError
    return cls(code, body, response)


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def policy(retries: int = 3) -> tuple[RetryPolicy, Recorder]:
    sleeper = Recorder()
    return RetryPolicy(
        max_retries=retries, base_delay=1.0, max_delay=8.0, rng=random.Random(1), sleep=sleeper
    ), sleeper


def failing(*errors: BaseException, result: str = "ok"):  # type: ignore[no-untyped-def]
    queue = list(errors)

    async def call() -> str:
        if queue:
            raise queue.pop(0)
        return result

    return call


async def test_a_429_is_retried_after_at_least_its_retry_after() -> None:
    pol, sleeper = policy()
    attempts = Attempts()
    out = await with_retries(
        failing(api_error(429, headers={"Retry-After": "5"})), pol, action="x", attempts=attempts
    )
    assert out == "ok"
    assert attempts.count == 2
    assert sleeper.waits[0] >= 5


async def test_a_retry_after_longer_than_the_longest_wait_fails_at_once_saying_when() -> None:
    pol, sleeper = policy()
    with pytest.raises(RateLimitedError, match="Wait 600 seconds") as info:
        await with_retries(failing(api_error(429, headers={"Retry-After": "600"})), pol, action="x")
    assert info.value.retry_after == 600 and sleeper.waits == []


async def test_5xx_and_dropped_connections_are_retried() -> None:
    pol, sleeper = policy()
    call = failing(api_error(503), httpx.RemoteProtocolError("dropped"), api_error(500))
    assert await with_retries(call, pol, action="x") == "ok"
    assert len(sleeper.waits) == 3


async def test_exhausted_5xx_retries_raise_service_unavailable() -> None:
    pol, sleeper = policy(retries=2)
    with pytest.raises(ServiceUnavailableError, match="while transcribing"):
        await with_retries(failing(*[api_error(503)] * 3), pol, action="transcribing")
    assert len(sleeper.waits) == 2


async def test_exhausted_429_retries_raise_rate_limited_with_the_wait() -> None:
    pol, _ = policy(retries=1)
    with pytest.raises(RateLimitedError) as info:
        await with_retries(failing(*[api_error(429, headers={"Retry-After": "3"})] * 2), pol, action="x")
    assert info.value.retry_after == 3


async def test_a_4xx_is_never_retried() -> None:
    pol, sleeper = policy()
    attempts = Attempts()
    with pytest.raises(InvalidArgumentError):
        await with_retries(failing(api_error(400)), pol, action="x", attempts=attempts)
    assert attempts.count == 1
    assert sleeper.waits == []


def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap() -> None:
    pol = RetryPolicy(base_delay=1.0, max_delay=8.0, rng=random.Random(7))
    for n in range(1, 8):
        for _ in range(20):
            assert 0 <= pol.delay(n) <= min(8.0, 2 ** (n - 1))
    assert len({round(pol.delay(3), 6) for _ in range(10)}) > 1


async def test_a_refused_connection_is_retried_once_not_four_times() -> None:
    pol, sleeper = policy(retries=4)
    refused = [httpx.ConnectError("All connection attempts failed") for _ in range(5)]
    attempts = Attempts()
    with pytest.raises(ConnectionFailedError, match="Cannot connect"):
        await with_retries(failing(*refused), pol, action="x", attempts=attempts)
    assert attempts.count == 2 and len(sleeper.waits) == 1


async def test_a_connection_attempt_that_timed_out_is_not_retried() -> None:
    pol, sleeper = policy(retries=4)
    with pytest.raises(ConnectionFailedError):
        await with_retries(failing(httpx.ConnectTimeout("timed out")), pol, action="x")
    assert sleeper.waits == []


async def test_a_refused_connection_that_comes_back_succeeds() -> None:
    pol, _ = policy(retries=4)
    assert await with_retries(failing(httpx.ConnectError("refused")), pol, action="x") == "ok"
