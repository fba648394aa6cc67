"""Shared set-up of the benches: an in-process emulator and Settings pointing at it (no key, no network)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.server import EmulatorServer


@contextlib.contextmanager
def emulator_settings() -> Iterator[tuple[EmulatorServer, Settings, Path]]:
    """Yield (server, settings, work dir): a fresh emulator and settings with a private cache."""
    with tempfile.TemporaryDirectory(prefix="gemini-audio-bench-") as tmp, EmulatorServer() as server:
        work = Path(tmp)
        settings = Settings(
            api_key="bench-key",
            base_url=server.base_url,
            allowed_dirs=(work,),
            cache_dir=work / "cache",
        )
        yield server, settings, work


def write_tone_flac(path: Path, seconds: float, rate: int = 16_000) -> Path:
    """A quiet 440 Hz tone as 16 kHz mono FLAC (compact even for an hour), written with PyAV."""
    block = rate * 10
    t = np.arange(block, dtype=np.float64) / rate
    pcm = (0.05 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=rate, layout="mono")
        remaining = round(seconds * rate)
        pts = 0
        while remaining > 0:
            n = min(block, remaining)
            frame = av.AudioFrame.from_ndarray(pcm[:n].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = pts
            pts += n
            remaining -= n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
