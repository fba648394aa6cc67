"""Long-ish MP3 and ADTS files for the seek-table tests (tests/audio/test_seek.py, test_decode.py), and a
private temporary directory for the tests that check temporary files are removed.

30 s each: a seek table needs the stretch walk, which normally takes files over 2 MiB only; the tests make
it take these (``seek_tables_for_small_files``) rather than encode minutes of audio on a shared machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from gemini_audio_tools.audio import _seek, _walk
from tests.fixtures.audio import MakeAudio, without_xing_frame, write_audio

RATE = 44_100
SECONDS = 30


def _speechlike(seconds: int, seed: int) -> npt.NDArray[np.float32]:
    """Noise bursts, a tone and gaps: MP3 frames of very different sizes, so the bit reservoir is used."""
    t = np.arange(seconds * RATE) / RATE
    rng = np.random.default_rng(seed)
    bursts = 0.4 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * 0.3 * t) > 0.2)
    tone = 0.3 * np.sin(2 * np.pi * 523.25 * t) * ((t % 7) > 3)
    return (bursts + tone).astype(np.float32)


def _vbr(out: Path, pcm: npt.NDArray[np.float32]) -> Path:
    with av.open(str(out), "w", format="mp3") as container:
        options = {"flags": "+qscale", "global_quality": str(4 * 118)}  # LAME -V 4
        stream = container.add_stream("libmp3lame", rate=RATE, layout="mono", options=options)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate, frame.pts = RATE, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return out


@pytest.fixture(scope="session")
def long_streams(make_audio: MakeAudio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """LAME MP3 (Info frame + LAME tag), CBR MP3 without Xing, VBR MP3 with and without its Xing/LAME
    frame, ADTS AAC of a tone and ADTS AAC with stretches of digital silence: 30 s each, 44.1 kHz mono."""
    where = tmp_path_factory.mktemp("long-streams")
    lame = where / "lame.mp3"
    write_audio(lame, "mp3", _speechlike(SECONDS, 1).reshape(1, -1), RATE)
    vbr = _vbr(where / "vbr-xing.mp3", _speechlike(SECONDS, 2))
    tone = make_audio("aac", 8.0, rate=RATE)
    silence = make_audio("aac", 7.0, rate=RATE, kind="silence")
    mixed = where / "tone-silence.aac"
    mixed.write_bytes((tone.read_bytes() + silence.read_bytes()) * 2)
    return {
        "lame-mp3": lame,
        "cbr-mp3-no-xing": without_xing_frame(lame, where / "cbr-noxing.mp3"),
        "vbr-mp3-xing": vbr,
        "vbr-mp3-no-xing": without_xing_frame(vbr, where / "vbr-noxing.mp3"),
        "aac-tone": make_audio("aac", float(SECONDS), rate=RATE),
        "aac-silence": mixed,
    }


@pytest.fixture
def seek_tables_for_small_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Walk (and so give a seek table to) files of any size, in 4 KB stretches (~0.25 s of 128 kbps)."""
    monkeypatch.setattr(_walk, "WALK_ABOVE_BYTES", 0)
    monkeypatch.setattr(_walk, "STRETCH_BYTES", 4096)
    _seek._table.cache_clear()
    yield
    _seek._table.cache_clear()
