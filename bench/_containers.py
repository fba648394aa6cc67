"""Bench data: 1-minute and 2-hour files in containers the API does not take as is, for ``bench.probe``.

* **m4a**: the ADTS AAC rows' frames stream-copied into an MP4 container (what an iPhone voice memo is);
  no edit list is written for them, so the length is every frame's 1024 samples.
* **opus**: the bench minute (16 kHz) encoded with libopus into Ogg, once for 1 minute and once for 2 hours;
  libopus writes the pre-skip and end trimming, so the lengths are exactly 60 s and 7200 s.
* **webm**: the same Opus packets stream-copied into WebM (what a browser records). Matroska states no
  exact length, so the probe counts every packet: it is linear in the length and has no time target.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

OPUS_BIT_RATE = 16_000


def remux(source: Path, target: Path, muxer: str) -> None:
    """Copy ``source``'s audio packets into a ``muxer`` container, without decoding them."""
    with av.open(str(source)) as src, av.open(str(target), "w", format=muxer) as out:
        stream = out.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)


def encode_opus(target: Path, minute: npt.NDArray[np.float32], rate: int, repeats: int) -> None:
    """``minute`` (mono float at ``rate``) ``repeats`` times over, as Ogg Opus."""
    with av.open(str(target), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")
        stream.bit_rate = OPUS_BIT_RATE
        block = 4800
        pts = 0
        for _ in range(repeats):
            for offset in range(0, len(minute), block):
                piece = np.ascontiguousarray(minute[offset : offset + block]).reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
                frame.sample_rate, frame.pts = rate, pts
                pts += piece.shape[1]
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def build(
    data: Path,
    make: Callable[[str, Callable[[Path], object]], Path],
    minute: npt.NDArray[np.float32],
    rate: int,
    aac: tuple[Path, Path],
) -> dict[str, tuple[Path, Path]]:
    """``{row: (1-minute file, 2-hour file)}``, built under ``data`` by ``make(name, writer)`` (cached)."""
    rows = {
        "m4a": (
            make("1m.m4a", lambda p: remux(aac[0], p, "ipod")),
            make("2h.m4a", lambda p: remux(aac[1], p, "ipod")),
        ),
    }
    one = make("1m.opus", lambda p: encode_opus(p, minute, rate, 1))
    two = make("2h.opus", lambda p: encode_opus(p, minute, rate, 120))
    rows["opus"] = (one, two)
    rows["webm (counted)"] = (
        make("1m.webm", lambda p: remux(one, p, "webm")),
        make("2h.webm", lambda p: remux(two, p, "webm")),
    )
    return rows
