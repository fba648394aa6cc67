"""Which addresses downloads may reach, and how hosts are read as addresses (inet_aton forms included)."""

from __future__ import annotations

import ipaddress

import pytest

from gemini_audio_tools.urls._addresses import blocked_reason, parse_ip_literal, same_address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.251", "multicast"),
        ("239.1.2.3", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("192.0.2.1", "documentation"),
        ("2001:db8::1", "documentation"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.5", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::10.0.0.1", "private"),  # NAT64
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("::127.0.0.1", "reserved"),  # IPv4-compatible, deprecated
    ],
)
def test_non_public_addresses_are_refused_with_their_kind(address: str, reason: str) -> None:
    found = blocked_reason(ipaddress.ip_address(address))

    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f.1",
        "0x7F000001",
        "0177.0.0.1",
        "127.1",
        "127.0.1",
        "017700000001",
        "127.0.0.1.",
    ],
)
def test_every_inet_aton_spelling_of_loopback_reads_as_127_0_0_1(host: str) -> None:
    assert parse_ip_literal(host) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    "host", ["example.com", "256.1.1.1", "1.2.3.4.5", "08.1.2.3", "0x", "1.2.3.256", "4294967296", "", "a.1"]
)
def test_names_and_out_of_range_numbers_are_not_addresses(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_ipv6_is_read_with_or_without_brackets_and_with_a_zone() -> None:
    assert parse_ip_literal("[::1]") == ipaddress.IPv6Address("::1")
    assert parse_ip_literal("::ffff:127.0.0.1") == ipaddress.IPv6Address("::ffff:7f00:1")
    assert parse_ip_literal("fe80::1%25eth0") == ipaddress.IPv6Address("fe80::1%eth0")


def test_an_ipv4_mapped_address_is_the_same_host_as_its_ipv4_form() -> None:
    mapped, plain = ipaddress.ip_address("::ffff:127.0.0.1"), ipaddress.ip_address("127.0.0.1")

    assert same_address(mapped, plain)
    assert not same_address(mapped, ipaddress.ip_address("127.0.0.2"))
