"""Who may reach the HTTP server: the bind-address rule and the Host/Origin checks, as pure functions.

Decisions (and why):

* Authentication is required unless the server is reachable only from this machine: a loopback bind with
  no ``--public-host`` / ``--public-origin``. A reverse proxy in front of a loopback bind makes the server
  public, and naming a public host is how an operator says so, so it needs a token too. ``--no-auth`` is the
  deliberate way out (a warning is printed).
* Host and Origin are checked before authentication, so a DNS-rebinding page gets 421/403 whatever it sends.
  Loopback names are always allowed (health checks, a local proxy); a ``--public-host`` name is allowed with
  any port unless it names one. A non-loopback bind without ``--public-host`` does not check Host (clients
  may use any of the machine's addresses): the token is the protection there, and a browser page cannot
  attach it.
* Origin is checked whenever a browser sends one: loopback origins and ``--public-origin`` pass, anything
  else (including ``null``) is refused. Non-browser clients send no Origin.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["HostPolicy", "auth_refusal", "host_policy", "is_loopback", "normalize_origin", "split_host"]

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``), bracketed or not."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None]:
    """``"Example.com:8443"`` → ``("example.com", 8443)``; ``"[::1]"`` → ``("::1", None)``.

    Raises:
        ValueError: a port that is not a number.
    """
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:  # a bare name, or a bare IPv6 address
        name, port = value, ""
    return name, (int(port) if port else None)


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port, or None if ``origin`` is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


@dataclass(frozen=True)
class HostPolicy:
    """Allowed Host and Origin header values for one server."""

    hosts: frozenset[tuple[str, int | None]]
    """(name, port) pairs; a None port matches any port."""
    origins: frozenset[str]
    """Normalized origins allowed besides the loopback ones."""
    check_host: bool

    def host_allowed(self, host_header: str | None) -> bool:
        if not self.check_host:
            return True
        if not host_header:
            return False
        try:
            name, port = split_host(host_header)
        except ValueError:
            return False
        if name in _LOOPBACK_NAMES:
            return True
        return (name, None) in self.hosts or (name, port) in self.hosts

    def origin_allowed(self, origin: str | None) -> bool:
        if origin is None:  # not a browser, or a same-origin GET
            return True
        normalized = normalize_origin(origin)
        if normalized is None:
            return False
        hostname = urlsplit(normalized).hostname or ""
        return normalized in self.origins or (normalized.startswith("http") and hostname in _LOOPBACK_NAMES)


def host_policy(bind_host: str, public_hosts: list[str], public_origins: list[str]) -> HostPolicy:
    """The Host/Origin policy for a server bound to ``bind_host``.

    Raises:
        ValueError: a ``--public-host`` or ``--public-origin`` that cannot be parsed (the message names it).
    """
    hosts: set[tuple[str, int | None]] = set()
    for raw in public_hosts:
        try:
            name, port = split_host(raw)
        except ValueError:
            raise ValueError(f"--public-host {raw}: expected NAME or NAME:PORT.") from None
        if not name or "/" in name:
            raise ValueError(f"--public-host {raw}: expected NAME or NAME:PORT, not a URL.")
        hosts.add((name, port))
    origins: set[str] = set()
    for raw in public_origins:
        normalized = normalize_origin(raw)
        if normalized is None:
            raise ValueError(f"--public-origin {raw}: expected an origin such as https://audio.example.com.")
        origins.add(normalized)
    check_host = is_loopback(bind_host) or bool(hosts)
    return HostPolicy(frozenset(hosts), frozenset(origins), check_host)


def auth_refusal(bind_host: str, *, authenticated: bool, no_auth: bool, public: bool) -> str | None:
    """Why the server must not start unauthenticated, or None when it may start.

    ``public`` says ``--public-host`` or ``--public-origin`` was given (the server is reached from elsewhere).
    """
    if authenticated or no_auth:
        return None
    if is_loopback(bind_host) and not public:
        return None
    where = (
        f"--host {bind_host} is reachable from other machines"
        if not is_loopback(bind_host)
        else "--public-host/--public-origin say clients reach this server from elsewhere"
    )
    return (
        f"Refusing to serve without authentication: {where}, and anyone who reaches it could read the "
        "allowed audio files, spend your Gemini quota and delete your uploaded files. Set a token: put one "
        "in GEMINI_AUDIO_MCP_TOKEN or in a file passed with --auth-token-file FILE (make one with: python -c "
        "'import secrets; print(secrets.token_urlsafe(32))'), or use OAuth with --oauth-issuer. To serve "
        "without authentication anyway, pass --no-auth."
    )
