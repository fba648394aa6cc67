"""Stream received audio as 16 kHz mono blocks, so the emulator's memory stays bounded on hours of audio.

``audio.decode.decode_pcm`` returns one array for a whole file: fine for minutes, but a 9.5 h request would
need 2 GB of float32. The emulator's model walks the audio block by block instead (2 min in the model), and
cuts blocks at the quietest 30 ms frame near the boundary so the recognizer never hears a word split in two.
The channel count comes from the container's metadata (the PCM here is already merged to mono).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from .errors import UndecodableAudioError

PcmArray = npt.NDArray[np.float32]
SAMPLE_RATE = 16_000
"""What the model hears: Gemini downsamples audio to 16 kHz mono; so do we."""
_RIFF_SLACK = 1 << 16
"""Bytes after a WAV's RIFF chunk tolerated before FFmpeg is fenced in (trailing tags are normal)."""


@contextmanager
def _audio_stream(source: bytes | Path) -> Iterator[tuple[Any, Any]]:
    """The container and its first audio stream, on inline bytes or a stored file (streamed, never read into
    memory whole); FFmpeg's failures inside the block become UndecodableAudioError.

    Raises:
        UndecodableAudioError: not a container with an audio stream, or undecodable.
    """
    try:
        with ExitStack() as stack:
            target = io.BytesIO(source) if isinstance(source, bytes) else _open_stored(source, stack)
            container = stack.enter_context(av.open(target))
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise UndecodableAudioError("The file contains no audio stream.")
            yield container, stream
    except av.FFmpegError as exc:
        raise UndecodableAudioError(
            f"The audio could not be decoded ({exc.__class__.__name__}: {exc})."
        ) from None


def _open_stored(path: Path, stack: ExitStack) -> Any:
    """``path`` for FFmpeg, fenced at the end of a WAV's RIFF chunk when far more bytes follow it: FFmpeg's
    WAV demuxer parses every 8 bytes after the data chunk as a chunk header, so a header on gigabytes of
    zeros would take minutes to open. Other files are opened by name.

    Raises:
        OSError: the file cannot be read.
    """
    handle = stack.enter_context(path.open("rb"))
    head = handle.read(12)
    size = path.stat().st_size
    if len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        (riff,) = struct.unpack("<I", head[4:8])
        end = 8 + riff + (riff & 1)
        if riff not in (0, 0xFFFFFFFF) and size > end + _RIFF_SLACK:
            return _Prefix(handle, end)
    return str(path)


class _Prefix(io.RawIOBase):
    """A read-only, seekable view of a file's first ``limit`` bytes."""

    def __init__(self, raw: Any, limit: int) -> None:
        self._raw, self._limit = raw, limit
        raw.seek(0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return int(self._raw.tell())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._raw.tell(), io.SEEK_END: self._limit}[whence]
        return int(self._raw.seek(max(0, min(base + offset, self._limit))))

    def readinto(self, buffer: Any) -> int:
        room = max(0, self._limit - self._raw.tell())
        return int(self._raw.readinto(memoryview(buffer)[:room])) if room else 0


@dataclass(frozen=True)
class AudioHeader:
    """What the container says about the original audio (before merging to mono 16 kHz)."""

    channels: int
    sample_rate: int
    codec: str
    container: str


def read_header(data: bytes | Path) -> AudioHeader:
    """Channel count, sample rate, codec and container of ``data``'s first audio stream.

    Raises:
        UndecodableAudioError: the bytes are not a container with an audio stream.
    """
    with _audio_stream(data) as (container, stream):
        ctx = stream.codec_context
        return AudioHeader(
            channels=int(ctx.channels or 1),
            sample_rate=int(stream.sample_rate or ctx.sample_rate or 0),
            codec=str(ctx.name),
            container=str(container.format.name),
        )


