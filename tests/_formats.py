"""The containers people actually have (issue 12), and the checks every adapter must pass with them.

Each adapter's test (tests/mcp_server/test_formats.py, tests/langchain/test_formats.py,
tests/test_cli_formats.py) gets an operation's output as the output model's JSON form (MCP
``structuredContent``, the LangChain artifact, CLI ``--json``) and checks it with the functions here, so the
three prove the same things.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np

from gemini_audio_tools.audio.decode import decode_pcm
from tests.fixtures.audio import SpeechAudio, _cached, _key
from tests.fixtures.containers import RECIPES, SECONDS, write_container

CONTAINERS = {
    "m4a": ("mp4", "aac"),
    "opus": ("ogg", "opus"),
    "webm": ("webm", "opus"),
    "mp4-video": ("mp4", "aac"),
    "3gp-aac": ("3gp", "aac"),
}
"""Fixture name of tests/fixtures/containers.py -> (container, codec) inspect_audio reports."""
START, END = "0.5", "2.25"
"""The range asked of each 3 s container fixture."""
TRACK_SECONDS = (2.0, 3.0, 4.0)
"""Lengths of the three audio tracks of :func:`three_track_video`; track 1 is the default."""


def three_track_video() -> Path:
    """An MP4 video with three AAC audio tracks of 2, 3 and 4 s, track 1 marked the default (a screen
    recording with microphone, system sound and a commentary)."""
    recipe = RECIPES["mp4-video"]
    return _cached(
        f"three-track-video-{_key('three-video', recipe, TRACK_SECONDS)}.mp4",
        lambda out: write_container(out, recipe, TRACK_SECONDS, default_track=1),
    )


def speech_m4a(speech: SpeechAudio) -> Path:
    """The speech fixture as an iPhone voice memo would hold it: AAC in M4A, 44.1 kHz mono."""

    def build(out: Path) -> None:
        pcm = decode_pcm(speech.path, 44_100).reshape(1, -1).astype(np.float32)
        with av.open(str(out), "w", format="ipod") as container:
            stream = container.add_stream("aac", rate=44_100, layout="mono")
            frame = av.AudioFrame.from_ndarray(pcm, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44_100, 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)

    return _cached(f"speech-memo-{_key(speech.path.name, 'memo')}.m4a", build)


def check_inspected(name: str, out: dict[str, Any]) -> None:
    """inspect_audio of container fixture ``name``: exact duration, container and codec named, converted."""
    container, codec = CONTAINERS[name]
    assert out["duration_seconds"] == SECONDS, (name, out)
    assert (out["container"], out["codec"], out["api_accepts"]) == (container, codec, False), (name, out)
    assert out["has_video"] is name.endswith("video"), (name, out)


def check_ranged(name: str, out: dict[str, Any]) -> None:
    """transcribe_audio of container fixture ``name`` from START to END: cut there, converted, said so."""
    assert out["range"]["method"] == "clip", (name, out)
    assert (out["range"]["start_seconds"], out["range"]["end_seconds"]) == (float(START), float(END)), out
    assert out["sent"]["transcoded"] and out["sent"]["format"] == "audio/mp3", (name, out)
    assert any("converted on this machine" in note for note in out["notes"]), (name, out)


def check_track(out: dict[str, Any], track: int) -> None:
    """inspect_audio of :func:`three_track_video`: the track used, of how many, and its own length."""
    assert (out["track"], out["audio_tracks"], out["has_video"]) == (track, 3, True), out
    assert out["duration_seconds"] == TRACK_SECONDS[track], out


def check_track_note(out: dict[str, Any], track: int) -> None:
    """A model operation on :func:`three_track_video` says which track it used and how to pick another."""
    assert any(f"3 audio tracks; track {track} was used" in note for note in out["notes"]), out


def check_speech(out: dict[str, Any], start: float | None = None, end: float | None = None) -> None:
    """transcribe_audio of the speech memo, whole (``start`` None) or from ``start`` to ``end``."""
    if start is None:
        assert out["range"]["method"] == "whole" and "coffee" in out["text"].lower(), out
        return
    assert out["range"]["method"] == "clip", out
    assert (out["range"]["start_seconds"], out["range"]["end_seconds"]) == (start, end), out
    assert out["segments"] and all(start <= s["start"] <= s["end"] <= end for s in out["segments"]), out
