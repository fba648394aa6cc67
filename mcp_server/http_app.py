"""The streamable-HTTP app: Host/Origin checks, authentication, limits, then the SDK's session manager.

A request to ``/mcp`` passes, in order:

1. :class:`Gate` — Host and Origin (421 / 403), before anything else reads the request. It also writes
   refusals made further in (401 / 403 from authentication) to the access log.
2. The SDK's ``AuthenticationMiddleware`` + ``BearerAuthBackend`` + ``RequireAuthMiddleware`` (401 with
   ``WWW-Authenticate``, naming the protected-resource metadata in OAuth mode), when a verifier is set.
3. :class:`Limits` — the caller's request rate (429 + Retry-After), the body read whole within a size cap
   (413) and a deadline (408), and for ``tools/call`` a slot among the caller's concurrent calls (429).
4. The SDK's ``StreamableHTTPSessionManager`` (the same class and ``handle_request`` in mcp 1.x and 2.x).

Every refusal is a small JSON body: a JSON-RPC error (so mcp 2.x's client shows its message to the caller)
whose text says what was wrong and what to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from .access_log import ANONYMOUS, CALLER_SCOPE_KEY, AccessLog
from .http_limits import BodyTimeout, BodyTooLarge, CallLimiter, CallsBusy, RateLimiter, drain_body, read_body
from .http_oauth import OAuthConfig
from .http_policy import HostPolicy

__all__ = ["Gate", "HttpOptions", "Limits", "build_http_app", "refuse"]

_SERVER_ERROR = -32000
_DRAIN_BYTES = 16 * 1024 * 1024
"""How much of a refused body is read and dropped, so that a client still sending it sees the 413."""


@dataclass
class HttpOptions:
    """Everything the HTTP transport needs besides the MCP server itself."""

    host: str = "127.0.0.1"
    port: int = 8000
    policy: HostPolicy = field(default_factory=lambda: HostPolicy(frozenset(), frozenset(), True))
    verifier: Any = None
    """An SDK ``TokenVerifier``; None serves without authentication."""
    oauth: OAuthConfig | None = None
    rate: float = 50.0
    burst: int = 100
    max_calls: int = 8
    max_queued: int = 64
    max_body: int = 1024 * 1024
    request_timeout: float = 10.0
    """Seconds a client has to send a request's headers, and again its body."""
    access_log: AccessLog | None = None


def _client(scope: dict[str, Any]) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


async def refuse(
    send: Any,
    status: int,
    message: str,
    request_id: Any = None,
    headers: dict[str, str] | None = None,
    close: bool = False,
) -> None:
    """Answer with ``status`` and a JSON-RPC error body carrying ``message``; ``close`` ends the connection
    (the rest of the request body was not read)."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "error": {"code": _SERVER_ERROR, "message": message}}
    ).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Gate:
    """Host/Origin checks for every route, and the access-log line of auth refusals made further in."""

    def __init__(self, app: Any, policy: HostPolicy, access_log: AccessLog | None) -> None:
        self.app, self.policy, self.access_log = app, policy, access_log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not self.policy.host_allowed(headers.get("host")):
            await self._refuse(scope, send, 421, "host", "This server is not reachable under that Host name.")
            return
        if not self.policy.origin_allowed(headers.get("origin")):
            await self._refuse(scope, send, 403, "origin", "Requests from that Origin are not allowed.")
            return
        if self.access_log is None:
            await self.app(scope, receive, send)
            return

        async def observed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                assert self.access_log is not None
                reason = "token" if message["status"] == 401 else "scope"
                self.access_log.refused(message["status"], reason, ANONYMOUS, _client(scope), scope["method"])
            await send(message)

        await self.app(scope, receive, observed)

    async def _refuse(self, scope: dict[str, Any], send: Any, status: int, reason: str, text: str) -> None:
        if self.access_log is not None:
            self.access_log.refused(status, reason, ANONYMOUS, _client(scope), scope["method"])
        hint = " Add the name clients use with --public-host NAME (and --public-origin URL for browsers)."
        await refuse(send, status, text + hint)


class Limits:
    """Per-caller rate, body and concurrency limits in front of the session manager's ASGI app."""

    def __init__(self, app: Any, options: HttpOptions) -> None:
        self.app, self.options = app, options
        self.rates = RateLimiter(options.rate, options.burst)
        self.calls = CallLimiter(options.max_calls, options.max_queued)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        caller = _identity(scope)
        scope[CALLER_SCOPE_KEY] = caller
        allowed, wait = self.rates.reserve(caller)
        if not allowed:
            retry = max(1, round(wait + 0.5))
            message = (
                f"Too many requests for this caller (limit {self.options.rate:g} per second); "
                f"retry after {retry} s."
            )
            await self._refuse(scope, send, 429, "rate", message, headers={"Retry-After": str(retry)})
            return
        if wait > 0:
            await asyncio.sleep(wait)
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        try:
            body = await read_body(receive, self.options.max_body, self.options.request_timeout, declared)
        except BodyTooLarge:
            drained = declared is None or declared <= _DRAIN_BYTES
            drained = drained and await drain_body(receive, _DRAIN_BYTES, self.options.request_timeout)
            message = f"Request body over {self.options.max_body} bytes; send less."
            await self._refuse(scope, send, 413, "body_size", message, close=not drained)
            return
        except BodyTimeout:
            message = "The request body did not arrive in time; send it without pauses."
            await self._refuse(scope, send, 408, "body_time", message, close=True)
            return
        replay = _replayer(body, receive)
        call_id = _tool_call_id(body)
        if call_id is None:
            await self.app(scope, replay, send)
            return
        try:
            async with self.calls.slot(caller):
                await self.app(scope, replay, send)
        except CallsBusy:
            running, queued = self.options.max_calls, self.options.max_queued
            message = (
                f"Too many tool calls under way for this caller ({running} running, {queued} waiting); "
                "wait for some to finish, then retry."
            )
            await self._refuse(scope, send, 429, "calls", message, call_id[0], {"Retry-After": "1"})

    async def _refuse(
        self,
        scope: dict[str, Any],
        send: Any,
        status: int,
        reason: str,
        message: str,
        request_id: Any = None,
        headers: dict[str, str] | None = None,
        close: bool = False,
    ) -> None:
        if self.options.access_log is not None:
            caller = scope[CALLER_SCOPE_KEY]
            self.options.access_log.refused(status, reason, caller, _client(scope), scope["method"])
        await refuse(send, status, message, request_id, headers, close)


