"""What a URL argument is, whether it may be fetched, and how it is shown: pure, no DNS and no sockets.

Decisions (and why):
* :func:`is_url` is true for *any* ``scheme://…`` (and ``file:``/``data:``-style) text, not only http(s), so
  the caller routes ``ftp://…`` or ``file:///etc/passwd`` here and the user gets "only http(s) URLs are
  fetched" instead of a puzzling "no such file".
* A URL is never shown as given: :func:`redact_url` drops ``user:password@`` and every query value (signed
  URLs carry their signature there: ``X-Amz-Signature``, ``X-Goog-Signature``, ``sig``, ``token``, ``key``)
  and the fragment. Every message this package builds goes through it.
* Allowed hosts are the only exception to the address rules, matched by name or by address (allowing
  ``127.0.0.1`` also allows ``http://127.1/``), with an optional port. Reading them: ``_config``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..errors import UrlNotAllowedError
from ._addresses import IPAddress, blocked_reason, parse_ip_literal, same_address

ALLOW_HINT = "GEMINI_AUDIO_ALLOWED_HOSTS or pass --allow-host"

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]+):")
_SLASHLESS_SCHEMES = frozenset({"data", "file", "javascript", "mailto", "about", "blob", "urn"})
_BLOCKED_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.goog"})
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class AllowedHost:
    """A host URL downloads may reach although it is loopback/private (``GEMINI_AUDIO_ALLOWED_HOSTS``)."""

    host: str
    """Lowercase ASCII host name, or an IP address in its normal form (no brackets)."""
    port: int | None = None
    """Only this port, or any port when None."""

    def matches(self, host: str, port: int, address: IPAddress | None = None) -> bool:
        """True if a connection to ``host`` (resolved to ``address``) on ``port`` is allowed by this entry."""
        if self.port is not None and self.port != port:
            return False
        mine = parse_ip_literal(self.host)
        if mine is None:
            return self.host == host
        given = parse_ip_literal(host) if address is None else address
        return given is not None and same_address(mine, given)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


@dataclass(frozen=True)
class Target:
    """One parsed http(s) URL, ready to connect to."""

    scheme: str
    host: str
    """Lowercase ASCII (IDNA) host name, or the host as written when it is an IP address."""
    port: int
    target: str
    """Path and query, percent-encoded, as sent in the request line."""
    userinfo: str | None
    shown: str
    """The URL as it may be shown (see :func:`redact_url`)."""

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


@dataclass(frozen=True)
class UrlCheck:
    """:func:`check_url`'s answer: may the Gemini API be given this URL to fetch itself?"""

    passable: bool
    reason: str
    """Why not (for a note to the user), or why it may."""


_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_url(text: str) -> bool:
    """True if ``text`` is written as a URL (``scheme://…``, or ``data:``/``file:``…), whatever the scheme.

    Check :func:`gemini_audio_tools.paths.is_remote_file_ref` first: a Files API URI
    (``https://…/files/<id>``) is an uploaded file, not a URL to download.
    """
    match = _SCHEME.match(text.strip())
    if match is None:
        return False
    rest = text.strip()[match.end() :]
    return rest.startswith("//") or match.group(1).lower() in _SLASHLESS_SCHEMES


def redact_url(url: str) -> str:
    """``url`` without credentials: scheme, host, port and path kept; user:password, every query value and
    the fragment dropped (``https://b.s3.amazonaws.com/a.mp3?X-Amz-Signature=…``). Never raises."""
    text = url.strip()
    match = _SCHEME.match(text)
    if match is None:
        return "(not a URL)"
    scheme = match.group(1).lower()
    if scheme in ("data", "javascript"):
        return f"{scheme}:…"
    try:
        parts = urlsplit(text)
    except ValueError:
        return f"{scheme}://…"
    host = parts.netloc.rpartition("@")[2]
    path = parts.path if len(parts.path) <= 200 else parts.path[:200] + "…"
    shown = (
        f"{scheme}://{host}{path}" if parts.netloc or text[match.end() :].startswith("//") else scheme + ":…"
    )
    if parts.query:
        shown += "?" + "&".join(_redact_pair(pair) for pair in parts.query.split("&"))
    return shown


def _redact_pair(pair: str) -> str:
    key, sep, _ = pair.partition("=")
    return f"{key}=…" if sep and len(key) <= 40 else "…"


