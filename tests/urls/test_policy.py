"""URL shape, schemes, allowed hosts, redaction and "may the API fetch this itself?" (all pure)."""

from __future__ import annotations

import pytest

from gemini_audio_tools.errors import ConfigurationError, UrlNotAllowedError
from gemini_audio_tools.paths import is_remote_file_ref
from gemini_audio_tools.urls import (
    AllowedHost,
    check_url,
    is_url,
    parse_allowed_host,
    redact_url,
)
from gemini_audio_tools.urls._policy import parse_target

SECRETS = ("s3cret", "SIGSECRET", "TOKSECRET", "KEYSECRET")


@pytest.mark.parametrize(
    "text",
    [
        "http://a.com/x.mp3",
        "HTTPS://A.COM",
        "ftp://h/f",
        "file:///etc/passwd",
        "data:audio/mp3;base64,AA",
        "gopher://h/",
    ],
)
def test_every_url_scheme_counts_as_a_url_so_the_caller_can_refuse_it_clearly(text: str) -> None:
    assert is_url(text)


@pytest.mark.parametrize(
    "text", ["talk.mp3", "./files/a.mp3", "/abs/a.wav", "C:\\audio\\a.wav", "files/abc", ""]
)
def test_paths_and_file_names_are_not_urls(text: str) -> None:
    assert not is_url(text)


def test_a_files_api_uri_is_a_remote_file_first_and_a_url_second() -> None:
    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123"

    assert is_remote_file_ref(uri)  # callers check this first: it must keep winning
    assert is_url(uri)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:s3cret@host.example/a.mp3", "https://host.example/a.mp3"),
        (
            "https://b.s3.amazonaws.com/a.mp3?X-Amz-Credential=AK%2F1&X-Amz-Signature=SIGSECRET",
            "https://b.s3.amazonaws.com/a.mp3?X-Amz-Credential=…&X-Amz-Signature=…",
        ),
        ("https://h/a?sig=SIGSECRET&token=TOKSECRET&key=KEYSECRET#frag", "https://h/a?sig=…&token=…&key=…"),
        ("https://h/a?TOKSECRET", "https://h/a?…"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("data:audio/mp3;base64,SIGSECRET", "data:…"),
        ("http://[bad", "http://…"),
        ("not a url", "(not a URL)"),
    ],
)
def test_redaction_keeps_where_and_drops_credentials(url: str, shown: str) -> None:
    redacted = redact_url(url)

    assert redacted == shown
    assert not any(secret in redacted for secret in SECRETS)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://host/a.mp3", "ftp: scheme"),
        ("gopher://host/", "gopher: scheme"),
        ("file:///etc/passwd", "file: URL; pass the local path"),
        ("data:audio/mp3;base64,AAAA", "data: URLs are not accepted"),
    ],
)
def test_other_schemes_are_refused_with_what_to_do_instead(url: str, words: str) -> None:
    with pytest.raises(UrlNotAllowedError, match=words):
        parse_target(url, ())


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/a.mp3", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
        ("http://10.0.0.5/a.mp3", "10.0.0.5"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
        ("http://100.64.1.1/", "100.64.1.1"),
    ],
)
def test_literal_non_public_addresses_are_refused_before_any_network(url: str, address: str) -> None:
    with pytest.raises(UrlNotAllowedError) as caught:
        parse_target(url, ())

    message = str(caught.value)
    assert "only public hosts are fetched" in message
    assert f"add {address} to GEMINI_AUDIO_ALLOWED_HOSTS or pass --allow-host {address}" in message


def test_the_refusal_names_the_kind_of_address_as_the_brief_promises() -> None:
    with pytest.raises(UrlNotAllowedError) as caught:
        parse_target("http://10.0.0.5/a.mp3", ())

    assert str(caught.value).startswith("http://10.0.0.5/a.mp3 is a private address (10.0.0.5)")


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "db.localhost", "metadata.google.internal", "x.internal"]
)
def test_local_and_cloud_internal_names_are_refused_without_dns(host: str) -> None:
    with pytest.raises(UrlNotAllowedError, match="local or cloud-internal host"):
        parse_target(f"http://{host}/a.mp3", ())


@pytest.mark.parametrize(
    "url", ["http:///a.mp3", "http://a b/", "http://exa_mple..com/", "http://host:0/", "http://h:x/"]
)
def test_malformed_hosts_and_ports_are_refused(url: str) -> None:
    with pytest.raises(UrlNotAllowedError):
        parse_target(url, ())


def test_an_allowed_host_admits_every_spelling_of_its_address_on_its_port_only() -> None:
    allowed = (parse_allowed_host("127.0.0.1:8000"),)

    assert parse_target("http://127.1:8000/a", allowed).host == "127.0.0.1"
    assert parse_target("http://[::ffff:127.0.0.1]:8000/a", allowed).port == 8000
    with pytest.raises(UrlNotAllowedError):
        parse_target("http://127.0.0.1:8001/a", allowed)


def test_an_allowed_name_admits_that_name_only() -> None:
    allowed = (parse_allowed_host("localhost"),)

    assert parse_target("http://localhost:9/a", allowed).host == "localhost"
    with pytest.raises(UrlNotAllowedError):
        parse_target("http://127.0.0.1:9/a", allowed)


def test_the_target_is_percent_encoded_and_idna_hosts_are_ascii() -> None:
    target = parse_target("https://bücher.example/a b.mp3?q=ü", ())

    assert target.host == "xn--bcher-kva.example"
    assert target.target == "/a%20b.mp3?q=%C3%BC"
    assert target.host_header == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("127.0.0.1", AllowedHost("127.0.0.1")),
        ("127.0.0.1:8000", AllowedHost("127.0.0.1", 8000)),
        ("NAS.Local", AllowedHost("nas.local")),
        ("[::1]:8080", AllowedHost("::1", 8080)),
        ("::1", AllowedHost("::1")),
        ("http://127.0.0.1:9000/", AllowedHost("127.0.0.1", 9000)),
        ("2130706433", AllowedHost("127.0.0.1")),
    ],
)
def test_allowed_host_entries_are_parsed_to_a_normal_form(entry: str, expected: AllowedHost) -> None:
    assert parse_allowed_host(entry) == expected


@pytest.mark.parametrize("entry", ["host:99999", "host:x", "bad host", "[::1]x", "a..b"])
def test_bad_allowed_host_entries_are_a_configuration_error(entry: str) -> None:
    with pytest.raises(ConfigurationError, match="Allowed host"):
        parse_allowed_host(entry)


def test_a_public_https_url_may_be_passed_to_the_api() -> None:
    assert check_url("https://cdn.example.com/ep1.mp3?X-Amz-Signature=abc", ()).passable


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://cdn.example.com/ep1.mp3", "https"),
        ("https://u:p@cdn.example.com/ep1.mp3", "password"),
        ("https://127.0.0.1:8443/a.mp3", "allowed local host"),
        ("https://nas.local/a.mp3", "allowed local host"),
    ],
)
def test_urls_the_api_cannot_or_must_not_fetch_are_downloaded_instead(url: str, why: str) -> None:
    allowed = (AllowedHost("127.0.0.1"), AllowedHost("nas.local"))

    verdict = check_url(url, allowed)

    assert not verdict.passable and why in verdict.reason


def test_check_url_refuses_what_may_not_be_used_at_all() -> None:
    with pytest.raises(UrlNotAllowedError):
        check_url("http://169.254.169.254/", ())
