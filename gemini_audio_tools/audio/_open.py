"""Open a local audio file for decoding with PyAV, never letting FFmpeg wander past the audio.

FFmpeg's WAV demuxer, on a seekable file, keeps reading chunk headers after the ``data`` chunk until end of
file. When gigabytes of zeros follow a WAV's RIFF chunk (a hostile or damaged file: a header on a huge sparse
file), every 8 zero bytes parse as an empty chunk, so opening it takes minutes. Such files are opened through
a reader that ends where the RIFF chunk ends; everything else is opened by path as usual.
"""

from __future__ import annotations

import io
import os
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
    """A read-only, seekable view of the bytes ``begin`` to ``limit`` of a file (offsets from ``begin``)."""

    def __init__(self, raw: io.BufferedReader, limit: int, begin: int = 0) -> None:
        self._raw = raw
        self._limit = limit
        self._begin = begin
        raw.seek(begin)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._raw.tell() - self._begin

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            return self._raw.seek(self._limit + offset) - self._begin
        if whence == io.SEEK_SET:
            return self._raw.seek(self._begin + max(0, offset)) - self._begin
        return self._raw.seek(max(self._begin, self._raw.tell() + offset)) - self._begin

    def readinto(self, buffer: Any) -> int:
        room = max(0, self._limit - self._raw.tell())
        view = memoryview(buffer)[:room]
        return self._raw.readinto(view) if room else 0

    def close(self) -> None:
        self._raw.close()
        super().close()


FileKey = tuple[int, int, int, int]


def file_key(stat: os.stat_result) -> FileKey:
    """What identifies one version of a file: size, modification and change times (ns) and inode."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


class FileChangedError(Exception):
    """The file is no longer the one a seek table was made from."""


def _begins_frame(head: bytes, fmt: str) -> bool:
    """Whether ``head`` starts with an MPEG audio (``fmt`` "mp3") or ADTS frame sync."""
    if len(head) < 2 or head[0] != 0xFF:
        return False
    return (head[1] & 0xE0) == 0xE0 if fmt == "mp3" else (head[1] & 0xF6) == 0xF0


@contextmanager
def open_view(path: Path, offset: int, fmt: str, key: FileKey | None) -> Iterator[Any]:
    """``av.open`` of ``path``'s bytes from ``offset`` (a frame boundary of an MP3/ADTS stream) to its end,
    demuxed as ``fmt``: FFmpeg sees a stream that starts there, timed from 0.

    Raises:
        FileChangedError: the file is not (any more) the version ``key`` describes (None: not checked), or
            no frame header starts at ``offset`` (a rewrite within one tick of the file system's clock).
        OSError: it cannot be opened.
        av.FFmpegError: FFmpeg cannot open the view.
    """
    raw = path.open("rb")
    stat = os.fstat(raw.fileno())
    raw.seek(offset)
    if (key is not None and file_key(stat) != key) or not _begins_frame(raw.read(2), fmt):
        raw.close()
        raise FileChangedError(str(path))
    with _Bounded(raw, stat.st_size, begin=offset) as view, av.open(view, format=fmt) as container:
        yield container


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