def _identity(scope: dict[str, Any]) -> str:
    """The verifiers put the caller's identity (never the token) in ``AccessToken.token``."""
    access = getattr(scope.get("user"), "access_token", None)
    return str(access.token) if access is not None else ANONYMOUS


def _content_length(scope: dict[str, Any]) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _tool_call_id(body: bytes) -> tuple[Any] | None:
    """``(id,)`` when ``body`` is a JSON-RPC ``tools/call`` request, else None (left to the SDK to judge)."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if isinstance(message, dict) and message.get("method") == "tools/call":
        return (message.get("id"),)
    return None


def _replayer(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: dict[str, Any] = await receive()
        return message

    return replay


def build_http_app(server: Any, options: HttpOptions) -> Any:
    """The Starlette app serving ``server`` at ``/mcp`` with ``options``' checks in front."""
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route

    # Host/Origin are checked by Gate (with the same loopback names the SDK would use); the SDK still
    # checks Content-Type.
    manager = StreamableHTTPSessionManager(app=server)
    _quiet_closed_streams()

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        await manager.handle_request(scope, receive, send)

    mcp_app: Any = Limits(endpoint, options)
    routes: list[Any] = []
    middleware: list[Any] = []
    if options.verifier is not None:
        from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
        from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
        from starlette.middleware.authentication import AuthenticationMiddleware

        middleware = [
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(options.verifier)),
            Middleware(AuthContextMiddleware),
        ]
        metadata_url = None
        if options.oauth is not None:
            routes += _protected_resource_routes(options.oauth)
            metadata_url = _metadata_url(options.oauth)
        scopes = list(options.oauth.scopes) if options.oauth else []
        mcp_app = RequireAuthMiddleware(mcp_app, scopes, metadata_url)
    routes.append(Route("/mcp", endpoint=mcp_app))  # an ASGI app: Route passes the raw scope
    app = Starlette(routes=routes, middleware=middleware, lifespan=lambda _: manager.run())
    return Gate(app, options.policy, options.access_log)


def _protected_resource_routes(oauth: OAuthConfig) -> list[Any]:
    from mcp.server.auth.routes import create_protected_resource_routes
    from pydantic import AnyHttpUrl

    return create_protected_resource_routes(
        resource_url=AnyHttpUrl(oauth.resource_url),
        authorization_servers=[AnyHttpUrl(oauth.issuer)],
        scopes_supported=list(oauth.scopes) or None,
        resource_name="gemini-audio-tools",
    )


def _metadata_url(oauth: OAuthConfig) -> Any:
    from mcp.server.auth.routes import build_resource_metadata_url
    from pydantic import AnyHttpUrl

    return build_resource_metadata_url(AnyHttpUrl(oauth.resource_url))


class _ClosedStreamNoise(logging.Filter):
    """mcp 1.x logs a traceback whenever a client ends its session (its SSE stream is already closed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        closed = record.exc_info is not None and type(record.exc_info[1]).__name__ == "ClosedResourceError"
        return not (closed and record.getMessage() == "Error in standalone SSE writer")


def _quiet_closed_streams() -> None:
    logger = logging.getLogger("mcp.server.streamable_http")
    if not any(isinstance(f, _ClosedStreamNoise) for f in logger.filters):
        logger.addFilter(_ClosedStreamNoise())
