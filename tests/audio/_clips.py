"""``clip_range(path, start, end)``: a lossless cut of a file the test has not probed (tests only).

The library cuts through :func:`~gemini_audio_tools.audio.encode.encode_range` with the probe it already
has; tests that just want the samples of a range, cut the way the library cuts, use this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gemini_audio_tools.audio.encode import EncodedAudio, flac_range
from gemini_audio_tools.audio.probe import probe_audio


@contextmanager
def clip_range(
    path: Path | str,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = 16_000,
    mono: bool = True,
    track: int | None = None,
) -> Iterator[EncodedAudio]:
    with flac_range(path, probe_audio(path, track), start, end, sample_rate=sample_rate, mono=mono) as clip:
        yield clip
