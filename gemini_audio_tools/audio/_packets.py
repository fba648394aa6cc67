"""What a packet feed hands the range decoder (:mod:`.decode`): packets, the decoder for them and how to
place their samples on the timeline; shared by :mod:`._feed` and :mod:`._counted`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

if TYPE_CHECKING:
    Packet = av.Packet[av.AudioStream]

PREROLL_SECONDS = 1.0
"""Decoding starts this long before a range, so the decoder and the resampler have their history."""


def decode_packet(packet: Packet, codec: av.AudioCodecContext | None = None) -> list[av.AudioFrame] | None:
    """The frames of one packet (decoded by ``codec``, by default its stream's), or None if it is damaged:
    like FFmpeg's command line, a glitch in the middle of a file costs that packet only (probe skips such
    junk too), not the whole file."""
    try:
        decoded = packet.decode() if codec is None else codec.decode(packet)
        return [frame for frame in decoded if isinstance(frame, av.AudioFrame)]
    except av.InvalidDataError:
        return None


def frame_time(frame: av.AudioFrame) -> float | None:
    """The frame's timestamp in seconds, if it has one."""
    if frame.pts is None or frame.time_base is None:
        return None
    return float(frame.pts * frame.time_base)


@dataclass
class SampleClock:
    """For a stream whose timestamps cannot place samples exactly (:mod:`._counted`): where the packet just
    handed out ends on the timeline (``end``, in samples at ``rate``); packets ending at or before
    ``skip_below`` need not be decoded."""

    rate: int
    skip_below: int
    end: int = 0


@dataclass
class FeedStart:
    """Where a range's decoding starts: the raw time of the timeline's zero (None: the first decoded
    frame's), the tick before which packets need not be decoded, the packets, the decoder for them, the
    timeline second where a whole-file decode ends if the packets go on past it (None: they do not), and,
    for counted streams, the clock that places each packet instead of its timestamp."""

    origin: float | None
    skip_below: float
    packets: Iterator[Packet]
    codec: av.AudioCodecContext
    stop: float | None = None
    clock: SampleClock | None = None
