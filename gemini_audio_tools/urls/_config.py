"""Reading an allowed-host entry (``GEMINI_AUDIO_ALLOWED_HOSTS`` / ``--allow-host``, kept as text in the
settings). A bad entry is a configuration error naming it, never ignored."""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from ._addresses import parse_ip_literal
from ._policy import AllowedHost, normal_host


def parse_allowed_host(text: str) -> AllowedHost:
    """An allowed-host entry: ``host``, ``host:port``, ``[v6]``, ``[v6]:port`` (a URL's host part is also
    taken, e.g. ``http://127.0.0.1:8000/``).

    Raises:
        ConfigurationError: not a host name or address, or a bad port.
    """
    raw = text.strip()
    entry = urlsplit(raw).netloc.rpartition("@")[2] if "://" in raw else raw
    host, port = entry, None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), text) if rest.startswith(":") else _bad_entry(text)
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        port = _port(port_text, text)
    address = parse_ip_literal(host)
    if address is not None:
        return AllowedHost(str(address), port)
    name = normal_host(host)
    if name is None:
        _bad_entry(text)
    return AllowedHost(name, port)


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        _bad_entry(entry)
    return int(text)


def _bad_entry(entry: str) -> NoReturn:
    raise ConfigurationError(
        f"Allowed host {entry.strip()!r} is not a host name, an IP address or host:port (e.g. "
        "127.0.0.1:8000, nas.local, [::1]:8080)."
    )
