"""The one path of the ``audio`` argument: local files of any container, URLs (downloaded, SSRF-guarded,
removed afterwards) and Files API names, through the operations on the emulator."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools._ops.local import inspect_audio
from gemini_audio_tools._ops.transcribe import transcribe_audio
from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import InvalidArgumentError, UnsupportedAudioError, UrlNotAllowedError
from gemini_audio_tools.schemas import InspectAudioInput, TranscribeAudioInput
from tests.fixtures.audio import SpeechAudio, _cached, _key
from tests.fixtures.web import WebServer

pytest.importorskip("faster_whisper")


def speech_as(speech: SpeechAudio, muxer: str, encoder: str, suffix: str, video: bool = False) -> Path:
    """The speech fixture re-encoded by PyAV into another container (the sound of a video, with ``video``)."""

    def build(out: Path) -> None:
        pcm = decode_pcm(speech.path, 16_000)
        with av.open(str(out), "w", format=muxer) as container:
            if video:
                picture = container.add_stream("mpeg4", rate=10)
                picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
            stream = container.add_stream(
                encoder, rate=48_000 if encoder == "libopus" else 16_000, layout="mono"
            )
            frame = av.AudioFrame.from_ndarray(
                pcm.reshape(1, -1).astype(np.float32), format="flt", layout="mono"
            )
            frame.sample_rate = 16_000
            resampler = av.AudioResampler(format=stream.format, layout="mono", rate=stream.rate)
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
            if video:
                for i in range(int(len(pcm) / 16_000 * 10)):
                    image = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
                    image.pts = i
                    for packet in picture.encode(image.reformat(format="yuv420p")):
                        container.mux(packet)
                for packet in picture.encode(None):
                    container.mux(packet)

    return _cached(f"speech-{_key(speech.path.name, muxer, encoder, video)}.{suffix}", build)


@pytest.mark.parametrize(
    ("muxer", "encoder", "suffix", "video"),
    [("ipod", "aac", "m4a", False), ("ogg", "libopus", "opus", False), ("mp4", "aac", "mp4", True)],
    ids=["m4a", "opus", "mp4-video"],
)
async def test_a_container_the_api_does_not_take_is_transcribed_with_a_range_after_local_conversion(
    speech_wav: SpeechAudio, run_ctx: RunContext, muxer: str, encoder: str, suffix: str, video: bool
) -> None:
    path = speech_as(speech_wav, muxer, encoder, suffix, video)
    out = await transcribe_audio(TranscribeAudioInput(audio=str(path), start="4", end="8"), run_ctx)
    assert out.range.method == "clip" and (out.range.start_seconds, out.range.end_seconds) == (4.0, 8.0)
    assert out.segments and all(4.0 <= s.start <= s.end <= 8.0 for s in out.segments)
    assert out.sent is not None and out.sent.transcoded and out.sent.format == "audio/mp3"
    assert any("converted on this machine" in n for n in out.notes)
    inspected = await inspect_audio(InspectAudioInput(audio=str(path)), run_ctx)
    assert not inspected.api_accepts and inspected.has_video is video


async def test_a_dense_wav_is_sent_compact_and_the_wire_format_can_be_chosen(
    speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    size = speech_wav.path.stat().st_size
    compact = await transcribe_audio(TranscribeAudioInput(audio=str(speech_wav.path)), run_ctx)
    assert compact.sent is not None and compact.sent.format == "audio/mp3" and compact.sent.via == "inline"
    assert compact.sent.bytes < size / 4 and not compact.sent.transcoded
    flac = RunContext(settings=run_ctx.settings.with_(wire_format="flac"))
    lossless = await transcribe_audio(TranscribeAudioInput(audio=str(speech_wav.path)), flac)
    assert lossless.sent is not None and lossless.sent.format == "audio/flac"
    original = RunContext(settings=run_ctx.settings.with_(wire_format="original"))
    as_is = await transcribe_audio(TranscribeAudioInput(audio=str(speech_wav.path)), original)
    assert as_is.sent is not None and as_is.sent.format == "audio/wav" and as_is.sent.bytes == size


async def test_a_track_of_a_file_with_several_is_chosen_and_named(
    three_track_mp4: Path, run_ctx: RunContext
) -> None:
    default = await inspect_audio(InspectAudioInput(audio=str(three_track_mp4)), run_ctx)
    assert (default.track, default.audio_tracks, round(default.duration_seconds)) == (1, 3, 3)
    third = await inspect_audio(InspectAudioInput(audio=str(three_track_mp4), track=2), run_ctx)
    assert (third.track, round(third.duration_seconds)) == (2, 4)
    assert "audio track 2 of 3" in third.to_text()
    with pytest.raises(InvalidArgumentError, match="track"):
        await inspect_audio(InspectAudioInput(audio=str(three_track_mp4), track=5), run_ctx)


async def test_a_video_without_sound_is_refused_as_what_it_is(silent_mp4: Path, run_ctx: RunContext) -> None:
    with pytest.raises(UnsupportedAudioError, match="no audio track"):
        await inspect_audio(InspectAudioInput(audio=str(silent_mp4)), run_ctx)


# --- URLs --------------------------------------------------------------------------------------------------


@pytest.fixture
def served(web: WebServer, speech_wav: SpeechAudio) -> str:
    web.add("/talk.wav", speech_wav.path.read_bytes(), "audio/wav")
    return web.url("/talk.wav")


async def test_a_url_is_downloaded_transcribed_whole_and_by_range_and_removed(
    served: str, web: WebServer, run_ctx: RunContext, no_leftovers: Path
) -> None:
    ctx = RunContext(settings=run_ctx.settings.with_(allowed_hosts=(f"127.0.0.1:{web.port}",)))
    whole = await transcribe_audio(TranscribeAudioInput(audio=served), ctx)
    part = await transcribe_audio(TranscribeAudioInput(audio=served, start="4", end="8"), ctx)
    assert "coffee" in whole.text.lower() and whole.range.method == "whole"
    assert part.segments and all(4.0 <= s.start <= s.end <= 8.0 for s in part.segments)
    inspected = await inspect_audio(InspectAudioInput(audio=f"{served}?X-Amz-Signature=secret"), ctx)
    assert inspected.path.startswith("http://127.0.0.1:") and "secret" not in inspected.model_dump_json()


async def test_a_url_to_a_private_host_is_refused_unless_allowed(served: str, run_ctx: RunContext) -> None:
    with pytest.raises(UrlNotAllowedError, match="GEMINI_AUDIO_ALLOWED_HOSTS"):
        await inspect_audio(InspectAudioInput(audio=served), run_ctx)


async def test_urls_can_be_turned_off(served: str, web: WebServer, run_ctx: RunContext) -> None:
    settings = run_ctx.settings.with_(allowed_hosts=(f"127.0.0.1:{web.port}",), urls=False)
    with pytest.raises(UrlNotAllowedError, match="URL input is turned off"):
        await inspect_audio(InspectAudioInput(audio=served), RunContext(settings=settings))
    assert not any(path.endswith("talk.wav") for path, _ in web.requests)


async def test_html_served_as_audio_is_refused_and_nothing_is_left_behind(
    web: WebServer, run_ctx: RunContext, no_leftovers: Path
) -> None:
    web.add("/fake.mp3", b"<!doctype html><html><body>Sign in</body></html>" * 20, "audio/mpeg")
    ctx = RunContext(settings=run_ctx.settings.with_(allowed_hosts=(f"127.0.0.1:{web.port}",)))
    with pytest.raises(UnsupportedAudioError, match="HTML"):
        await transcribe_audio(TranscribeAudioInput(audio=web.url("/fake.mp3")), ctx)
