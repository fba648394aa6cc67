"""Bench data: 2-hour MP3 (VBR, no Xing header) and ADTS AAC files whose bit rate really varies over time.

Two kinds: "varied" (below) and "podcast": speech only over a -50 dB noise floor, as recorded talk is; and
the AAC podcast with one minute of digital silence spliced in (what sampling cannot see).

The frame-repeated files of ``bench.probe`` repeat one minute 120 times, so any sample of their frames looks
like any other and a sampled duration looks better than it is. These files instead alternate blocks of
speech (espeak-ng), digital silence, tones and noise, 0.5-90 s long (log-uniform, seeded), so the bytes per
second swing by 10x between blocks, as in a podcast with music beds and pauses. Their true length is decoded
once with PyAV and cached next to them (``bench/.data/varied-truth.json``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from gemini_audio_tools.audio._mpeg import id3v2_end, mpeg_frame_at

RATE = 44_100
LAME_Q = 4  # LAME VBR quality 4 (-V 4)
AAC_BIT_RATE = 96_000
SENTENCES = (
    "The quarterly numbers were better than expected, mostly thanks to the new subscription plan.",
    "Okay. So. Let me think about that for a second.",
    "Seventeen, forty two, one hundred and eight, and then nine thousand three hundred.",
    "She said the meeting would move to Thursday afternoon, right after lunch, in the big room.",
    "Hmm, yes, no, maybe!",
    "Welcome back to the show; today we talk about audio codecs, sampling, and why bit rates vary.",
)
Pcm = npt.NDArray[np.float32]


def _speech_clips() -> list[Pcm]:
    """Each sentence as espeak-ng renders it (22.05 kHz), upsampled to :data:`RATE` by interpolation."""
    clips = []
    with tempfile.TemporaryDirectory(prefix="bench-varied-") as tmp:
        for index, text in enumerate(SENTENCES):
            wav = Path(tmp) / f"{index}.wav"
            speed = str(120 + 25 * (index % 3))
            subprocess.run(["espeak-ng", "-s", speed, "-w", str(wav), text], check=True)
            with av.open(str(wav)) as container:
                stream = container.streams.audio[0]
                rate = stream.rate
                pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
            pcm = pcm.astype(np.float32) / (32768.0 if pcm.dtype == np.int16 else 1.0)
            t = np.arange(round(len(pcm) * RATE / rate)) * rate / RATE
            clips.append(np.interp(t, np.arange(len(pcm)), pcm).astype(np.float32))
    return clips


def _blocks(seconds: float, seed: int, podcast: bool = False) -> Iterator[Pcm]:
    """Blocks of speech / silence / tones / noise adding up to exactly ``seconds`` of audio; or, for a
    ``podcast``, speech only over a constant noise floor (-50 dB), like a recorded conversation."""
    rng = np.random.default_rng(seed)
    floor = np.random.default_rng(seed + 1)
    clips = _speech_clips()
    remaining = round(seconds * RATE)
    while remaining > 0:
        count = min(remaining, round(float(np.exp(rng.uniform(np.log(0.5), np.log(90.0)))) * RATE))
        kind = (
            "speech"
            if podcast
            else rng.choice(["speech", "silence", "tone", "noise"], p=[0.4, 0.2, 0.2, 0.2])
        )
        if kind == "speech":
            parts, total = [], 0
            while total < count:
                clip = clips[int(rng.integers(len(clips)))] * float(rng.uniform(0.4, 1.0))
                gap = np.zeros(int(rng.integers(RATE // 10, RATE)), dtype=np.float32)
                parts += [clip, gap]
                total += len(clip) + len(gap)
            block = np.concatenate(parts)[:count]
        elif kind == "silence":
            block = np.zeros(count, dtype=np.float32)
        elif kind == "tone":
            t = np.arange(count) / RATE
            freqs = rng.uniform(110, 2000, size=int(rng.integers(1, 4)))
            block = sum(np.sin(2 * np.pi * f * t) for f in freqs) * (0.3 / len(freqs))
        else:
            block = rng.standard_normal(count) * float(rng.uniform(0.02, 0.3))
        remaining -= count
        if podcast:
            block = block + floor.standard_normal(count) * 0.003
        yield np.asarray(block, dtype=np.float32)


def _encode_mp3(path: Path, seconds: float, seed: int, podcast: bool) -> None:
    """LAME VBR through sox (PyAV's libmp3lame ignores the VBR quality: everything came out at 32 kbps),
    then the Xing/LAME header frame is cut off so the length must be counted or sampled."""
    raw = path.with_suffix(".lame.mp3")
    command = ["sox", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-"]
    with subprocess.Popen([*command, "-C", f"-{LAME_Q}.2", str(raw)], stdin=subprocess.PIPE) as sox:
        assert sox.stdin is not None
        for block in _blocks(seconds, seed, podcast):
            sox.stdin.write((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
        sox.stdin.close()
    if sox.returncode:
        raise RuntimeError(f"sox failed with {sox.returncode}")
    data = raw.read_bytes()
    raw.unlink()
    start = id3v2_end(data)
    first = mpeg_frame_at(data, start)
    assert first is not None
    head = data[start : start + first.length]
    skip = first.length if b"Xing" in head or b"Info" in head else 0
    path.write_bytes(data[start + skip :])


def _encode(path: Path, fmt: str, seconds: float, seed: int, podcast: bool = False) -> None:
    if fmt == "mp3":
        _encode_mp3(path, seconds, seed, podcast)
        return
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("aac", rate=RATE, layout="mono")
        stream.codec_context.bit_rate = AAC_BIT_RATE
        pts = 0
        for block in _blocks(seconds, seed, podcast):
            for offset in range(0, len(block), RATE * 10):
                piece = block[offset : offset + RATE * 10]
                frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
                frame.sample_rate, frame.pts = RATE, pts
                pts += len(piece)
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def decoded_seconds(path: Path) -> float:
    """The decoded length of ``path`` (FFmpeg's decoder, via PyAV), cached by name, size and mtime."""
    cache = path.parent / "varied-truth.json"
    known = json.loads(cache.read_text()) if cache.exists() else {}
    key = f"{path.name}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
    if key not in known:
        samples, rate = 0, 1
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                samples, rate = samples + frame.samples, frame.sample_rate
        known[key] = samples / rate
        cache.write_text(json.dumps(known, indent=1))
    return float(known[key])


def build(data: Path) -> dict[str, tuple[Path, Path]]:
    """{row: (1-minute file, 2-hour file)} of varied content, encoded once into ``data``."""
    rows = {}
    kinds = [("mp3", "mp3 VBR varied", False), ("adts", "aac varied", False)]
    kinds += [("mp3", "mp3 VBR podcast", True), ("adts", "aac podcast", True)]
    for fmt, name, podcast in kinds:
        suffix = "mp3" if fmt == "mp3" else "aac"
        files = []
        for label, seconds in (("1m", 60.0), ("2h", 7200.0)):
            path = data / f"{label}-{'podcast' if podcast else 'varied'}.{suffix}"
            if not path.exists():
                tmp = path.with_suffix(".tmp." + suffix)
                _encode(tmp, fmt, seconds, seed=11, podcast=podcast)
                tmp.rename(path)
            files.append(path)
        rows[name] = (files[0], files[1])
    gap = data / "2h-podcast-gap.aac"
    if not gap.exists():
        _with_silence_gap(rows["aac podcast"][1], gap)
    rows["aac podcast+gap"] = (rows["aac podcast"][0], gap)
    return rows


def _with_silence_gap(source: Path, target: Path) -> None:
    """``source`` with 60 s of digital silence (AAC frames of ~9 bytes) spliced in at a frame boundary in
    the middle: a minute of audio in 28 KB, which 128 sampling windows will most likely all miss."""
    silence = target.with_suffix(".silence.aac")
    with av.open(str(silence), "w", format="adts") as out:
        stream = out.add_stream("aac", rate=RATE, layout="mono")
        stream.codec_context.bit_rate = AAC_BIT_RATE
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 60 * RATE), dtype=np.float32), format="flt", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    data, pos = source.read_bytes(), 0
    while pos + ((data[pos + 3] & 3) << 11 | data[pos + 4] << 3 | data[pos + 5] >> 5) < len(data) // 2:
        pos += (data[pos + 3] & 3) << 11 | data[pos + 4] << 3 | data[pos + 5] >> 5
    target.write_bytes(data[:pos] + silence.read_bytes() + data[pos:])
    silence.unlink()
