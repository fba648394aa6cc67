"""Open a local audio file for decoding with PyAV, never letting FFmpeg wander past the audio.

FFmpeg's WAV demuxer, on a seekable file, keeps reading chunk headers after the ``data`` chunk until end of
file. When gigabytes of zeros follow a WAV's RIFF chunk (a hostile or damaged file: a header on a huge sparse
file), every 8 zero bytes parse as an empty chunk, so opening it takes minutes. Such files are opened through
a reader that ends where the RIFF chunk ends; everything else is opened by path as usual.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av

_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # streamed WAVs and RF64 say "see elsewhere": no bound to apply
_SLACK = 1 << 16  # a little trailing metadata or padding is normal; bound only real excess


def riff_end(head: bytes) -> int | None:
    """Where a RIFF/WAVE file's chunk ends (8 + RIFF size), or None when the header gives no usable size."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    (size,) = struct.unpack("<I", head[4:8])
    return None if size in _UNKNOWN_SIZES else 8 + size + (size & 1)


class _Bounded(io.RawIOBase):
    """A read-only, seekable view of the first ``limit`` bytes of a file."""

    def __init__(self, raw: io.BufferedReader, limit: int) -> None:
        self._raw = raw
        self._limit = limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            return self._raw.seek(self._limit + offset)
        return self._raw.seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        room = max(0, self._limit - self._raw.tell())
        view = memoryview(buffer)[:room]
        return self._raw.readinto(view) if room else 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@contextmanager
def open_audio(path: Path) -> Iterator[Any]:
    """``av.open`` for reading ``path``, bounded to the RIFF chunk for WAVs with excess trailing bytes.

    Raises:
        av.FFmpegError: FFmpeg cannot open it (callers map this to CorruptAudioError).
    """
    with path.open("rb") as handle:
        end = riff_end(handle.read(12))
        size = path.stat().st_size
    if end is None or size <= end + _SLACK:
        with av.open(str(path)) as container:
            yield container
        return
    with _Bounded(path.open("rb"), end) as bounded, av.open(bounded) as container:
        yield container
