"""How many samples FFmpeg's decoder makes of each packet, read from the packets without decoding them.

Containers like Matroska/WebM, ASF, AVI or MPEG-TS time packets in milliseconds (or 90 kHz ticks), so
neither their durations nor their timestamps say exactly where a sample lies. The decoder's output does, and
for most codecs it is fixed by the packet itself: an Opus packet's first byte (its TOC) gives its frames and
their length, AAC/MP3/AC3/AMR packets hold one frame of a fixed size, PCM packets hold bytes / block size
samples. On top, the demuxer attaches "skip samples" to the first packet (the encoder delay: Matroska's
CodecDelay, an MP4 edit list) and "discard padding" to the last, and a freshly opened decoder given no skip
drops its codec's declared delay itself; FFmpeg's decoder applies exactly these, so do we.

Codecs whose packets do not say their length (WMA, whose packets hold several frames; Vorbis, whose block
sizes depend on its setup header; FLAC; ADPCM) are counted by decoding them (:mod:`._container`).
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Any

import av

if TYPE_CHECKING:
    Packet = av.Packet[av.AudioStream]

_FIXED_FRAME = frozenset({"aac", "mp1", "mp2", "mp3", "ac3", "eac3", "amr_nb", "amr_wb", "gsm", "gsm_ms"})
"""Codecs whose every packet decodes to one frame of the codec context's ``frame_size``."""
_FRAME_SIZE_DEFAULTS = {"amr_nb": 160, "amr_wb": 320}  # FFmpeg leaves frame_size 0 for AMR
_PCM = re.compile(r"pcm_[suf](8|16|24|32|64)(le|be)?$")
_OPUS_SILK = (480, 960, 1920, 2880)  # 48 kHz samples per frame, configurations 0-11 (by config % 4)
_OPUS_HYBRID = (480, 960)  # configurations 12-15 (by config % 2)
_OPUS_CELT = (120, 240, 480, 960)  # configurations 16-31 (by config % 4)


def opus_packet_samples(data: bytes) -> int:
    """The 48 kHz samples an Opus packet decodes to, from its TOC byte (RFC 6716, section 3.1)."""
    if not data:
        return 0
    config, code = data[0] >> 3, data[0] & 3
    if config < 12:
        frame = _OPUS_SILK[config % 4]
    elif config < 16:
        frame = _OPUS_HYBRID[config % 2]
    else:
        frame = _OPUS_CELT[config % 4]
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        frames = data[1] & 0x3F if len(data) > 1 else 0
    return frame * frames


def skips(packet: Packet) -> tuple[int | None, int]:
    """The samples the decoder drops from the start (None: the packet says nothing) and from the end of
    ``packet``'s output, from its "skip samples" side data."""
    if not packet.has_sidedata("skip_samples"):
        return None, 0
    start, end = struct.unpack("<II", bytes(packet.get_sidedata("skip_samples"))[:8])
    return int(start), int(end)


class PacketCounter:
    """Counts, for one audio stream, the samples a decoder opened at the stream's first packet outputs for
    each packet (``countable`` is False when that cannot be known without decoding)."""

    def __init__(self, stream: av.AudioStream) -> None:
        context = stream.codec_context
        self.codec = stream.codec.canonical_name
        self.rate = context.sample_rate
        self.delay = max(0, context.delay or 0)
        frame_size = context.frame_size or _FRAME_SIZE_DEFAULTS.get(self.codec, 0)
        self._fixed = frame_size if self.codec in _FIXED_FRAME else 0
        pcm = _PCM.match(self.codec)
        channels = context.channels
        self._block = int(pcm.group(1)) // 8 * channels if pcm and channels else 0
        if self.codec in ("pcm_alaw", "pcm_mulaw"):
            self._block = channels
        self.countable = self.codec == "opus" or self._fixed > 0 or self._block > 0
        self._first = True

    def samples(self, packet: Packet) -> int:
        """The samples ``packet`` adds to the decoded timeline (the stream's packets in order, from the
        first)."""
        if packet.size == 0:
            return 0
        if self.codec == "opus":
            whole = opus_packet_samples(memoryview(packet)[:2].tobytes())
        elif self._fixed:
            whole = self._fixed
        else:
            whole = packet.size // self._block
        head, tail = skips(packet)
        if self._first:
            self._first = False
            head = self.delay if head is None else head
        return max(0, whole - (head or 0) - tail)


def counted_samples(container: Any, stream: av.AudioStream) -> tuple[int, int]:
    """The stream's decoded length in samples and its packets' bytes, by reading (not decoding) every
    packet. The stream must be :attr:`PacketCounter.countable`.

    Raises:
        av.FFmpegError: FFmpeg cannot demux the file.
    """
    counter = PacketCounter(stream)
    samples = size = 0
    for packet in container.demux(stream):
        samples += counter.samples(packet)
        size += packet.size
    return samples, size
