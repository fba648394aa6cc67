"""Progress events: one shape the CLI, MCP and LangChain all render, in human units, without temp names."""

from __future__ import annotations

import itertools
import tempfile
import wave
from pathlib import Path

import pytest
from google import genai

from gemini_audio_tools.context import RunContext
from gemini_audio_tools.progress import (
    PHASES,
    ProgressEvent,
    deliver,
    looks_temporary,
    scrub_temp_names,
    shown_name,
    upload_reader,
)


def test_an_upload_is_described_in_human_units() -> None:
    event = ProgressEvent("upload", 4_200_000, 19_570_800, "bytes", subject="talk.m4a")
    assert event.describe() == "uploading talk.m4a: 4.2 MB of 19.6 MB (21%)"


def test_chunks_and_waits_are_described_in_words() -> None:
    chunks = ProgressEvent("chunks", 1, 2, "chunks", subject="talk.m4a", detail="chunk 1/2 (0:00–30:00): ok")
    assert chunks.describe() == "working on talk.m4a: 1 of 2 chunks (50%), chunk 1/2 (0:00–30:00): ok"
    assert ProgressEvent("processing", subject="files/abc").describe() == "processing files/abc"


def test_temp_file_names_are_never_shown() -> None:
    clip = f"{tempfile.gettempdir()}/gemini-audio-clip-rz95yr9z.flac"
    assert ProgressEvent("upload", subject=clip).subject is None
    event = ProgressEvent("upload", detail=f"uploading {clip} (19570800 bytes)")
    assert event.detail == "uploading the clip (19570800 bytes)"
    assert scrub_temp_names("sent gemini-audio-clip-abcd_123.flac") == "sent the clip"


def test_names_people_chose_are_shown_by_their_base_name() -> None:
    assert shown_name("/home/me/recordings/tmp_interview.mp3") == "tmp_interview.mp3"
    assert shown_name("files/abc123") == "files/abc123"
    assert not looks_temporary("/home/me/tmpabcdefgh.wav")  # tempfile's pattern, but not in the temp dir
    assert looks_temporary(Path(tempfile.gettempdir()) / "tmpabcd_fgh.wav")


def test_overall_progress_increases_through_the_phases_in_order() -> None:
    events = [ProgressEvent("download", 0, 10, "bytes"), ProgressEvent("download", 10, 10, "bytes")]
    events += [ProgressEvent("upload", 0, 5, "bytes"), ProgressEvent("upload", 5, 5, "bytes")]
    events += [ProgressEvent("processing")]
    events += [ProgressEvent("chunks", done, 3, "chunks") for done in range(4)]
    values = [event.overall() for event in events]
    assert values[0] == (0.0, 100.0) and values[-1] == (100.0, 100.0)
    assert all(a[0] < b[0] for a, b in itertools.pairwise(values))
    assert [e.phase for e in events[::2]][:3] == list(PHASES[:3])


async def test_a_plain_sink_gets_numbers_and_words_and_an_event_sink_the_event() -> None:
    plain: list[tuple[float, float | None, str | None]] = []

    async def sink(progress: float, total: float | None = None, message: str | None = None) -> None:
        plain.append((progress, total, message))

    class EventSink:
        def __init__(self) -> None:
            self.events: list[ProgressEvent] = []

        async def __call__(self, *args: object) -> None:
            raise AssertionError("events go to on_event")

        async def on_event(self, event: ProgressEvent) -> None:
            self.events.append(event)

    event = ProgressEvent("chunks", 1, 2, "chunks")
    await deliver(sink, event)
    await deliver(sink, 3, 4, "step 3")
    rich = EventSink()
    await RunContext(progress=rich).report(event)
    assert plain == [(75.0, 100.0, "working on: 1 of 2 chunks (50%)"), (3, 4, "step 3")]
    assert rich.events == [event]


def test_as_dict_carries_the_phase_the_words_and_the_percent() -> None:
    data = ProgressEvent("upload", 1_000_000, 2_000_000, "bytes", subject="a.wav").as_dict()
    assert data["phase"] == "upload" and data["unit"] == "bytes" and data["done"] == 1_000_000
    assert data["message"] == "uploading a.wav: 1.0 MB of 2.0 MB (50%)" and data["percent"] == 32.0


def _silent_wav(path: Path, seconds: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\0\0" * 16_000 * seconds)
    return path


@pytest.mark.usefixtures("emulator")
async def test_an_upload_through_the_real_sdk_reports_the_bytes_sent_so_far(
    async_genai_client: genai.client.AsyncClient, tmp_path: Path
) -> None:
    wav = _silent_wav(tmp_path / "long.wav", 540)  # 17.3 MB: three of the SDK's 8 MB chunks
    events: list[ProgressEvent] = []

    async def report(event: ProgressEvent) -> None:
        events.append(event)

    with upload_reader(wav, report, subject="long.wav") as stream:
        await async_genai_client.files.upload(file=stream, config={"mime_type": "audio/wav"})
    size = wav.stat().st_size
    assert [e.done for e in events] == [0, 8 * 1024 * 1024, 16 * 1024 * 1024]
    assert all(e.total == size and e.subject == "long.wav" for e in events)
