"""Who may reach the HTTP server: the bind rule and the Host/Origin checks, as pure functions."""

from __future__ import annotations

import pytest

from mcp_server.http_policy import auth_refusal, host_policy, is_loopback, normalize_origin, split_host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "api.localhost"])
def test_loopback_names_and_addresses_are_loopback(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "audio.example.com", ""])
def test_wildcard_private_and_public_binds_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_host_headers_split_into_a_lower_case_name_and_a_port() -> None:
    assert split_host("Audio.Example.com:8443") == ("audio.example.com", 8443)
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("[::1]") == ("::1", None)
    assert split_host("example.com") == ("example.com", None)


def test_a_loopback_bind_accepts_loopback_hosts_on_any_port_and_refuses_others() -> None:
    policy = host_policy("127.0.0.1", [], [])
    assert policy.host_allowed("127.0.0.1:8000") and policy.host_allowed("localhost:1")
    assert policy.host_allowed("[::1]:8000")
    assert not policy.host_allowed("evil.example:8000")
    assert not policy.host_allowed("127.0.0.1.evil.example")
    assert not policy.host_allowed(None) and not policy.host_allowed("")


def test_public_hosts_match_any_port_unless_they_name_one() -> None:
    policy = host_policy("0.0.0.0", ["audio.example.com", "team.example.com:8443"], [])
    assert policy.host_allowed("audio.example.com") and policy.host_allowed("AUDIO.example.com:443")
    assert policy.host_allowed("team.example.com:8443")
    assert not policy.host_allowed("team.example.com:9000")
    assert not policy.host_allowed("evil.example")


def test_a_public_bind_without_public_hosts_does_not_check_host() -> None:
    assert host_policy("0.0.0.0", [], []).host_allowed("203.0.113.9:8000")


def test_origins_allow_loopback_and_public_origins_and_refuse_the_rest() -> None:
    policy = host_policy("0.0.0.0", ["audio.example.com"], ["https://audio.example.com"])
    assert policy.origin_allowed(None)  # not a browser
    assert policy.origin_allowed("https://audio.example.com") and policy.origin_allowed(
        "https://audio.example.com:443"
    )
    assert policy.origin_allowed("http://localhost:6274")  # the MCP Inspector, locally
    assert not policy.origin_allowed("https://evil.example")
    assert not policy.origin_allowed("http://audio.example.com")  # another scheme is another origin
    assert not policy.origin_allowed("null")


def test_origins_normalize_case_and_default_ports() -> None:
    assert normalize_origin("HTTPS://Audio.Example.com:443/") == "https://audio.example.com"
    assert normalize_origin("http://[::1]:8000") == "http://[::1]:8000"
    assert normalize_origin("https://audio.example.com/path") is None
    assert normalize_origin("file://x") is None


@pytest.mark.parametrize("bad", ["https://audio.example.com", "audio.example.com:port"])
def test_a_public_host_that_is_not_a_name_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="--public-host"):
        host_policy("0.0.0.0", [bad], [])


def test_a_public_origin_that_is_not_an_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="--public-origin"):
        host_policy("0.0.0.0", [], ["audio.example.com"])


def test_loopback_without_public_names_may_start_without_authentication() -> None:
    assert auth_refusal("127.0.0.1", authenticated=False, no_auth=False, public=False) is None


@pytest.mark.parametrize(
    ("host", "public"), [("0.0.0.0", False), ("192.168.1.20", False), ("127.0.0.1", True)]
)
def test_a_reachable_server_without_authentication_is_refused_with_what_to_do(
    host: str, public: bool
) -> None:
    message = auth_refusal(host, authenticated=False, no_auth=False, public=public)
    assert message is not None
    for hint in ("GEMINI_AUDIO_MCP_TOKEN", "--auth-token-file", "--no-auth"):
        assert hint in message


def test_a_token_or_no_auth_lets_a_public_bind_start() -> None:
    assert auth_refusal("0.0.0.0", authenticated=True, no_auth=False, public=False) is None
    assert auth_refusal("0.0.0.0", authenticated=False, no_auth=True, public=False) is None
