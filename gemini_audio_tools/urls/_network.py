"""What a connection needs besides the URL: the allowed hosts, the time limits, and how names resolve.

Kept apart from the HTTP code (which imports h11 and TLS) so that importing the package stays cheap.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio

from ._addresses import IPAddress, parse_ip_literal
from ._policy import AllowedHost

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""``async (host, port) -> addresses``: how host names become addresses (injectable for tests)."""


@dataclass(frozen=True)
class Timeouts:
    """How long a download may take. Every limit holds on its own: a server that trickles a byte every few
    seconds passes ``read`` but fails ``min_bytes_per_second``, and nothing outlives ``total``."""

    connect: float = 10.0
    """Resolving the host, connecting and the TLS handshake (per attempt)."""
    read: float = 30.0
    """Longest wait for the next bytes of the answer."""
    total: float = 3600.0
    """The whole transfer, redirects included."""
    min_bytes_per_second: float = 4096.0
    """Average speed the body must keep once ``read`` seconds have passed since it started."""


@dataclass(frozen=True)
class Network:
    """Everything a connection needs besides the URL."""

    allowed_hosts: Sequence[AllowedHost]
    timeouts: Timeouts
    resolver: Resolver
    ssl_context: ssl.SSLContext | None = None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The addresses the system's resolver gives for ``host`` (in its order, without duplicates).

    Raises:
        socket.gaierror: the name does not resolve.
    """
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = parse_ip_literal(str(info[4][0]))
        if address is not None and address not in found:
            found.append(address)
    return found
