"""Progress on stderr: a live display from 0 % on a terminal, regular plain lines in logs, human units."""

from __future__ import annotations

import asyncio
import io
import re

import pytest

from gemini_audio_tools._cli_progress import StderrProgress
from gemini_audio_tools.progress import ProgressEvent

MB = 1_000_000


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "140")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _screen(stream: io.StringIO) -> str:
    """What the terminal shows, roughly: control sequences removed."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())


def _upload(done: float, total: float = 20 * MB) -> ProgressEvent:
    return ProgressEvent("upload", done, total, "bytes", subject="talk.m4a")


def test_on_a_terminal_the_display_starts_at_0_percent_before_anything_is_reported() -> None:
    stream = _Terminal()
    progress = StderrProgress(stream, label="transcribe", clock=_Clock(), live=False)
    assert re.search(r"transcribe: starting .* 0% .*0:00", _screen(stream))
    progress.close()


def test_on_a_terminal_an_upload_shows_bytes_elapsed_time_and_eta() -> None:
    stream, clock = _Terminal(), _Clock()
    progress = StderrProgress(stream, label="transcribe", clock=clock, live=False)
    asyncio.run(progress.on_event(_upload(0)))
    clock.now += 10
    asyncio.run(progress.on_event(_upload(5 * MB)))
    progress.close()
    last = _screen(stream).strip().splitlines()[-1]
    assert "transcribe: uploading talk.m4a" in last and "25%" in last
    assert "5.0 MB of 20.0 MB" in last and "0:10  ETA 0:30" in last


def test_on_a_terminal_each_phase_gets_its_own_row() -> None:
    stream = _Terminal()
    progress = StderrProgress(stream, label="transcribe", clock=_Clock(), live=False)
    asyncio.run(progress.on_event(_upload(20 * MB)))
    asyncio.run(progress.on_event(ProgressEvent("processing", subject="talk.m4a")))
    asyncio.run(progress.on_event(ProgressEvent("chunks", 1, 2, "chunks", subject="talk.m4a")))
    progress.close()
    screen = _screen(stream)
    assert "uploading talk.m4a" in screen and "processing talk.m4a" in screen and "1 of 2 chunks" in screen


def test_piped_output_is_silent_until_something_happens_or_an_interval_passes() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = StderrProgress(stream, label="transcribe", clock=clock, live=False)
    clock.now += 4.9
    progress.tick()
    assert stream.getvalue() == ""
    clock.now += 0.1
    progress.tick()
    assert stream.getvalue() == "transcribe: working, 0:05 elapsed\n"


def test_piped_output_prints_a_line_at_least_every_interval_during_a_long_wait() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = StderrProgress(stream, label="transcribe", clock=clock, live=False)
    asyncio.run(progress.on_event(ProgressEvent("chunks", 0, 2, "chunks", subject="talk.m4a")))
    for _ in range(22):  # 110 s of a chunk taking long, the ticker calling every 5 s
        clock.now += 5
        progress.tick()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 23
    assert lines[0] == "transcribe: working on talk.m4a: 0 of 2 chunks (0%), 0:00 elapsed"
    assert lines[-1] == "transcribe: working on talk.m4a: 0 of 2 chunks (0%), 1:50 elapsed"


def test_piped_upload_lines_use_human_sizes_and_are_not_repeated_for_every_chunk_of_bytes() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = StderrProgress(stream, label="upload", clock=clock, live=False)
    asyncio.run(progress.on_event(_upload(0, 19_570_800)))
    for sent in (4, 8, 12):
        clock.now += 1
        asyncio.run(progress.on_event(_upload(sent * MB, 19_570_800)))
    clock.now += 3
    asyncio.run(progress.on_event(_upload(16 * MB, 19_570_800)))
    asyncio.run(progress.on_event(_upload(19_570_800, 19_570_800)))
    assert stream.getvalue().splitlines() == [
        "upload: uploading talk.m4a: 0 bytes of 19.6 MB (0%), 0:00 elapsed",
        "upload: uploading talk.m4a: 16.0 MB of 19.6 MB (82%), 0:06 elapsed, about 0:01 left",
        "upload: uploading talk.m4a: 19.6 MB of 19.6 MB (100%), 0:06 elapsed",
    ]
    assert "e+07" not in stream.getvalue()


def test_plain_number_reports_show_a_percentage_and_no_temp_names() -> None:
    stream = io.StringIO()
    progress = StderrProgress(stream, label="upload", clock=_Clock(), live=False)
    asyncio.run(progress(0, 19_570_800, "uploading /tmp/gemini-audio-clip-rz95yr9z.flac (19570800 bytes)"))
    assert stream.getvalue() == "upload: uploading the clip (19570800 bytes) (0%), 0:00 elapsed\n"
    assert "1.95708e+07" not in stream.getvalue()


def test_nothing_is_drawn_after_close() -> None:
    stream = io.StringIO()
    progress = StderrProgress(stream, label="upload", clock=_Clock(), live=False)
    progress.close()
    progress.close()
    asyncio.run(progress(1, 2, "late"))
    progress.tick()
    assert stream.getvalue() == ""
