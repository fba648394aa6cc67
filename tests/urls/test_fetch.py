"""Downloading and head-fetching URLs from a local server: well-behaved files and every hostile answer.

Each hostile case must end in a clear error, leave the download directory empty, and leave the process able
to download the next file.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from gemini_audio_tools.errors import (
    DownloadError,
    DownloadTooLargeError,
    DownloadUnavailableError,
    UnsupportedAudioError,
    UrlNotAllowedError,
)
from gemini_audio_tools.urls import AllowedHost, Timeouts, download, fetch_head, sniff_fetched
from tests.fixtures.audio import MakeAudio
from tests.fixtures.web import WebServer

FAST = Timeouts(connect=2.0, read=2.0, total=10.0, min_bytes_per_second=0.0)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def mp3(make_audio: MakeAudio) -> bytes:
    return make_audio("mp3", 3.0).read_bytes()


async def _download(web: WebServer, url: str, downloads: Path, **options: object) -> int:
    options.setdefault("allowed_hosts", (web.allowed,))
    options.setdefault("timeouts", FAST)
    async with download(url, temp_dir=downloads, **options) as fetched:  # type: ignore[arg-type]
        assert fetched.path.parent == downloads
        return fetched.size


async def test_a_file_is_downloaded_whole_and_removed_after_the_block(
    web: WebServer, downloads: Path, mp3: bytes
) -> None:
    url = web.add("/ep1.mp3", mp3, "audio/mpeg")

    async with download(url, allowed_hosts=(web.allowed,), temp_dir=downloads) as fetched:
        assert fetched.path.read_bytes() == mp3
        assert (fetched.size, fetched.content_type, fetched.redirects) == (len(mp3), "audio/mpeg", 0)
        assert sniff_fetched(fetched) == "mp3"

    assert list(downloads.iterdir()) == []


async def test_progress_is_reported_from_zero_to_the_full_size(web: WebServer, downloads: Path) -> None:
    url = web.add("/big.wav", b"\1" * 3_500_000, "audio/wav")
    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    await _download(web, url, downloads, progress=progress)

    assert seen[0] == (0, 3_500_000) and seen[-1] == (3_500_000, 3_500_000)
    assert len(seen) >= 4 and [d for d, _ in seen] == sorted(d for d, _ in seen)


async def test_html_served_as_audio_mpeg_is_refused_as_an_html_page(web: WebServer, downloads: Path) -> None:
    url = web.add("/ep1.mp3", b"<!DOCTYPE html><html><body>Please log in</body></html>", "audio/mpeg")

    async with download(url, allowed_hosts=(web.allowed,), temp_dir=downloads) as fetched:
        with pytest.raises(UnsupportedAudioError) as caught:
            sniff_fetched(fetched)

    message = str(caught.value)
    assert message.startswith(f"The file at {url} (") and "an HTML page" in message and "not audio" in message
    assert "Please log in" not in message


async def test_a_claimed_10_gb_body_is_refused_from_its_content_length(
    web: WebServer, downloads: Path
) -> None:
    with pytest.raises(
        DownloadTooLargeError, match=r"is 10\.00 GB \(Content-Length\), more than the 2\.00 GB"
    ):
        await _download(web, web.url("/huge"), downloads)

    assert list(downloads.iterdir()) == []


async def test_an_endless_body_is_stopped_at_the_cap(web: WebServer, downloads: Path) -> None:
    with pytest.raises(DownloadTooLargeError, match="without announcing its size"):
        await _download(web, web.url("/endless"), downloads, max_bytes=1_000_000)

    assert list(downloads.iterdir()) == []


async def test_a_trickling_server_is_stopped_by_the_minimum_speed(web: WebServer, downloads: Path) -> None:
    slow = Timeouts(connect=2.0, read=0.3, total=30.0, min_bytes_per_second=1000.0)

    with pytest.raises(DownloadUnavailableError, match="arrives too slowly"):
        await _download(web, web.url("/trickle"), downloads, timeouts=slow)

    assert list(downloads.iterdir()) == []


async def test_a_trickling_server_is_stopped_by_the_overall_deadline(web: WebServer, downloads: Path) -> None:
    deadline = Timeouts(connect=2.0, read=5.0, total=0.4, min_bytes_per_second=0.0)

    with pytest.raises(DownloadUnavailableError, match="overall deadline") as caught:
        await _download(web, web.url("/trickle"), downloads, timeouts=deadline)

    assert caught.value.retryable
    assert list(downloads.iterdir()) == []


async def test_a_server_that_goes_silent_hits_the_read_timeout(web: WebServer, downloads: Path) -> None:
    with pytest.raises(DownloadUnavailableError, match=r"sent nothing for 0\.3 s"):
        await _download(
            web, web.url("/stall"), downloads, timeouts=Timeouts(read=0.3, min_bytes_per_second=0)
        )

    assert list(downloads.iterdir()) == []


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (403, DownloadError, "refused access"),
        (404, DownloadError, "404 Not Found: there is no file"),
        (418, DownloadError, "expected the file itself"),
        (429, DownloadUnavailableError, "Try again later"),
        (503, DownloadUnavailableError, "503 Service Unavailable"),
    ],
)
async def test_error_statuses_become_errors_that_say_whether_to_retry(
    web: WebServer, downloads: Path, status: int, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as caught:
        await _download(web, web.url(f"/status/{status}"), downloads)

    assert type(caught.value) is error
    assert list(downloads.iterdir()) == []


async def test_a_compressed_answer_is_refused(web: WebServer, downloads: Path) -> None:
    with pytest.raises(DownloadError, match=r"sent compressed \(gzip\)"):
        await _download(web, web.url("/gzip"), downloads)


async def test_five_redirects_are_followed(web: WebServer, downloads: Path, mp3: bytes) -> None:
    web.add("/ep1.mp3", mp3)

    async with download(
        web.url("/chain/4", to="/ep1.mp3"), allowed_hosts=(web.allowed,), temp_dir=downloads
    ) as fetched:
        assert (fetched.redirects, fetched.url, fetched.size) == (5, web.url("/ep1.mp3"), len(mp3))


async def test_a_sixth_redirect_is_refused(web: WebServer, downloads: Path, mp3: bytes) -> None:
    web.add("/ep1.mp3", mp3)

    with pytest.raises(DownloadError, match="redirected more than 5 times"):
        await _download(web, web.url("/chain/5", to="/ep1.mp3"), downloads)


async def test_a_redirect_loop_is_refused(web: WebServer, downloads: Path) -> None:
    with pytest.raises(DownloadError, match="redirects in a loop"):
        await _download(web, web.url("/loop/a"), downloads)

    assert len(web.requests) == 2


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://10.1.2.3/a.mp3", "is a private address (10.1.2.3)"),
        ("http://[::1]/a.mp3", "is a loopback address (::1)"),
        ("http://169.254.169.254/latest/meta-data/", "is a cloud metadata address"),
        ("http://2130706433/a.mp3", "is a loopback address (127.0.0.1)"),
        ("file:///etc/passwd", "file: URL"),
        ("gopher://example.com/", "gopher: scheme"),
    ],
)
async def test_a_redirect_to_a_refused_url_is_refused_before_connecting(
    web: WebServer, downloads: Path, target: str, words: str
) -> None:
    with pytest.raises(UrlNotAllowedError) as caught:
        await _download(web, web.url("/redirect", to=target), downloads)

    assert str(caught.value).startswith(
        f"{web.url('/redirect')}?to=… redirected to a URL that is not fetched"
    )
    assert words in str(caught.value)
    assert len(web.requests) == 1


async def test_a_redirect_back_to_loopback_is_refused_when_only_the_name_is_allowed(
    web: WebServer, downloads: Path
) -> None:
    async def resolve(host: str, port: int) -> list[object]:
        import ipaddress

        return [ipaddress.ip_address("127.0.0.1")]

    start = web.url("/redirect", host="audio.test", to=web.url("/ep1.mp3"))

    with pytest.raises(UrlNotAllowedError, match=r"is a loopback address \(127\.0\.0\.1\)"):
        await _download(web, start, downloads, allowed_hosts=(AllowedHost("audio.test"),), resolver=resolve)

    assert [path for path, _ in web.requests] == ["/redirect"]


async def test_the_loopback_test_server_itself_is_refused_unless_allowed(
    web: WebServer, downloads: Path
) -> None:
    url = web.add("/ep1.mp3", b"ID3")

    with pytest.raises(UrlNotAllowedError, match="GEMINI_AUDIO_ALLOWED_HOSTS"):
        await _download(web, url, downloads, allowed_hosts=())

    assert web.requests == []


async def test_a_closed_port_is_a_retryable_connection_error(web: WebServer, downloads: Path) -> None:
    port = web.port
    from tests.fixtures.web import stop_web_server

    stop_web_server(web)

    with pytest.raises(DownloadUnavailableError, match=f"could not connect to 127.0.0.1:{port}"):
        await _download(
            web, f"http://127.0.0.1:{port}/a.mp3", downloads, allowed_hosts=(AllowedHost("127.0.0.1"),)
        )


async def test_cancelling_a_download_removes_its_file(web: WebServer, downloads: Path) -> None:
    started = asyncio.Event()

    async def progress(done: int, total: int | None) -> None:
        if done:
            started.set()

    task = asyncio.create_task(_download(web, web.url("/endless"), downloads, progress=progress))
    await started.wait()
    assert len(list(downloads.iterdir())) == 1
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(downloads.iterdir()) == []


async def test_an_error_inside_the_block_still_removes_the_file(web: WebServer, downloads: Path) -> None:
    url = web.add("/ep1.mp3", b"ID3" + b"\0" * 100)

    with pytest.raises(RuntimeError):
        async with download(url, allowed_hosts=(web.allowed,), temp_dir=downloads):
            raise RuntimeError("the caller failed")

    assert list(downloads.iterdir()) == []


async def test_the_process_still_downloads_after_every_hostile_case(
    web: WebServer, downloads: Path, mp3: bytes
) -> None:
    url = web.add("/ep1.mp3", mp3)
    hostile = ["/huge", "/endless", "/trickle", "/stall", "/loop/a", "/status/503", "/gzip"]
    quick = Timeouts(connect=2.0, read=0.3, total=1.0, min_bytes_per_second=1000.0)
    for path in hostile:
        with pytest.raises(DownloadError):
            await _download(web, web.url(path), downloads, timeouts=quick, max_bytes=2_000_000)

    assert await _download(web, url, downloads) == len(mp3)
    assert list(downloads.iterdir()) == []


async def test_head_uses_a_range_request_and_reports_the_whole_size(web: WebServer, mp3: bytes) -> None:
    url = web.add("/ep1.mp3", mp3)

    head = await fetch_head(url, 1000, allowed_hosts=(web.allowed,))

    assert (head.data, head.size, head.content_type) == (mp3[:1000], len(mp3), "audio/mpeg")
    assert web.requests[-1][1]["range"] == "bytes=0-999"
    assert sniff_fetched(head) == "mp3"


async def test_head_reads_only_the_start_when_the_server_ignores_range(web: WebServer, mp3: bytes) -> None:
    url = web.add("/ep1.mp3", mp3, ranges=False)

    head = await fetch_head(url, 1000, allowed_hosts=(web.allowed,))

    assert (head.data, head.size) == (mp3[:1000], len(mp3))


async def test_head_of_an_endless_stream_ends_after_n_bytes(web: WebServer) -> None:
    head = await fetch_head(web.url("/endless"), 5000, allowed_hosts=(web.allowed,), timeouts=FAST)

    assert (len(head.data), head.size) == (5000, None)


async def test_head_of_a_short_file_is_the_whole_file(web: WebServer) -> None:
    url = web.add("/tiny.wav", b"RIFF", "audio/wav")

    head = await fetch_head(url, 8192, allowed_hosts=(web.allowed,))

    assert (head.data, head.size) == (b"RIFF", 4)


async def test_head_of_an_empty_file_falls_back_from_416(web: WebServer) -> None:
    url = web.add("/empty.mp3", b"")

    head = await fetch_head(url, 8192, allowed_hosts=(web.allowed,))

    assert (head.data, head.size) == (b"", 0)


async def test_head_of_html_is_refused_as_an_html_page(web: WebServer) -> None:
    url = web.add("/ep1.mp3", b"<html><head><title>403</title></head></html>", "audio/mpeg")

    with pytest.raises(UnsupportedAudioError, match="an HTML page"):
        sniff_fetched(await fetch_head(url, allowed_hosts=(web.allowed,)))


SECRET_URL_PARTS = ("alice", "s3cret", "SIGSECRET", "TOKSECRET")


@pytest.mark.parametrize(
    "path",
    [
        "/status/404",
        "/status/503",
        "/huge",
        "/loop/a",
        "/gzip",
        "/chain/9",
        "/redirect-to-private",
        "/endless",
    ],
)
async def test_credentials_in_urls_never_reach_messages_or_debug_logs(
    web: WebServer, downloads: Path, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.DEBUG)
    query = "X-Amz-Signature=SIGSECRET&token=TOKSECRET"
    if path == "/redirect-to-private":
        url = web.url("/redirect", to=f"http://alice:s3cret@10.9.9.9/a.mp3?{query}").replace(
            "http://", "http://alice:s3cret@"
        )
    else:
        url = f"http://alice:s3cret@127.0.0.1:{web.port}{path}?{query}"

    with pytest.raises(DownloadError if path != "/redirect-to-private" else UrlNotAllowedError) as caught:
        await _download(web, url, downloads, max_bytes=1_000_000)

    shown = str(caught.value) + repr(caught.value) + caplog.text
    shown += "".join(str(record.args) + record.getMessage() for record in caplog.records)
    assert not any(secret in shown for secret in SECRET_URL_PARTS)


async def test_url_credentials_are_sent_as_basic_auth_to_their_own_origin(
    web: WebServer, downloads: Path
) -> None:
    url = web.add("/private.mp3", b"ID3")

    await _download(web, url.replace("http://", "http://alice:s3cret@"), downloads)

    assert web.requests[-1][1]["authorization"] == "Basic YWxpY2U6czNjcmV0"
