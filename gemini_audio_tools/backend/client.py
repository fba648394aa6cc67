"""One google-genai client per configuration and event loop, plus what every request needs with it.

The SDK's async client owns an httpx connection pool bound to the event loop that first used it; reusing it
from another loop (``asyncio.run`` per CLI call) fails, so clients are cached per (loop, key, base URL,
timeout). The SDK's own retries stay off: :mod:`.retry` is the single retry loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from google import genai
from google.genai import types

from ..config import Settings, missing_key_message
from ..errors import AuthenticationError
from .cache import UploadCache, account_key
from .retry import RetryPolicy

_ClientKey = tuple[str, str | None, float]
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_ClientKey, genai.Client]] = (
    weakref.WeakKeyDictionary()
)


def make_client(settings: Settings) -> genai.Client:
    """A new client for ``settings`` (base URL honoured when set, timeouts from settings, no SDK retries).

    Raises:
        AuthenticationError: no API key is configured.
    """
    if not settings.api_key:
        raise AuthenticationError(missing_key_message(settings))
    options = types.HttpOptions(timeout=int(settings.request_timeout_seconds * 1000))
    if settings.base_url:
        options.base_url = settings.base_url
    return genai.Client(api_key=settings.api_key, http_options=options)


def get_client(settings: Settings) -> genai.Client:
    """The shared client for ``settings`` on the running event loop.

    Raises:
        AuthenticationError: no API key is configured.
    """
    key: _ClientKey = (settings.api_key or "", settings.base_url, settings.request_timeout_seconds)
    loop = asyncio.get_running_loop()
    per_loop = _clients.get(loop)
    if per_loop is None:
        per_loop = _clients[loop] = {}
        _close_with_loop(loop, per_loop)
    client = per_loop.get(key)
    if client is None:
        client = per_loop[key] = make_client(settings)
    return client


_closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
    weakref.WeakKeyDictionary()
)


def _close_with_loop(loop: asyncio.AbstractEventLoop, clients: dict[_ClientKey, genai.Client]) -> None:
    """Close ``clients`` when ``loop`` shuts down, so no connection outlives it.

    ``asyncio.run`` finalizes every started async generator (``shutdown_asyncgens``) before closing the loop;
    a generator parked at its first ``yield`` is the one hook that runs inside the loop at that moment.
    """

    async def closer() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            for client in list(clients.values()):
                with contextlib.suppress(Exception):
                    await client.aio.aclose()
            clients.clear()

    gen = closer()
    _closers[loop] = gen  # the loop only holds a weak reference to its generators

    async def start() -> None:
        await gen.__anext__()

    loop.create_task(start())


@dataclass(frozen=True)
class Backend:
    """Everything a remote operation needs: settings, the client, the dedupe cache and the retry policy."""

    settings: Settings
    client: genai.Client
    cache: UploadCache
    retry: RetryPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> Backend:
        """Raises: AuthenticationError: no API key is configured."""
        client = get_client(settings)
        cache = UploadCache(settings.cache_dir, account_key(settings.base_url, settings.api_key))
        return cls(settings=settings, client=client, cache=cache, retry=RetryPolicy.from_settings(settings))
