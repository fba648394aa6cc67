"""Calls about one named API resource (a batch, a cache) and one page of a list, with the one retry loop.

The API answers 403 or 404 for a name it does not have (403 when the name was never yours); either becomes
the caller's own not-found error, unless the message is about the API key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.genai import errors as genai_errors
from google.genai.pagers import AsyncPager

from ..errors import GeminiAudioError
from .client import Backend
from .retry import with_retries

T = TypeVar("T")


async def about(
    backend: Backend,
    action: str,
    request: Callable[[], Awaitable[T]],
    missing: Callable[[str | None], GeminiAudioError],
) -> T:
    """Run ``request`` about one named resource, with retries.

    Raises:
        GeminiAudioError: ``missing(message)`` when the API does not have it; other failures after retries.
    """

    async def call() -> T:
        try:
            return await request()
        except genai_errors.ClientError as exc:
            if exc.code in (403, 404) and "key" not in str(exc.message or "").lower():
                raise missing(exc.message) from None
            raise

    return await with_retries(call, backend.retry, action=action)


async def one_page(
    backend: Backend, action: str, request: Callable[[], Awaitable[AsyncPager[T]]]
) -> tuple[list[T], str | None]:
    """The first page ``request`` lists, and the token of the next page (``None`` on the last).

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    pager = await with_retries(request, backend.retry, action=action)
    token: Any = pager.config.get("page_token")
    return list(pager.page), token or None