def parse_target(url: str, allowed_hosts: Sequence[AllowedHost]) -> Target:
    """Parse an http(s) URL and apply every rule that needs no DNS (scheme, host syntax, literal addresses,
    names such as ``localhost``).

    Raises:
        UrlNotAllowedError: another scheme, no or a malformed host, a bad port, or a host that is (or names)
            a non-public address and is not allowed.
    """
    text = url.strip()
    shown = redact_url(text)
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match else ""
    if scheme not in _DEFAULT_PORTS:
        raise UrlNotAllowedError(_scheme_message(scheme, shown))
    try:
        parts = urlsplit(text)
        port = _DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except ValueError:
        raise UrlNotAllowedError(f"{shown} is not a valid URL (its host or port is malformed).") from None
    userinfo = parts.netloc.rpartition("@")[0]
    host = parts.hostname or ""
    address = parse_ip_literal(host)
    name = str(address) if address is not None else normal_host(host)
    if not name or port == 0:
        raise UrlNotAllowedError(f"{shown} has no valid host name; pass a full http(s) URL of an audio file.")
    target = quote(parts.path or "/", safe=_PATH_SAFE) + (
        "?" + quote(parts.query, safe=_QUERY_SAFE) if parts.query else ""
    )
    parsed = Target(scheme, name, port, target, userinfo or None, shown)
    if address is not None:
        reason = blocked_reason(address)
        if reason and not _allowed(allowed_hosts, name, port, address):
            raise UrlNotAllowedError(refusal(shown, address, reason, literal=True))
    elif (name in _BLOCKED_NAMES or name.endswith((".localhost", ".internal"))) and not _allowed(
        allowed_hosts, name, port
    ):
        raise UrlNotAllowedError(
            f"{shown} names a local or cloud-internal host ('{name}'); only public hosts are fetched. To "
            f"allow it, add {name} to {ALLOW_HINT} {name}."
        )
    return parsed


def check_url(url: str, allowed_hosts: Sequence[AllowedHost]) -> UrlCheck:
    """Whether the Gemini API may be handed ``url`` as a ``fileData.fileUri`` to fetch itself, instead of the
    library downloading it. Pure: DNS is not asked, so a public-looking name may still resolve to a private
    address (the API then cannot fetch it; :func:`download` would refuse it).

    Not passable: plain http (the API fetches HTTPS URLs), credentials in the URL (they would be sent to
    Google), and allowed private hosts (the API cannot reach them: the library downloads them instead).

    Raises:
        UrlNotAllowedError: the URL may not be used at all (see :func:`parse_target`).
    """
    target = parse_target(url, allowed_hosts)
    if any(entry.matches(target.host, target.port) for entry in allowed_hosts):
        return UrlCheck(False, f"{target.host} is an allowed local host, which the Gemini API cannot reach")
    address = parse_ip_literal(target.host)
    if address is not None and blocked_reason(address):
        return UrlCheck(False, f"{target.host} is not a public address")
    if target.scheme != "https":
        return UrlCheck(False, "the Gemini API fetches only https:// URLs")
    if target.userinfo:
        return UrlCheck(False, "the URL carries a user name or password, which must not be sent to Google")
    return UrlCheck(True, "a public https URL the Gemini API can fetch itself")


def refusal(shown: str, address: IPAddress, reason: str, *, literal: bool = False) -> str:
    """The message for a URL whose host is (or resolves to) a non-public address."""
    verb = "is" if literal else "resolves to"
    plain = (
        address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
    )
    where = "" if "written as IPv6" in reason else f" ({address})"
    return (
        f"{shown} {verb} {reason}{where}; only public hosts are fetched. To allow it, add {plain} to "
        f"{ALLOW_HINT} {plain}."
    )


def _allowed(
    allowed_hosts: Sequence[AllowedHost], host: str, port: int, address: IPAddress | None = None
) -> bool:
    return any(entry.matches(host, port) or entry.matches(host, port, address) for entry in allowed_hosts)


def is_allowed(allowed_hosts: Sequence[AllowedHost], host: str, port: int, address: IPAddress) -> bool:
    """True if an allowed-hosts entry admits ``address``, reached by the name ``host`` on ``port``."""
    return _allowed(allowed_hosts, host, port, address)


def _scheme_message(scheme: str, shown: str) -> str:
    if scheme == "file":
        return (
            f"{shown} is a file: URL; pass the local path instead (it must lie inside the allowed "
            "directories). Only http:// and https:// URLs are downloaded."
        )
    if scheme == "data":
        return (
            "data: URLs are not accepted; save the audio to a file and pass its path, or pass an http(s) URL."
        )
    name = f"the {scheme}: scheme" if scheme else "no scheme"
    return (
        f"{shown} uses {name}; only http:// and https:// URLs are downloaded. Fetch the file yourself and "
        "pass its local path, or pass an http(s) URL."
    )


def normal_host(host: str) -> str | None:
    """Lowercase ASCII form of a host name (IDNA for non-ASCII), or None if it is no valid host name."""
    name = host.strip().lower().removesuffix(".")
    try:
        name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        return None
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        return None
    return name
