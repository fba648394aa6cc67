"""Run the emulator: in a background thread for tests and the MCP server's ``--emulator``, or in the
foreground for ``gemini-audio emulator``.

The listening socket is bound and listening before uvicorn starts, so port 0 picks a free port whose number is
known at once, and a client may connect the moment it has the number: the kernel queues the connection until
uvicorn accepts it, so startup needs no polling. Shutdown takes about 0.2 s (uvicorn's 0.1 s tick plus its
drain pause); a foreground ``serve`` stopped by a signal exits the process within a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

import uvicorn

from .app import create_app
from .model_types import EmulatorModel
from .settings import EmulatorSettings
from .state import EmulatorState

_STARTUP_TIMEOUT = 10.0
_GRACE_SECONDS = 0.3
"""How long a stopping foreground server lets requests in flight finish before answering them 503."""


class EmulatorServer:
    """An emulator serving on ``host:port`` from a daemon thread; use as a context manager.

    ``base_url`` is what ``GOOGLE_GEMINI_BASE_URL`` (or ``HttpOptions(base_url=...)``) must be set to, and
    ``state`` is the emulated project (files, faults, clock, counters) for tests to inspect and steer.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state: EmulatorState | None = None,
        settings: EmulatorSettings | None = None,
        model: EmulatorModel | None = None,
        log_level: str = "warning",
    ) -> None:
        self.host = host
        self.state = state or EmulatorState(settings=settings, model=model)
        self._owns_state = state is None
        self._socket = _bind(host, port)
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.state),
            log_level=log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> str:
        """Start serving in a background thread and return ``base_url`` once requests are accepted.

        Raises:
            RuntimeError: the server did not come up within 10 s (or was already started).
        """
        if self._thread is not None:
            raise RuntimeError("This EmulatorServer was already started; create a new one.")
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._socket])),
            name=f"gemini-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = _STARTUP_TIMEOUT
        step = 0.005
        while not self._server.started:
            if not self._thread.is_alive() or deadline <= 0:
                self.stop()
                raise RuntimeError(f"The Gemini emulator failed to start on {self.base_url}.")
            threading.Event().wait(step)
            deadline -= step
        return self.base_url

    def stop(self) -> None:
        """Stop serving, close open connections and (if this server created its state) delete stored files."""
        self._server.should_exit = True
        self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._socket.close()
        if self._owns_state:
            self.state.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def run_emulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    settings: EmulatorSettings | None = None,
    model: EmulatorModel | None = None,
) -> Iterator[str]:
    """Serve an emulator for the duration of the ``with`` block and yield its base URL.

    Raises:
        RuntimeError: the server did not start.
        OSError: ``host:port`` cannot be bound.
    """
    with EmulatorServer(host, port, settings=settings, model=model) as server:
        yield server.base_url


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    settings: EmulatorSettings | None = None,
    model: EmulatorModel | None = None,
    out: TextIO | None = None,
    log_level: str = "warning",
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C / SIGTERM), for ``gemini-audio emulator``.

    The first line written to ``out`` (stdout by default) is ``GOOGLE_GEMINI_BASE_URL=http://HOST:PORT``
    with the real port (also when ``port`` is 0), flushed once the socket listens, so a parent process can
    read it and connect at once.

    Stopped by Ctrl-C / SIGTERM, it returns once its files are deleted, with the garbage collector's current
    objects frozen: the process is about to exit, and collecting google-genai's large module graph at
    interpreter shutdown would otherwise take about a second (a supervisor waiting on SIGTERM notices).

    Raises:
        OSError: ``host:port`` cannot be bound (e.g. already in use).
    """
    state = EmulatorState(settings=settings, model=model)
    sock = _bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    stream = out or sys.stdout
    stream.write(f"GOOGLE_GEMINI_BASE_URL=http://{shown}:{sock.getsockname()[1]}\n")
    stream.flush()
    config = uvicorn.Config(
        create_app(state),
        log_level=log_level,
        access_log=False,
        lifespan="off",
        # Annotated int, but uvicorn hands it to asyncio.wait_for, which takes fractions of a second.
        timeout_graceful_shutdown=_GRACE_SECONDS,  # type: ignore[arg-type]
    )
    stopped = False
    try:
        with _stop_quietly_on_signals():
            asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))
    except _Stopped:
        stopped = True
    finally:
        sock.close()
        state.close()
    if stopped:
        gc.freeze()


class _Stopped(Exception):
    """Ctrl-C / SIGTERM after uvicorn's graceful shutdown: end ``serve`` normally, files cleaned up."""


@contextmanager
def _stop_quietly_on_signals() -> Iterator[None]:
    """Uvicorn re-raises the stopping signal once it has shut down; make that an exception we catch, instead
    of the default action (SIGTERM would kill the process before the temp files are deleted)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_BACKLOG = 2048
"""uvicorn's own default backlog: connections queued while the server is still starting."""


def _bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and already listening (uvicorn accepts on it later).

    Raises:
        OSError: the address cannot be bound (e.g. the port is in use).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
