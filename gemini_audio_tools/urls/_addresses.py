"""Which network addresses a download may reach, and how a host is written as an address.

Pure: no DNS, no sockets. The rules are spelled out here instead of trusting ``ipaddress.is_global``, whose
answer changes between Python releases and calls multicast, NAT64 (``64:ff9b::10.0.0.1``) and 6to4
(``2002:7f00:1::``) forms of private addresses "global".

Decisions (and why):
* An IPv6 address that carries an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96`` and
  ``64:ff9b:1::/48``, 6to4 ``2002::/16``) is judged by the IPv4 address inside: that is where packets go.
* Hosts are read the way the C library's ``inet_aton`` reads them, because that is what ``getaddrinfo``
  does: ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1. Reading them here means
  the check and the connection agree on the address without asking DNS.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = "a cloud metadata address"

_V4_RULES = tuple(
    (ipaddress.IPv4Network(net), reason)
    for net, reason in (
        ("169.254.169.254/32", METADATA),  # AWS, GCP, Azure, OCI, DigitalOcean
        ("100.100.100.200/32", METADATA),  # Alibaba Cloud
        ("0.0.0.0/8", "an unspecified address"),
        ("127.0.0.0/8", "a loopback address"),
        ("10.0.0.0/8", "a private address"),
        ("172.16.0.0/12", "a private address"),
        ("192.168.0.0/16", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
        ("169.254.0.0/16", "a link-local address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("192.0.0.0/24", "a reserved address"),
        ("192.0.2.0/24", "a reserved (documentation) address"),
        ("198.51.100.0/24", "a reserved (documentation) address"),
        ("203.0.113.0/24", "a reserved (documentation) address"),
        ("198.18.0.0/15", "a reserved (benchmarking) address"),
    )
)

_V6_RULES = tuple(
    (ipaddress.IPv6Network(net), reason)
    for net, reason in (
        ("fd00:ec2::254/128", METADATA),  # AWS over IPv6
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", "a reserved (IPv4-compatible) address"),
        ("fc00::/7", "a private (unique local) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a private (site-local) address"),
        ("ff00::/8", "a multicast address"),
        ("100::/64", "a reserved (discard) address"),
        ("2001:db8::/32", "a reserved (documentation) address"),
    )
)

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))

_V4_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched from ("a private address", …), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason} ({inner}, written as IPv6 {address})" if reason else None
        rules: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = _V6_RULES
    else:
        rules = _V4_RULES
    for network, reason in rules:
        if address in network:
            return reason
    if not address.is_global or address.is_multicast:
        return "a reserved (non-public) address"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells (IPv6 with or without brackets, IPv4 in any ``inet_aton`` form), or None
    for a host name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.replace("%25", "%"))
        except ValueError:
            return None
    return _parse_inet_aton(text.removesuffix("."))


def same_address(a: IPAddress, b: IPAddress) -> bool:
    """True if ``a`` and ``b`` reach the same host (an IPv4-mapped IPv6 address equals its IPv4 form)."""
    return _plain(a) == _plain(b)


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _parse_inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """``inet_aton``'s reading: 1-4 dot-separated parts in decimal, octal (leading 0) or hex (0x); the last
    part fills the remaining bytes (``127.1`` is 127.0.0.1, ``2130706433`` is 127.0.0.1)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_V4_PART.fullmatch(part) for part in parts):
        return None
    values = [
        int(part, 16) if part[:2].lower() == "0x" else int(part, 8 if part[0] == "0" else 10)
        for part in parts
    ]
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)
