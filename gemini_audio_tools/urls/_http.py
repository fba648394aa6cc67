"""One HTTP/1.1 GET on one connection to an address that was checked: the only code here that opens sockets.

Decisions (and why):
* **The address checked is the address connected to.** The host is resolved once, *every* address it
  resolves to is checked (one private address refuses the host: a mixed answer is a rebinding attempt or a
  misconfiguration), and the socket is opened to those addresses, never to the name, so DNS cannot answer
  differently between the check and the connection. TLS still verifies the certificate against the host
  name (and sends it as SNI).
* **h11 on an anyio stream, not an HTTP client library:** a client would resolve names itself, honour
  ``HTTP(S)_PROXY`` (a proxy resolves names where we cannot check them) and log response headers at DEBUG,
  where a redirect's ``Location`` carries the next URL's signature. With h11 nothing is logged and nothing is
  resolved behind our back. One request per connection: redirects usually change host anyway.
* Exceptions from the network are turned into the library's errors here, with messages built from the
  redacted URL; the text of an OS, TLS or protocol exception is never passed through whole.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncGenerator, Sequence

import anyio
import anyio.abc
import h11
from anyio.streams.tls import TLSStream

from ..errors import DownloadError, DownloadUnavailableError, UrlNotAllowedError
from ._addresses import IPAddress, blocked_reason, parse_ip_literal
from ._answers import Head
from ._network import Network, Timeouts
from ._policy import Target, is_allowed, refusal

USER_AGENT = "gemini-audio-tools (URL input)"
_MAX_HEAD_BYTES = 64 * 1024


class Exchange:
    """One GET on its own connection: :meth:`open` sends it and reads the head, :meth:`body` the rest."""

    def __init__(self, stream: anyio.abc.ByteStream, label: str, timeouts: Timeouts) -> None:
        self._stream = stream
        self._label = label
        self._timeouts = timeouts
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD_BYTES)
        self.head = Head(0, {})

    @classmethod
    async def open(cls, target: Target, headers: list[tuple[str, str]], label: str, net: Network) -> Exchange:
        """Connect to ``target`` (checking its addresses), send the GET and read the response's head.

        Raises:
            UrlNotAllowedError: the host resolves to a non-public address that is not allowed.
            DownloadError: the name does not exist, TLS fails, or the server breaks HTTP.
            DownloadUnavailableError: no connection, a timeout, or a dropped connection.
        """
        stream = await _connect(target, label, net)
        exchange = cls(stream, label, net.timeouts)
        try:
            request = h11.Request(
                method="GET",
                target=target.target,
                headers=[
                    ("Host", target.host_header),
                    ("User-Agent", USER_AGENT),
                    ("Accept", "*/*"),
                    ("Accept-Encoding", "identity"),
                    ("Connection", "close"),
                    *headers,
                ],
            )
            await exchange._send(
                _bytes(exchange._h11.send(request)) + _bytes(exchange._h11.send(h11.EndOfMessage()))
            )
            exchange.head = await exchange._read_head()
        except BaseException:
            await exchange.aclose()
            raise
        return exchange

    async def body(self) -> AsyncGenerator[bytes, None]:
        """The body's bytes as they arrive.

        Raises:
            DownloadError / DownloadUnavailableError: as :meth:`open`, e.g. the connection drops mid-body.
        """
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return

    async def aclose(self) -> None:
        await anyio.aclose_forcefully(self._stream)

    async def _send(self, data: bytes) -> None:
        try:
            with anyio.fail_after(self._timeouts.read):
                await self._stream.send(data)
        except TimeoutError:
            raise DownloadUnavailableError(
                f"{self._label}: the server did not take the request within {self._timeouts.read:g} s."
            ) from None
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, ssl.SSLError):
            raise self._dropped() from None

    async def _read_head(self) -> Head:
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1") for name, value in event.headers
                }
                return Head(event.status_code, headers)
            if isinstance(event, h11.ConnectionClosed):
                raise self._dropped()

    async def _next_event(self) -> object:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError:
                if self._h11.their_state is h11.ERROR and self.head.status:
                    raise self._dropped() from None
                raise DownloadError(f"{self._label}: the server's answer is not valid HTTP/1.1.") from None
            if event is not h11.NEED_DATA:
                return event
            self._h11.receive_data(await self._receive())

    async def _receive(self) -> bytes:
        try:
            with anyio.fail_after(self._timeouts.read):
                return await self._stream.receive(65536)
        except anyio.EndOfStream:
            return b""
        except TimeoutError:
            raise DownloadUnavailableError(
                f"{self._label}: the server sent nothing for {self._timeouts.read:g} s; it may be "
                "overloaded. Try again later."
            ) from None
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, ssl.SSLError):
            raise self._dropped() from None

    def _dropped(self) -> DownloadUnavailableError:
        return DownloadUnavailableError(
            f"{self._label}: the server closed the connection before the answer was complete. Try again "
            "later."
        )


async def _connect(target: Target, label: str, net: Network) -> anyio.abc.ByteStream:
    addresses = await _permitted_addresses(target, label, net)
    timeout = net.timeouts.connect
    failure: BaseException | None = None
    for address in addresses:
        try:
            with anyio.fail_after(timeout):
                stream: anyio.abc.ByteStream = await anyio.connect_tcp(str(address), target.port)
        except (OSError, TimeoutError) as exc:
            failure = exc
            continue
        if target.scheme == "https":
            stream = await _start_tls(stream, target, label, net)
        return stream
    where = f"{target.host}:{target.port}"
    reason = f"no answer within {timeout:g} s" if isinstance(failure, TimeoutError) else _os_reason(failure)
    raise DownloadUnavailableError(
        f"{label}: could not connect to {where} ({reason}); the server may be down. Try again later."
    )


async def _start_tls(stream: anyio.abc.ByteStream, target: Target, label: str, net: Network) -> TLSStream:
    context = net.ssl_context or _default_ssl_context()
    try:
        with anyio.fail_after(net.timeouts.connect):
            return await TLSStream.wrap(
                stream, hostname=target.host, ssl_context=context, standard_compatible=False
            )
    except ssl.SSLCertVerificationError as exc:
        await anyio.aclose_forcefully(stream)
        raise DownloadError(
            f"{label}: the server's TLS certificate is not valid for {target.host} "
            f"({exc.verify_message or 'verification failed'}); the download was not attempted."
        ) from None
    except (ssl.SSLError, OSError, TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError) as exc:
        await anyio.aclose_forcefully(stream)
        detail = "timed out" if isinstance(exc, TimeoutError) else "failed"
        raise DownloadUnavailableError(f"{label}: the TLS handshake with {target.host} {detail}.") from None


async def _permitted_addresses(target: Target, label: str, net: Network) -> list[IPAddress]:
    literal = parse_ip_literal(target.host)
    if literal is not None:
        found: Sequence[IPAddress] = [literal]
    else:
        found = await _resolve(target, label, net)
    for address in found:
        reason = blocked_reason(address)
        if reason and not is_allowed(net.allowed_hosts, target.host, target.port, address):
            raise UrlNotAllowedError(refusal(label, address, reason, literal=literal is not None))
    return list(found)


async def _resolve(target: Target, label: str, net: Network) -> Sequence[IPAddress]:
    try:
        with anyio.fail_after(net.timeouts.connect):
            found = await net.resolver(target.host, target.port)
    except TimeoutError:
        raise DownloadUnavailableError(
            f"{label}: looking up {target.host} took longer than {net.timeouts.connect:g} s (DNS). Try again "
            "later."
        ) from None
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_AGAIN:
            raise DownloadUnavailableError(
                f"{label}: looking up {target.host} failed for now (DNS). Try again later."
            ) from None
        found = []
    if not found:
        raise DownloadError(
            f"{label}: the host name {target.host} was not found (DNS); check the URL's spelling."
        )
    return found


def _default_ssl_context() -> ssl.SSLContext:
    """The system's trusted CAs plus certifi's (the set httpx and the google-genai SDK use)."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):
        pass
    return context


def _bytes(data: bytes | None) -> bytes:
    return data or b""


def _os_reason(exc: BaseException | None) -> str:
    cause = exc.__cause__ if exc is not None and exc.__cause__ is not None else exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return "connection failed"
