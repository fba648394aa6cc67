"""espeak-ng recordings for the transcription tests: one voice saying a line, or a dialogue of turns.

Cached under tests/.fixtures like every generated fixture (the file name carries a hash of the inputs).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gemini_audio_tools.audio.decode import decode_pcm
from tests.fixtures.audio import _cached, _key, _need_tool, write_audio

SAMPLE_RATE = 16_000
TURN_PAUSE_SECONDS = 0.6
MALE, FEMALE = "en+m3", "en+f3"

DIALOGUE = (
    "Good morning, how are you today?",
    "I am fine, thank you. The report is ready.",
    "Great. Did you send it to Anna?",
    "Yes, I sent it yesterday before lunch.",
    "Then we can close the project on Friday.",
    "I agree, let us meet again next week.",
)


@dataclass(frozen=True)
class Dialogue:
    path: Path
    turns: tuple[tuple[float, float, int], ...]
    """(start, end, speaker index) of every turn, seconds."""

    def speaker_at(self, seconds: float) -> int:
        return min(self.turns, key=lambda t: max(t[0] - seconds, seconds - t[1], 0.0))[2]


def spoken(text: str, voice: str = "en", speed: int = 130) -> Path:
    """A WAV of espeak-ng saying ``text`` in ``voice`` (word gap 3, as the other speech fixtures)."""
    _need_tool("espeak-ng")

    def build(out: Path) -> None:
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-g", "3", "-w", str(out), text], check=True
        )

    return _cached(f"voice-{_key('voice', text, voice, speed)}.wav", build)


def dialogue(
    voices: tuple[str, ...] = (MALE, FEMALE), lines: tuple[str, ...] = DIALOGUE, fmt: str = "wav"
) -> Dialogue:
    """``lines`` said in turn by ``voices`` (cycling), 0.6 s of silence between turns, 16 kHz mono."""
    pieces = [decode_pcm(spoken(line, voices[i % len(voices)], 150)) for i, line in enumerate(lines)]
    turns, at = [], 0.0
    for i, piece in enumerate(pieces):
        turns.append((at, at + len(piece) / SAMPLE_RATE, voices.index(voices[i % len(voices)])))
        at += len(piece) / SAMPLE_RATE + TURN_PAUSE_SECONDS
    pause = np.zeros(int(TURN_PAUSE_SECONDS * SAMPLE_RATE), dtype=np.float32)
    pcm = np.concatenate([part for piece in pieces for part in (piece, pause)])
    path = _cached(
        f"dialogue-{_key('dialogue', voices, lines)}.{fmt}",
        lambda out: write_audio(out, fmt, pcm[None, :], SAMPLE_RATE),
    )
    return Dialogue(path, tuple(turns))
