from __future__ import annotations

import shutil
import struct
import time
from pathlib import Path

import av
import pytest

from gemini_audio_tools.audio._open import FileChangedError, file_key, open_audio, open_view, riff_end
from gemini_audio_tools.audio.decode import decode_pcm
from tests.audio._clips import clip_range
from tests.fixtures.audio import MakeAudio


def test_riff_end_is_read_from_the_header_and_unknown_sizes_give_none() -> None:
    assert riff_end(b"RIFF" + struct.pack("<I", 100) + b"WAVE") == 108
    assert riff_end(b"RIFF" + struct.pack("<I", 101) + b"WAVE") == 110  # chunks are padded to even sizes
    assert riff_end(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE") is None
    assert riff_end(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE") is None
    assert riff_end(b"fLaC\x00\x00\x00\x22") is None


@pytest.fixture
def wav_with_sparse_tail(make_audio: MakeAudio, tmp_path: Path) -> Path:
    target = tmp_path / "tail.wav"
    shutil.copy(make_audio("wav", 2.0), target)
    with target.open("r+b") as handle:
        handle.truncate(target.stat().st_size + 8 * 1024**3)  # 8 GiB of zeros, sparse on disk
    return target


def test_a_wav_followed_by_gigabytes_of_zeros_opens_decodes_and_clips_quickly(
    wav_with_sparse_tail: Path,
) -> None:
    began = time.monotonic()
    with open_audio(wav_with_sparse_tail) as container:
        assert container.streams.audio[0].sample_rate == 16000
    pcm = decode_pcm(wav_with_sparse_tail, start=0.5, end=1.5)
    with clip_range(wav_with_sparse_tail, 0.0, 1.0) as clip:
        assert clip.duration_seconds == pytest.approx(1.0, abs=1e-3)
    assert len(pcm) == 16000
    assert len(decode_pcm(wav_with_sparse_tail, start=1.5)) == 8000  # seeks, and stops at the RIFF end
    assert time.monotonic() - began < 5  # a hang guard: unbounded, FFmpeg scans the zeros for minutes


def test_an_ordinary_wav_decodes_to_the_same_samples_through_either_path(make_audio: MakeAudio) -> None:
    path = make_audio("wav", 1.0)
    assert len(decode_pcm(path)) == 16000


def test_a_view_from_a_frame_boundary_demuxes_from_there_timed_from_zero_and_refuses_another_version(
    make_audio: MakeAudio, tmp_path: Path
) -> None:
    path = tmp_path / "tone.aac"
    shutil.copy(make_audio("aac", 3.0), path)
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(audio=0) if p.size]
    offset = packets[10][0]
    key = file_key(path.stat())
    with open_view(path, offset, "aac", key) as view:
        seen = [(p.pos, p.pts, p.size) for p in view.demux(audio=0) if p.size]
    assert [(pos + offset, size) for pos, _, size in seen] == packets[10:]
    assert seen[0][1] == 0
    with pytest.raises(FileChangedError), open_view(path, offset, "aac", (key[0] + 1, *key[1:])):
        pass
    with pytest.raises(FileChangedError), open_view(path, offset + 3, "aac", key):
        pass  # same version, but no frame starts there: the table is not this file's
