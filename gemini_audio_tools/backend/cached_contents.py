"""Context caches for the library: thin async calls over ``client.aio.caches``, each through the one retry
loop and the library's error mapping. No decisions about when caching pays off here.

A cache is billed for its storage time and must hold a per-model minimum of tokens; the API's "Cached
content is too small" refusal becomes an error saying how many tokens were cached and how many are needed.
Creating a cache is not idempotent (each create is a new, separately billed cache), so a create whose answer
was lost is not retried.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from google.genai import errors as genai_errors
from google.genai import types

from ..errors import CachedContentNotFoundError, InvalidArgumentError, ServiceUnavailableError
from .client import Backend
from .errors import is_transport_error
from .resources import about, one_page
from .retry import with_retries

T = TypeVar("T")
_TOO_SMALL = re.compile(r"total_token_count=(\d+), min_total_token_count=(\d+)")


def ttl(seconds: float) -> str:
    """``seconds`` as the API's Duration string (``"300s"``, ``"0.5s"``).

    Raises:
        InvalidArgumentError: ``seconds`` is not a positive, finite number.
    """
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidArgumentError(f"A cache's TTL must be a positive number of seconds, got {seconds!r}.")
    return f"{seconds:.9f}".rstrip("0").rstrip(".") + "s"


def cache_gone(exc: BaseException) -> bool:
    """True for the API's answer about a cache that is unknown, deleted or expired (403 "CachedContent not
    found (or permission denied)", or a 404), as opposed to a rejected key."""
    if not isinstance(exc, genai_errors.ClientError) or exc.code not in (403, 404):
        return False
    message = str(exc.message or "").lower()
    return "cachedcontent" in message.replace(" ", "") and "key" not in message


async def create_cache(
    backend: Backend,
    parts: Sequence[types.Part],
    *,
    ttl_seconds: float,
    model: str,
    system_instruction: str | None = None,
    display_name: str | None = None,
) -> types.CachedContent:
    """Cache ``parts`` (audio by file URI or inline, text) for ``ttl_seconds`` on ``model``.

    Raises:
        InvalidArgumentError: too few tokens for the model's minimum, or another refused argument.
        ServiceUnavailableError: the answer was lost, so the cache may exist (not retried).
        GeminiAudioError: the API failed, after retries.
    """
    chosen = model
    config = types.CreateCachedContentConfig(
        contents=[types.Content(role="user", parts=list(parts))] if parts else None,
        system_instruction=system_instruction,
        ttl=ttl(ttl_seconds),
        display_name=display_name,
    )

    async def call() -> types.CachedContent:
        try:
            return await backend.client.aio.caches.create(model=chosen, config=config)
        except genai_errors.ClientError as exc:
            match = _TOO_SMALL.search(str(exc.message or ""))
            if match:
                total, minimum = match.groups()
                raise InvalidArgumentError(
                    f"Too little to cache on {chosen}: {total} tokens, and a cache needs at least {minimum} "
                    f"(about {int(minimum) / 32:g} s of audio at 32 tokens/s). Send it without a cache."
                ) from None
            raise
        except Exception as exc:
            if is_transport_error(exc):
                raise ServiceUnavailableError(
                    f"Lost the connection to the Gemini API while creating a cache on {chosen} "
                    f"({type(exc).__name__}); it may exist and bill storage until its TTL ends. Call "
                    "list_caches before creating it again."
                ) from None
            raise

    return await with_retries(call, backend.retry, action=f"creating a cache on {chosen}")


async def get_cache(backend: Backend, name: str) -> types.CachedContent:
    """The cache ``name`` (``cachedContents/…``): model, expiry, token count.

    Raises:
        CachedContentNotFoundError: unknown, deleted or expired.
        GeminiAudioError: the API failed, after retries.
    """
    return await _about(backend, name, f"reading {name}", lambda: backend.client.aio.caches.get(name=name))


async def list_caches(
    backend: Backend, *, page_size: int | None = None, page_token: str | None = None
) -> tuple[list[types.CachedContent], str | None]:
    """One page of live caches and the token of the next page (``None`` on the last).

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    config = types.ListCachedContentsConfig(page_size=page_size, page_token=page_token)
    return await one_page(backend, "listing caches", lambda: backend.client.aio.caches.list(config=config))


async def update_cache_ttl(backend: Backend, name: str, ttl_seconds: float) -> types.CachedContent:
    """Make the cache ``name`` expire ``ttl_seconds`` from now (the only change the API allows).

    Raises:
        InvalidArgumentError: ``ttl_seconds`` is not positive.
        CachedContentNotFoundError: unknown, deleted or already expired.
        GeminiAudioError: the API failed, after retries.
    """
    config = types.UpdateCachedContentConfig(ttl=ttl(ttl_seconds))
    return await _about(
        backend,
        name,
        f"extending {name}",
        lambda: backend.client.aio.caches.update(name=name, config=config),
    )


async def delete_cache(backend: Backend, name: str) -> None:
    """Delete the cache ``name`` now, ending its storage charges.

    Raises:
        CachedContentNotFoundError: unknown, deleted or already expired.
        GeminiAudioError: the API failed, after retries.
    """
    await _about(backend, name, f"deleting {name}", lambda: backend.client.aio.caches.delete(name=name))


async def _about(backend: Backend, name: str, action: str, request: Callable[[], Awaitable[T]]) -> T:
    """Run ``request`` about cache ``name``; the API answers 403 (or 404) for one that does not exist."""

    def missing(message: str | None) -> CachedContentNotFoundError:
        return CachedContentNotFoundError(
            f"No cache named {name!r} ({message}): it expired or was deleted. Create it again "
            "with create_cache, or send the audio without a cache."
        )

    return await about(backend, action, request, missing)
