"""Bench data: real voices from the MIT-licensed ``moonshine-voice`` wheel, in the formats people send.

The wheel is fetched once with ``pip download --no-deps moonshine-voice`` into ``bench/.data/wheels``
(gitignored; nothing is vendored) and three of its speech assets are read straight out of it: ``beckett``
(one reader), ``endgame_nagg_nell`` (a two-voice scene) and ``two_cities`` (a long read), 83 s in all. Each
becomes a master, a 44.1 kHz stereo 16-bit WAV as a recorder writes it, and every other input is made from
that master by PyAV's own encoders, at the settings a phone, a podcast or a browser would use. (They stay
three recordings: joined into one, the emulator's Whisper tiny.en loses a 10-second stretch to a "yes yes
yes ..." repetition loop, whatever format it hears, which would measure the recognizer, not the wire.)
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from gemini_audio_tools.audio.decode import decode_pcm

WHEEL_DIR = Path(__file__).resolve().parent / ".data" / "wheels"
VOICES = ("beckett", "endgame_nagg_nell", "two_cities")
MASTER_RATE = 44_100

Stereo = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Variant:
    """One input format: FFmpeg's muxer and audio encoder, its rate and bit rate, and a video track."""

    label: str
    suffix: str
    muxer: str
    encoder: str
    rate: int
    bit_rate: int | None = None
    video: bool = False


VARIANTS = (
    Variant("WAV 44.1 kHz stereo", "wav", "wav", "pcm_s16le", MASTER_RATE),
    Variant("FLAC 44.1 kHz stereo", "flac", "flac", "flac", MASTER_RATE),
    Variant("MP3 128 kbps", "mp3", "mp3", "libmp3lame", MASTER_RATE, 128_000),
    Variant("M4A AAC 128 kbps", "m4a", "ipod", "aac", MASTER_RATE, 128_000),
    Variant("Opus 64 kbps (Ogg)", "opus", "ogg", "libopus", 48_000, 64_000),
    Variant("MP4 video, AAC 128 kbps", "mp4", "mp4", "aac", MASTER_RATE, 128_000, video=True),
)
"""The inputs measured; the first is the master every other one is encoded from."""


def wheel() -> Path:
    """The ``moonshine-voice`` wheel, downloaded once (pip, no dependencies, into ``bench/.data``).

    Raises:
        SystemExit: pip could not fetch it (no network to the package index).
    """
    found = sorted(WHEEL_DIR.glob("moonshine_voice-*.whl"))
    if not found:
        WHEEL_DIR.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet"]
        command += ["--timeout", "20", "--retries", "1", "moonshine-voice", "-d", str(WHEEL_DIR)]
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        found = sorted(WHEEL_DIR.glob("moonshine_voice-*.whl"))
        if done.returncode != 0 or not found:
            said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            sys.exit(
                "Could not download the moonshine-voice wheel (the bench's real voices) with `pip download "
                f"--no-deps moonshine-voice`: {said[0]}\nIs the package index reachable? Or put the wheel "
                f"in {WHEEL_DIR} yourself."
            )
    return found[-1]


def master_pcm(work: Path, voice: str) -> Stereo:
    """``voice`` as (2, samples) float32 at 44.1 kHz (the right channel a little quieter, as two
    microphones hear one speaker)."""
    source = work / f"{voice}-asset.wav"
    with zipfile.ZipFile(wheel()) as archive:
        source.write_bytes(archive.read(f"moonshine_voice/assets/{voice}.wav"))
    mono = decode_pcm(source, MASTER_RATE)
    source.unlink()
    return np.stack([mono, mono * 0.9]).astype(np.float32)


def write(path: Path, variant: Variant, pcm: Stereo) -> Path:
    """``pcm`` (44.1 kHz stereo) encoded as ``variant`` (resampled by FFmpeg when its rate differs)."""
    with av.open(str(path), "w", format=variant.muxer) as out:
        picture = _video_stream(out) if variant.video else None
        stream = out.add_stream(variant.encoder, rate=variant.rate, layout="stereo")
        if variant.bit_rate:
            stream.bit_rate = variant.bit_rate
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = MASTER_RATE, 0
        resampler = av.AudioResampler(format=stream.format, layout="stereo", rate=variant.rate)
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(piece):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if picture is not None:
            _write_video(out, picture, pcm.shape[1] / MASTER_RATE)
    return path


def _video_stream(out: av.container.OutputContainer) -> av.VideoStream:
    stream = out.add_stream("mpeg4", rate=10)
    stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
    stream.bit_rate = 200_000
    return stream


def _write_video(out: av.container.OutputContainer, stream: av.VideoStream, seconds: float) -> None:
    """A slowly changing picture for the recording's length (a screen recording's worth of video)."""
    for index in range(round(seconds * 10)):
        image = np.full((120, 160, 3), (index * 3) % 256, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = index
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def build_inputs(work: Path) -> dict[Variant, list[Path]]:
    """Every variant of every voice, written under ``work``: ``{variant: [one file per voice]}``, the master
    WAVs first."""
    made: dict[Variant, list[Path]] = {v: [] for v in VARIANTS}
    for voice in VOICES:
        pcm = master_pcm(work, voice)
        for variant in VARIANTS:
            made[variant].append(write(work / f"{voice}.{variant.suffix}", variant, pcm))
    return made
