"""MP3 and ADTS AAC facts from frame headers, resynchronising over junk the way FFmpeg's parsers do."""

from __future__ import annotations

import mmap
from collections.abc import Callable

from ._facts import StreamFacts, corrupt, truncated
from ._mpeg import (
    MP3_DECODER_DELAY,
    AdtsFrame,
    FrameScan,
    MpegFrame,
    adts_frame_at,
    id3v2_end,
    mpeg_frame_at,
    read_xing,
    scan_adts,
    scan_mpeg,
)
from .sniff import HEAD_BYTES

_RESYNC_WINDOW = 65536


def _first_frame(data: mmap.mmap, size: int, start: int, label: str, find: object) -> int:
    """Offset of the first frame header at or after ``start`` (encoders may leave a few junk bytes)."""
    for pos in range(start, min(size - 4, start + HEAD_BYTES)):
        if data[pos] == 0xFF and find(data, pos) is not None:  # type: ignore[operator]
            return pos
    raise corrupt(label, "no audio frame was found where the audio should start")


def mp3_facts(data: mmap.mmap, size: int, label: str) -> StreamFacts:
    """Facts of an MP3: from its Xing/Info/VBRI header when that describes the whole file, else by counting
    frames (and then trimming what FFmpeg trims: the Info frame, and LAME's delay at the start).

    Raises:
        CorruptAudioError: no frame where the audio should start, or the file ends inside a frame.
    """
    start = _first_frame(data, size, id3v2_end(data), label, mpeg_frame_at)
    frame = mpeg_frame_at(data, start)
    assert frame is not None
    xing = read_xing(data, start, frame)
    delay = xing.encoder_delay if xing is not None else None
    padding = xing.padding if xing is not None else None
    start_time = (delay + MP3_DECODER_DELAY) / frame.sample_rate if delay is not None else 0.0
    if xing is not None and xing.frames and not _continues_after(data, start, size, xing.audio_bytes):
        samples = xing.frames * frame.samples - (delay or 0) - (padding or 0)
        if xing.audio_bytes and start + xing.audio_bytes > size:
            missing = start + xing.audio_bytes - size
            raise truncated(
                label, f"its MP3 header announces {xing.audio_bytes} bytes of audio, {missing} are missing"
            )
        audio_bytes = xing.audio_bytes or size - start
        return StreamFacts("mp3", frame.sample_rate, frame.channels, samples, audio_bytes, start_time)
    samples, audio_bytes = _scan_with_resync(data, start, size, scan_mpeg, mpeg_frame_at, label, "an MP3")
    if xing is not None:
        samples -= frame.samples  # the Info frame holds no audio
    if delay is not None:
        samples -= delay + MP3_DECODER_DELAY  # what FFmpeg skips at the start; no end trim without a count
    return StreamFacts("mp3", frame.sample_rate, frame.channels, samples, audio_bytes, start_time)


def _continues_after(data: mmap.mmap, start: int, size: int, audio_bytes: int | None) -> bool:
    """Whether more MP3 frames follow the end the Xing header declares (e.g. files joined by ``cat``)."""
    if not audio_bytes or start + audio_bytes >= size:
        return False
    return _next_frame(data, start + audio_bytes, size, mpeg_frame_at, window=4) is not None


def adts_facts(data: mmap.mmap, size: int, label: str) -> StreamFacts:
    """Facts of an ADTS AAC stream: every frame counted (the format has no length field).

    Raises:
        CorruptAudioError: no frame where the audio should start, or the file ends inside a frame.
    """
    start = _first_frame(data, size, id3v2_end(data), label, adts_frame_at)
    frame = adts_frame_at(data, start)
    assert frame is not None
    channels = frame.channels or 2  # 0 means "set in the stream"; FFmpeg then reports what it decodes
    samples, audio_bytes = _scan_with_resync(data, start, size, scan_adts, adts_frame_at, label, "an AAC")
    return StreamFacts("aac", frame.sample_rate, channels, samples, audio_bytes)


def _scan_with_resync(
    data: mmap.mmap,
    start: int,
    size: int,
    scan: Callable[[mmap.mmap, int, int], FrameScan],
    header_at: Callable[[mmap.mmap, int], MpegFrame | AdtsFrame | None],
    label: str,
    kind: str,
) -> tuple[int, int]:
    """(samples, audio bytes) of every run of frames: like FFmpeg's parsers, junk between frames (a glitch,
    an ID3 tag of a second file appended to the first) is skipped and counting resumes at the next frame
    that is followed by another one.

    Raises:
        CorruptAudioError: the last frame runs past the end of the file.
    """
    samples = audio_bytes = 0
    pos: int | None = start
    while pos is not None:
        run = scan(data, pos, size)
        samples += run.samples
        audio_bytes += run.end - pos
        if run.truncated:
            seconds = samples / max(1, _rate(header_at(data, start)))
            raise truncated(label, f"it ends inside {kind} frame after {seconds:.3f} s")
        pos = _next_frame(data, run.end, size, header_at) if run.end < size else None
        if pos is not None and header_at is mpeg_frame_at:
            joined = mpeg_frame_at(data, pos)
            if joined is not None and read_xing(data, pos, joined) is not None:
                samples -= joined.samples  # a joined file's Info frame decodes to nothing
    return samples, audio_bytes


def _rate(frame: MpegFrame | AdtsFrame | None) -> int:
    return frame.sample_rate if frame is not None else 1


def _next_frame(
    data: mmap.mmap,
    pos: int,
    size: int,
    header_at: Callable[[mmap.mmap, int], MpegFrame | AdtsFrame | None],
    window: int = _RESYNC_WINDOW,
) -> int | None:
    """The next frame within ``window`` bytes of ``pos`` (past an ID3v2 tag there) that another follows."""
    if bytes(data[pos : pos + 3]) == b"ID3" and pos + 10 <= size:
        body = 0
        for byte in data[pos + 6 : pos + 10]:
            body = (body << 7) | (byte & 0x7F)
        pos += 10 + body
    limit = min(size - 4, pos + window)
    while pos < limit:
        pos = data.find(b"\xff", pos, limit)
        if pos < 0:
            return None
        frame = header_at(data, pos)
        if frame is not None:
            following = pos + frame.length
            after = header_at(data, following) if following < size else None
            if following == size or (after is not None and after.sample_rate == frame.sample_rate):
                return pos
        pos += 1
    return None
