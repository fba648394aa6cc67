"""Per-caller limits: the rate limiter with a fake clock, the call limiter, bounded body reads, and the
``Limits`` ASGI layer in front of a slow app (in process, through httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from mcp_server.access_log import CALLER_SCOPE_KEY
from mcp_server.http_app import HttpOptions, Limits
from mcp_server.http_limits import BodyTimeout, BodyTooLarge, CallLimiter, CallsBusy, RateLimiter, read_body


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_requests_are_delayed_then_refused_with_a_retry_time() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=5, max_delay=0.5, clock=clock)
    assert [limiter.reserve("a") for _ in range(5)] == [(True, 0.0)] * 5
    delayed = [limiter.reserve("a") for _ in range(5)]  # 0.1 s apart, up to max_delay
    assert [ok for ok, _ in delayed] == [True] * 5
    assert [round(wait, 3) for _, wait in delayed] == [0.1, 0.2, 0.3, 0.4, 0.5]
    allowed, retry_after = limiter.reserve("a")
    assert not allowed and retry_after == pytest.approx(0.1)
    clock.now += 0.1
    assert limiter.reserve("a")[0]


def test_callers_have_separate_buckets_and_buckets_refill_over_time() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=1, max_delay=0, clock=clock)
    assert limiter.reserve("alice") == (True, 0.0)
    assert limiter.reserve("alice")[0] is False
    assert limiter.reserve("bob") == (True, 0.0)
    clock.now += 1.0
    assert limiter.reserve("alice") == (True, 0.0)


def test_a_thousand_requests_at_once_let_only_the_burst_and_the_delay_through() -> None:
    limiter = RateLimiter(rate=20, burst=40, max_delay=1.0, clock=Clock())
    allowed = sum(limiter.reserve("a")[0] for _ in range(1000))
    assert allowed == 40 + 20


async def test_calls_over_the_cap_wait_and_calls_over_the_queue_are_refused() -> None:
    limiter = CallLimiter(running=1, queued=1)
    release = asyncio.Event()
    order: list[str] = []

    async def call(name: str) -> None:
        async with limiter.slot("alice"):
            order.append(name)
            await release.wait()

    first = asyncio.create_task(call("first"))
    second = asyncio.create_task(call("second"))
    while limiter.inside("alice") < 2:
        await asyncio.sleep(0)
    with pytest.raises(CallsBusy):
        async with limiter.slot("alice"):
            pass
    async with limiter.slot("bob"):  # another caller is not affected
        pass
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first", "second"] and limiter.inside("alice") == 0


def body_messages(*chunks: bytes, disconnect: bool = False) -> Any:
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    if disconnect:
        queue[-1]["more_body"] = True
        queue.append({"type": "http.disconnect"})

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.Event().wait()  # a stalled client
        raise AssertionError

    return receive


async def test_bodies_are_read_whole_within_the_size_cap() -> None:
    assert await read_body(body_messages(b"ab", b"cd"), limit=4, timeout=5) == b"abcd"
    with pytest.raises(BodyTooLarge):
        await read_body(body_messages(b"abc", b"de"), limit=4, timeout=5)
    with pytest.raises(BodyTooLarge):  # refused on its Content-Length, before reading
        await read_body(body_messages(), limit=4, timeout=5, declared=5)


async def test_a_stalled_or_vanished_client_ends_the_body_read() -> None:
    with pytest.raises(BodyTimeout):
        await read_body(_stalled(), limit=10, timeout=0.05)
    with pytest.raises(BodyTimeout):
        await read_body(body_messages(b"ab", disconnect=True), limit=10, timeout=5)


def _stalled() -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.Event().wait()
        raise AssertionError

    return receive


class SlowApp:
    """Stands in for the session manager: answers tool calls once ``release`` is set, other requests at once,
    and records what reached it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.inside = 0
        self.bodies: list[bytes] = []
        self.callers: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        self.callers.append(scope[CALLER_SCOPE_KEY])
        self.inside += 1
        if b"tools/call" in self.bodies[-1]:
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def tool_call(request_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {}}).encode()


async def test_tool_calls_over_the_callers_cap_get_429_with_retry_after_and_a_json_rpc_error() -> None:
    inner = SlowApp()
    app = Limits(inner, HttpOptions(max_calls=1, max_queued=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        pending = [asyncio.create_task(client.post("/mcp", content=tool_call(i))) for i in (1, 2)]
        while app.calls.inside("anonymous") < 2:
            await asyncio.sleep(0.01)
        refused = await client.post("/mcp", content=tool_call(3))
        other = await client.post("/mcp", content=b'{"jsonrpc":"2.0","id":4,"method":"ping"}')
        inner.release.set()
        answered = await asyncio.gather(*pending)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    error = refused.json()
    assert error["id"] == 3 and "Too many tool calls" in error["error"]["message"]
    assert other.status_code == 200  # not a tool call: not counted
    assert [r.status_code for r in answered] == [200, 200]
    assert inner.bodies.count(tool_call(3)) == 0 and inner.callers[0] == "anonymous"


async def test_requests_over_the_rate_get_429_with_retry_after_before_the_body_is_read() -> None:
    inner = SlowApp()
    inner.release.set()
    app = Limits(inner, HttpOptions(rate=1, burst=2))
    app.rates.max_delay = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answers = [await client.post("/mcp", content=tool_call(i)) for i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert "Too many requests" in answers[2].json()["error"]["message"]
    assert len(inner.bodies) == 2


async def test_a_body_over_the_cap_gets_413_and_never_reaches_the_app() -> None:
    inner = SlowApp()
    app = Limits(inner, HttpOptions(max_body=1000))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        declared = await client.post("/mcp", content=b"x" * 1001)

        async def chunked() -> Any:
            for _ in range(3):
                yield b"y" * 600

        streamed = await client.post("/mcp", content=chunked())
    assert declared.status_code == 413 and streamed.status_code == 413
    assert "over 1000 bytes" in declared.json()["error"]["message"]
    assert inner.bodies == []
