"""Running the HTTP app under uvicorn, with a deadline for request headers (slowloris).

uvicorn bounds a header's size (h11's incomplete-event limit) and the idle time between requests on a
kept-alive connection (``timeout_keep_alive``), but not the time a client may take to send a request's
headers: a client trickling a byte every few seconds holds its connection forever. :class:`DeadlineH11`
closes a connection that has not delivered complete headers ``request_timeout`` seconds after it opened or
after its previous response; the body has its own deadline in :class:`.http_app.Limits`. Each connection has
its own timer, so one slow client costs others nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DeadlineH11", "uvicorn_config"]

MAX_HEADER_BYTES = 16 * 1024


class DeadlineH11(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers are late."""

    header_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on a kept-alive connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self) -> None:
        """Close unless a request is being served (its body then has the app's own deadline)."""
        self._deadline = None
        serving = self.cycle is not None and not self.cycle.response_complete
        if serving or self.conn.their_state is h11.DONE or self.transport.is_closing():
            return
        self.transport.close()


def uvicorn_config(app: Any, host: str, port: int, request_timeout: float) -> Any:
    """A ``uvicorn.Config`` serving ``app`` with the deadlines above and no uvicorn access log (ours has no
    secrets and one line per call)."""
    import uvicorn

    protocol = type("DeadlineH11", (DeadlineH11,), {"header_timeout": request_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
    )
