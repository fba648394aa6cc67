"""The per-request envelope every endpoint shares: counters, API-key check, injected faults, error JSON.

An :class:`Operation` is a raw ASGI endpoint (so it can drop a connection without answering, which a normal
request/response endpoint cannot) wrapping a handler ``async (Request) -> Response``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from .errors import ApiError, invalid_api_key, missing_api_key
from .state import EmulatorState

Handler = Callable[[Request], Awaitable[Response]]
API_VERSIONS = ("v1", "v1beta", "v1alpha")
"""google-genai 3.x sends ``v1``, older releases ``v1beta``; all are served identically."""
logger = logging.getLogger(__name__)


class _DropConnection(Exception):
    """Raised inside a handler's body read when a drop fault fires."""


class Operation:
    """One API method as an ASGI app: ``name`` is what fault rules and counters match on."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        state: EmulatorState,
        *,
        needs_key: bool = True,
        error_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.handler = handler
        self.state = state
        self.needs_key = needs_key
        self.error_headers = dict(error_headers or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.state.faults
        faults.count_request(self.name)
        drop_after: int | None = None

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                faults.count_bytes(self.name, size)
                counted[0] += size
                if drop_after is not None and counted[0] >= drop_after:
                    raise _DropConnection
            return message

        counted = [0]
        request = Request(scope, counting_receive)
        try:
            version = scope.get("path_params", {}).get("version")
            if version is not None and version not in API_VERSIONS:
                raise ApiError(
                    404, f"API version '{version}' is not served; use one of {', '.join(API_VERSIONS)}."
                )
            if self.needs_key:
                self._check_key(request)
            rule = faults.take(self.name)
            if rule is not None and rule.kind == "error":
                raise rule.to_error()
            if rule is not None and rule.kind == "latency":
                # A slow *answer*: the request arrived whole, so the work is done even if the client gives
                # up waiting (as with the real service) - read it before sleeping.
                await request.body()
                await asyncio.sleep(rule.latency_seconds)
            if rule is not None and rule.kind == "drop":
                drop_after = rule.drop_after_bytes
                if drop_after == 0:
                    raise _DropConnection
            response = await self.handler(request)
        except ApiError as err:
            response = err.to_response(self.error_headers)
        except _DropConnection:
            faults.count_status(self.name, 0)
            await _drop(receive, send)
            return
        except Exception as exc:  # a bug in the emulator or its model: still answer in the API's error format
            logger.exception("Emulator error in %s", self.name)
            response = ApiError(
                500, f"Internal error in the Gemini emulator ({type(exc).__name__}: {exc})."
            ).to_response(self.error_headers)
        faults.count_status(self.name, response.status_code)
        await response(scope, receive, send)

    def _check_key(self, request: Request) -> None:
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            raise missing_api_key()
        if not self.state.settings.key_is_valid(key):
            raise invalid_api_key()


async def _drop(receive: Receive, send: Send) -> None:
    """Close the client's connection without a response, as a network failure mid-request looks.

    Uvicorn's ``receive`` is a bound method of the request cycle that owns the socket's transport; closing
    it makes the client see a reset connection. Other servers get a response start followed by an abort.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is not None:
        transport.close()

        async def until_disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        # Let the server notice the disconnect, so it does not try to answer with a 500.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(until_disconnected(), timeout=1.0)
        return
    await send({"type": "http.response.start", "status": 500, "headers": []})
    raise ConnectionAbortedError("Injected connection drop.")
