from __future__ import annotations

import math
from pathlib import Path

import av
import pytest

from gemini_audio_tools._ops.local import inspect_audio
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import (
    AudioFileNotFoundError,
    CorruptAudioError,
    InvalidTimeRangeError,
    LocalAudioRequiredError,
    PathNotAllowedError,
    UnsupportedAudioError,
)
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import InspectAudioInput, InspectAudioOutput
from tests.fixtures.audio import MakeAudio

MIME_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mp3",
    "aiff": "audio/aiff",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}


def _ctx(*dirs: Path) -> RunContext:
    return RunContext(settings=Settings(allowed_dirs=tuple(d.resolve() for d in dirs)))


async def _inspect(path: Path | str, allowed: Path, **range_: str) -> InspectAudioOutput:
    return await inspect_audio(InspectAudioInput(audio=str(path), **range_), _ctx(allowed))


def _decoded_seconds(path: Path) -> float:
    """Length found by decoding every frame with PyAV: the truth inspect_audio's header reading must match."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples: int = sum(frame.samples for frame in container.decode(stream))
        rate: int = stream.codec_context.sample_rate
        return samples / rate


async def test_inspect_audio_measures_each_format_within_half_a_percent_of_its_decoded_length(
    audio_file: Path,
) -> None:
    out = await _inspect(audio_file, audio_file.parent)
    fmt = audio_file.suffix.lstrip(".")
    assert out.format == fmt
    assert out.mime_type == MIME_TYPES[fmt]
    assert out.duration_seconds == pytest.approx(_decoded_seconds(audio_file), rel=0.005)
    assert out.sample_rate == 22050 and out.channels == 1
    assert out.size_bytes == audio_file.stat().st_size
    assert out.path == str(audio_file.resolve())


async def test_inspect_audio_estimates_32_tokens_per_second_of_the_whole_file_rounded_up(
    audio_file: Path,
) -> None:
    out = await _inspect(audio_file, audio_file.parent)
    assert out.range.method == "whole"
    assert (out.range.start_seconds, out.range.end_seconds) == (0.0, out.duration_seconds)
    assert out.estimated_tokens == math.ceil(round(32 * out.duration_seconds, 6))


async def test_inspect_audio_estimates_only_the_requested_range(make_audio: MakeAudio) -> None:
    path = make_audio("wav", 10.0)
    out = await _inspect(path, path.parent, start="2", end="0:05.5")
    assert (out.range.start_seconds, out.range.end_seconds, out.range.method) == (2.0, 5.5, "clip")
    assert out.estimated_tokens == 112  # 3.5 s x 32
    assert out.duration_seconds == pytest.approx(10.0)


async def test_inspect_audio_reports_channels_and_rate_of_multichannel_files(
    multichannel_files: dict[str, Path],
) -> None:
    path = multichannel_files["flac-6ch"]
    out = await _inspect(path, path.parent)
    assert (out.channels, out.sample_rate) == (6, 48000)
    assert out.estimated_tokens == 96  # 3 s: channels are merged, so not 6 x 96


async def test_inspect_audio_goes_by_content_not_by_extension(misleading_extension_file: Path) -> None:
    out = await _inspect(misleading_extension_file, misleading_extension_file.parent)
    assert (out.format, out.mime_type) == ("mp3", "audio/mp3")


async def test_inspect_audio_says_a_range_past_the_end_is_past_the_end(make_audio: MakeAudio) -> None:
    path = make_audio("wav", 10.0)
    with pytest.raises(InvalidTimeRangeError, match=r"end 0:12 is past the end of the audio \(0:10\)"):
        await _inspect(path, path.parent, end="0:12")


async def test_inspect_audio_refuses_a_files_api_name_and_points_to_count_audio_tokens(
    tmp_path: Path,
) -> None:
    for ref in ("files/abc123", "https://generativelanguage.googleapis.com/v1beta/files/abc123"):
        with pytest.raises(LocalAudioRequiredError, match="count_audio_tokens"):
            await _inspect(ref, tmp_path)


async def test_inspect_audio_refuses_paths_outside_the_allowed_dirs(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(PathNotAllowedError, match="--allow-dir"):
        await _inspect(audio_files["wav"], tmp_path)


async def test_inspect_audio_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="No file at"):
        await _inspect(tmp_path / "meeting.mp3", tmp_path)


async def test_inspect_audio_rejects_text_as_unsupported_and_reads_the_sound_of_a_video(
    text_as_mp3: Path, mp4_video: Path
) -> None:
    with pytest.raises(UnsupportedAudioError):
        await _inspect(text_as_mp3, text_as_mp3.parent)
    out = await _inspect(mp4_video, mp4_video.parent)
    assert (out.format, out.codec, out.duration_seconds) == ("mp4", "aac", 1.0)


async def test_inspect_audio_rejects_empty_files_as_corrupt(empty_file: Path) -> None:
    with pytest.raises(CorruptAudioError):
        await _inspect(empty_file, empty_file.parent)


async def test_inspect_audio_runs_through_the_registry_with_raw_arguments(
    audio_files: dict[str, Path],
) -> None:
    path = audio_files["flac"]
    settings = Settings(allowed_dirs=(path.parent.resolve(),))
    out = await call_operation("inspect_audio", {"audio": str(path), "start": "1"}, settings=settings)
    assert isinstance(out, InspectAudioOutput)
    assert out.range.start_seconds == 1.0
    assert out.estimated_tokens == math.ceil(round(32 * (out.duration_seconds - 1), 6))


def test_inspect_audio_text_is_one_line_with_name_format_length_layout_size_and_tokens() -> None:
    out = InspectAudioOutput(
        path="/data/speech.mp3",
        format="mp3",
        codec="mp3",
        mime_type="audio/mp3",
        duration_seconds=628.0,
        sample_rate=44100,
        channels=2,
        size_bytes=9_612_345,
        bit_rate=128000,
        range={"start_seconds": 0.0, "end_seconds": 628.0, "method": "whole"},
        estimated_tokens=20096,
    )
    assert out.to_text() == "speech.mp3: MP3, 10:28 (628.0 s), 44100 Hz stereo, 9.6 MB; ~20,096 tokens"
    ranged = out.model_copy(
        update={
            "range": out.range.model_copy(
                update={"start_seconds": 60.0, "end_seconds": 90.5, "method": "clip"}
            )
        }
    )
    assert "; range 1:00-1:30.5 (30.5 s); " in ranged.model_copy(update={"estimated_tokens": 976}).to_text()