def decoded_samples(data: bytes | Path) -> tuple[int, int]:
    """``(samples per channel, sample rate)`` from decoding every frame: the audio's true length, where
    container headers lie (VBR MP3 without a Xing header, ADTS AAC, OGG).

    Raises:
        UndecodableAudioError: the bytes cannot be decoded, or decode to no audio at all.
    """
    samples = 0
    rate = 0
    with _audio_stream(data) as (container, stream):
        for frame in container.decode(stream):
            samples += frame.samples
            rate = frame.sample_rate or rate
    if samples == 0 or rate == 0:
        raise UndecodableAudioError("The file decodes to no audio samples (empty or truncated).")
    return samples, rate


def decoded_seconds(data: bytes | Path) -> float:
    """The audio's true duration in seconds (see :func:`decoded_samples`).

    Raises:
        UndecodableAudioError: the bytes cannot be decoded, or decode to no audio at all.
    """
    samples, rate = decoded_samples(data)
    return samples / rate


def _decoded_pieces(data: bytes | Path) -> Iterator[PcmArray]:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    with _audio_stream(data) as (container, stream):
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)


def quiet_cut(pcm: PcmArray, search_seconds: float, frame: int = 480) -> int:
    """Index at which to end a block: the middle of the longest quiet run of 30 ms frames (within 3 dB of the
    quietest) in the last ``search_seconds``. The middle of the longest pause, not the first quiet frame: a
    30 ms gap between two words is as silent as a real pause, and both sides of a cut need some silence for
    the recognizer to hear the words next to it."""
    n_frames = min(len(pcm) // frame, int(search_seconds * SAMPLE_RATE) // frame)
    if n_frames < 2:
        return len(pcm)
    tail_start = len(pcm) - n_frames * frame
    energy = np.square(pcm[tail_start:].reshape(n_frames, frame), dtype=np.float64).mean(axis=1)
    level = 10 * np.log10(np.maximum(energy, 1e-10))
    quiet = np.concatenate([[0], (level <= level.min() + 3.0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(quiet))
    starts, ends = edges[::2], edges[1::2]
    longest = int(np.argmax(ends - starts))
    middle = (int(starts[longest]) + int(ends[longest])) // 2
    return tail_start + middle * frame


def iter_blocks(
    data: bytes | Path,
    *,
    block_seconds: float = 600.0,
    start: float | None = None,
    end: float | None = None,
    cut_search_seconds: float = 10.0,
) -> Iterator[tuple[float, PcmArray]]:
    """Yield ``(offset_seconds, pcm)`` blocks of 16 kHz mono audio covering ``[start, end)`` of ``data``.

    ``offset_seconds`` is on the file's timeline. Blocks are about ``block_seconds`` long, each ending at the
    quietest frame of its last ``cut_search_seconds`` so speech is not cut mid-word.

    Raises:
        UndecodableAudioError: the bytes cannot be decoded.
    """
    first = 0 if start is None else max(0, round(start * SAMPLE_RATE))
    last = None if end is None else round(end * SAMPLE_RATE)
    target = max(1, int(block_seconds * SAMPLE_RATE))
    pending: list[PcmArray] = []
    pending_len = 0
    pending_start = first  # sample index (file timeline) of pending[0][0]
    position = 0  # sample index of the next decoded sample
    for piece in _decoded_pieces(data):
        lo, hi = position, position + len(piece)
        position = hi
        if hi <= first:
            continue
        if last is not None and lo >= last:
            break
        piece = piece[max(0, first - lo) : len(piece) if last is None else min(len(piece), last - lo)]
        pending.append(piece)
        pending_len += len(piece)
        while pending_len >= target + int(cut_search_seconds * SAMPLE_RATE):
            buffer = np.concatenate(pending)
            cut = quiet_cut(buffer[: target + int(cut_search_seconds * SAMPLE_RATE)], cut_search_seconds)
            cut = max(cut, 1)
            yield pending_start / SAMPLE_RATE, np.ascontiguousarray(buffer[:cut])
            pending_start += cut
            rest = buffer[cut:]
            pending, pending_len = [rest], len(rest)
    if pending_len:
        yield pending_start / SAMPLE_RATE, np.ascontiguousarray(np.concatenate(pending))
