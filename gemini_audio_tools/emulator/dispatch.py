"""The per-request envelope every endpoint shares: counters, API-key check, injected faults, error JSON.

An :class:`Operation` is a raw ASGI endpoint (so it can drop a connection without answering, which a normal
request/response endpoint cannot) wrapping a handler ``async (Request) -> Response``.

A client that gives up (its timeout fires, its task is cancelled) is normal, not an error: the request ends
with one INFO line, counted under status 499 ("client closed request"), and what it held is released. Work
with effects the client may rely on later (an upload chunk, a finalize) is finished first, as the real service
does with a request it received whole; pure reads of the model (``cancel_when_abandoned``) stop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from .errors import ApiError, invalid_api_key, missing_api_key
from .state import EmulatorState

Handler = Callable[[Request], Awaitable[Response]]
API_VERSIONS = ("v1", "v1beta", "v1alpha")
"""google-genai 3.x sends ``v1``, older releases ``v1beta``; all are served identically."""
CLIENT_CLOSED_REQUEST = 499
"""Counted in ``faults.stats.statuses`` for requests whose client left before the answer (nginx's code)."""
logger = logging.getLogger(__name__)


class _DropConnection(Exception):
    """Raised inside a handler's body read when a drop fault fires."""


class _ClientGone(Exception):
    """The client closed the connection before its answer was ready."""


class Operation:
    """One API method as an ASGI app: ``name`` is what fault rules and counters match on.

    ``cancel_when_abandoned``: stop the handler as soon as its client disconnects (for side-effect-free work
    such as generation); otherwise the handler finishes and only its answer is dropped.
    """

    def __init__(
        self,
        name: str,
        handler: Handler,
        state: EmulatorState,
        *,
        needs_key: bool = True,
        error_headers: Mapping[str, str] | None = None,
        cancel_when_abandoned: bool = False,
    ) -> None:
        self.name = name
        self.handler = handler
        self.state = state
        self.needs_key = needs_key
        self.error_headers = dict(error_headers or {})
        self.cancel_when_abandoned = cancel_when_abandoned

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.state.faults
        faults.count_request(self.name)
        started = time.monotonic()
        drop_after: int | None = None
        counted = 0
        body_done = asyncio.Event()

        async def counting_receive() -> Message:
            nonlocal counted
            message = await receive()
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                faults.count_bytes(self.name, size)
                counted += size
                if drop_after is not None and counted >= drop_after:
                    raise _DropConnection
                if not message.get("more_body", False):
                    body_done.set()
            return message

        async def respond(request: Request) -> Response:
            nonlocal drop_after
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
            return await self.handler(request)

        def noticed() -> None:
            faults.count_abandoned(self.name)

        watch = _Watch(receive, body_done, noticed, cancel=self.cancel_when_abandoned)
        try:
            try:
                response = await watch.run(respond(Request(scope, counting_receive)))
            except ApiError as err:
                response = err.to_response(self.error_headers)
        except ClientDisconnect:  # while the request was still arriving
            noticed()
            self._client_gone(scope, started, "its request was cut off")
            return
        except _ClientGone:
            self._client_gone(scope, started, "its work was stopped")
            return
        except _DropConnection:
            faults.count_status(self.name, 0)
            await _drop(receive, send)
            return
        except asyncio.CancelledError:
            await self._stopping(scope, receive, send, started)
            return
        except Exception as exc:  # a bug in the emulator or its model: still answer in the API's error format
            logger.exception("Emulator error in %s", self.name)
            response = ApiError(
                500, f"Internal error in the Gemini emulator ({type(exc).__name__}: {exc})."
            ).to_response(self.error_headers)
        if watch.gone:
            self._client_gone(scope, started, "its work was finished, the answer dropped")
            return
        # Counted before the answer goes out: a client that has it may look at the counters at once.
        faults.count_status(self.name, response.status_code)
        answered = _Answered(receive, send, noticed)
        try:
            await response(scope, answered.receive, answered.send)
        except asyncio.CancelledError:  # the server stops in the middle of a (streamed) answer
            self._log_stopping(scope, started)
            with contextlib.suppress(Exception):  # end it properly: the client sees a short stream
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if answered.gone:
            faults.uncount_status(self.name, response.status_code)
            self._client_gone(scope, started, "in the middle of the answer")

    def _client_gone(self, scope: Scope, started: float, what: str) -> None:
        self.state.faults.count_status(self.name, CLIENT_CLOSED_REQUEST)
        logger.info(
            "Client gave up on %s %s (%s) after %.2f s; %s.",
            scope.get("method"),
            scope.get("path"),  # never the query string: it may carry ?key= or an upload_id
            self.name,
            time.monotonic() - started,
            what,
        )

    async def _stopping(self, scope: Scope, receive: Receive, send: Send, started: float) -> None:
        """The server is stopping with this request in flight: tell a client still waiting, in the API's
        format, instead of leaving uvicorn to log the cancellation as a crash."""
        self._log_stopping(scope, started)
        self.state.faults.count_status(self.name, 503)
        response = ApiError(503, "The Gemini emulator is shutting down; retry against a running one.")
        with contextlib.suppress(Exception):
            await response.to_response({**self.error_headers, "Connection": "close"})(scope, receive, send)

    def _log_stopping(self, scope: Scope, started: float) -> None:
        logger.info(
            "Emulator stopped while serving %s %s (%s) for %.2f s.",
            scope.get("method"),
            scope.get("path"),
            self.name,
            time.monotonic() - started,
        )

    def _check_key(self, request: Request) -> None:
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            raise missing_api_key()
        if not self.state.settings.key_is_valid(key):
            raise invalid_api_key()


class _Watch:
    """Notices a client that disconnects while its request is being worked on.

    Once the body has been read, nothing else reads the connection until the answer is sent, so listening
    for ``http.disconnect`` meanwhile takes nothing from the handler.
    """

    def __init__(
        self, receive: Receive, body_done: asyncio.Event, noticed: Callable[[], None], *, cancel: bool
    ) -> None:
        self._receive = receive
        self._body_done = body_done
        self._noticed = noticed
        self._cancel = cancel
        self.gone = False

    async def run(self, work: Awaitable[Response]) -> Response:
        """Await ``work``; stopped (when ``cancel``) as soon as the client leaves.

        Raises:
            _ClientGone: ``work`` was stopped because the client left.
        """
        with anyio.CancelScope() as scope:
            watcher = asyncio.ensure_future(self._watch(scope))
            try:
                return await work
            finally:
                watcher.cancel()  # not awaited: it only waits on the connection, and ends at once
        raise _ClientGone

    async def _watch(self, scope: anyio.CancelScope) -> None:
        await self._body_done.wait()
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.gone = True
        self._noticed()
        if self._cancel:
            scope.cancel()  # a model call in a worker thread ends first; the wait for it stops at once


class _Answered:
    """Wraps the answer's ``receive`` / ``send``: ``gone`` when the client left before the last byte (a
    stream the client stopped reading)."""

    def __init__(self, receive: Receive, send: Send, noticed: Callable[[], None]) -> None:
        self._receive, self._send, self._noticed = receive, send, noticed
        self.complete = False
        self.gone = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" and not self.complete and not self.gone:
            self.gone = True
            self._noticed()
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)


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
