"""The issue's done criterion: the real SDK, configured by environment only, through a 60 MB FLAC's life."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest
from google import genai
from google.genai import types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import FIXTURE_DIR

MODEL = "gemini-3.8-flash"
RATE = 48_000


def _noise_flac(seconds: int) -> Path:
    """White noise as 48 kHz stereo 16-bit FLAC (barely compressible: ~195 kB/s), cached in tests/.fixtures;
    one seed, so a shorter file is exactly the start of a longer one."""
    path = FIXTURE_DIR / f"noise-{seconds}s-48k-stereo-v1.flac"
    if path.exists():
        return path
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    rng = np.random.default_rng(7)
    with av.open(str(partial), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="stereo")
        stream.format = "s16"
        for second in range(seconds):
            samples = rng.integers(-32768, 32767, size=(1, RATE * 2), dtype=np.int16)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
            frame.sample_rate, frame.pts = RATE, second * RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    partial.replace(path)
    return path


@pytest.fixture(scope="module")
def flac_60mb() -> Path:
    path = _noise_flac(312)
    assert path.stat().st_size >= 60_000_000
    return path


def test_the_sdk_with_only_the_environment_set_runs_a_60_mb_flac_through_its_whole_life(
    emulator_env: EmulatorServer, flac_60mb: Path
) -> None:
    client = genai.Client()  # GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY only
    clip = _noise_flac(20)

    uploaded = client.files.upload(file=flac_60mb)
    assert uploaded.name is not None
    active = uploaded
    for _ in range(100):  # the SDK user's usual polling loop; ACTIVE at once with the default settings
        if active.state != types.FileState.PROCESSING:
            break
        active = client.files.get(name=uploaded.name)
    listed = [f.name for f in client.files.list()]
    by_file = client.models.generate_content(model=MODEL, contents=[active, "Describe this audio."])
    inline = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=clip.read_bytes(), mime_type="audio/flac"), "Describe it."],
    )
    counted = client.models.count_tokens(model=MODEL, contents=[active])
    inline_whole = client.models.count_tokens(  # 80 MB of base64: fits the 100 MB inline limit since 2026
        model=MODEL, contents=[types.Part.from_bytes(data=flac_60mb.read_bytes(), mime_type="audio/flac")]
    )
    client.files.delete(name=uploaded.name)

    assert active.state == types.FileState.ACTIVE
    assert active.size_bytes == flac_60mb.stat().st_size
    assert listed == [uploaded.name]
    assert by_file.text and "312" in by_file.text
    assert by_file.usage_metadata and by_file.usage_metadata.prompt_tokens_details
    assert inline.text and "20" in inline.text
    assert counted.total_tokens == 312 * 32
    assert inline_whole.total_tokens == 312 * 32
    assert list(client.files.list()) == []
    assert emulator_env.state.faults.stats.requests["upload.chunk"] == 8  # 8 MiB chunks
