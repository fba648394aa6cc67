"""The connection layer: names are resolved once, every address is checked, and the socket goes to the
address that was checked (TLS still verifies the host name). DNS is injected; nothing leaves 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gemini_audio_tools.errors import DownloadError, DownloadUnavailableError, UrlNotAllowedError
from gemini_audio_tools.urls import AllowedHost, IPAddress, Resolver, download, fetch_head
from tests.fixtures.web import WebServer, start_web_server, stop_web_server


def resolver_for(answers: dict[str, list[str]], calls: list[str] | None = None) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if calls is not None:
            calls.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in answers[host]]

    return resolve


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (["10.0.0.5"], "resolves to a private address (10.0.0.5)"),
        (["169.254.169.254"], "resolves to a cloud metadata address"),
        (["::ffff:192.168.1.1"], "resolves to a private address (192.168.1.1, written as IPv6"),
        (["93.184.216.34", "127.0.0.1"], "resolves to a loopback address (127.0.0.1)"),
    ],
)
async def test_a_public_looking_name_resolving_to_a_private_address_is_refused(
    tmp_path: Path, answer: list[str], words: str
) -> None:
    resolve = resolver_for({"files.example.com": answer})

    with pytest.raises(UrlNotAllowedError) as caught:
        async with download("https://files.example.com/a.mp3", resolver=resolve, temp_dir=tmp_path):
            pass

    assert words in str(caught.value) and "--allow-host" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


async def test_the_name_is_resolved_once_and_the_checked_address_is_connected_to(web: WebServer) -> None:
    url = web.add("/ep1.mp3", b"ID3" + b"\0" * 50)
    calls: list[str] = []
    resolve = resolver_for({"audio.test": ["127.0.0.1"]}, calls)

    head = await fetch_head(
        url.replace("127.0.0.1", "audio.test"), allowed_hosts=(AllowedHost("audio.test"),), resolver=resolve
    )

    assert head.data.startswith(b"ID3")
    assert calls == ["audio.test"]  # "audio.test" exists nowhere else: the socket went to the checked address
    assert web.requests[-1][1]["host"] == f"audio.test:{web.port}"


async def test_an_allowed_address_admits_a_name_that_resolves_to_it(web: WebServer) -> None:
    url = web.add("/ep1.mp3", b"ID3").replace("127.0.0.1", "nas.test")

    head = await fetch_head(
        url, allowed_hosts=(web.allowed,), resolver=resolver_for({"nas.test": ["127.0.0.1"]})
    )

    assert head.data == b"ID3"


async def test_an_unknown_name_is_a_caller_fixable_error() -> None:
    with pytest.raises(DownloadError, match=r"host name nowhere\.test was not found") as caught:
        await fetch_head("https://nowhere.test/a.mp3", resolver=resolver_for({}))

    assert caught.value.caller_fixable and not caught.value.retryable


async def test_a_temporary_dns_failure_is_retryable() -> None:
    async def failing(host: str, port: int) -> list[IPAddress]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(DownloadUnavailableError, match="failed for now"):
        await fetch_head("https://flaky.test/a.mp3", resolver=failing)


# --- TLS: the certificate is checked against the host name, not the address connected to ------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``audio.test`` signed by it (ca.pem, cert.pem, key.pem)."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "audio.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("audio.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def tls_web(tls_files: tuple[Path, Path, Path]) -> Iterator[WebServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[1], tls_files[2])
    server = start_web_server(context)
    yield server
    stop_web_server(server)


@pytest.fixture
def client_tls(tls_files: tuple[Path, Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


async def test_https_to_a_pinned_address_verifies_the_certificate_for_the_host_name(
    tls_web: WebServer, client_tls: ssl.SSLContext, tmp_path: Path
) -> None:
    tls_web.add("/ep1.mp3", b"ID3" + b"\1" * 1000)
    resolve = resolver_for({"audio.test": ["127.0.0.1"]})

    async with download(
        tls_web.url("/ep1.mp3", host="audio.test"),
        allowed_hosts=(AllowedHost("audio.test"),),
        resolver=resolve,
        ssl_context=client_tls,
        temp_dir=tmp_path,
    ) as fetched:
        assert fetched.size == 1003


async def test_https_refuses_a_certificate_for_another_name_at_the_same_address(
    tls_web: WebServer, client_tls: ssl.SSLContext
) -> None:
    tls_web.add("/ep1.mp3", b"ID3")
    resolve = resolver_for({"other.test": ["127.0.0.1"]})

    with pytest.raises(DownloadError, match=r"TLS certificate is not valid for other\.test"):
        await fetch_head(
            tls_web.url("/ep1.mp3", host="other.test"),
            allowed_hosts=(AllowedHost("other.test"),),
            resolver=resolve,
            ssl_context=client_tls,
        )
    assert tls_web.requests == []


async def test_url_credentials_are_not_sent_to_another_origin_after_a_redirect(web: WebServer) -> None:
    web.add("/ep1.mp3", b"ID3")
    elsewhere = web.url("/ep1.mp3", host="cdn.test")
    start = web.url("/redirect", to=elsewhere).replace("http://", "http://alice:s3cret@")

    await fetch_head(start, allowed_hosts=(web.allowed,), resolver=resolver_for({"cdn.test": ["127.0.0.1"]}))

    (first, first_headers), (second, second_headers) = web.requests
    assert (first, second) == ("/redirect", "/ep1.mp3")
    assert "authorization" in first_headers and "authorization" not in second_headers
