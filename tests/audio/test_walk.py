import mmap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_audio_tools.audio import _walk
from gemini_audio_tools.audio._mpeg import (
    FrameScan,
    adts_framing,
    id3v2_end,
    mpeg_frame_at,
    mpeg_framing,
    payload_end,
    scan_adts,
    scan_mpeg,
)
from gemini_audio_tools.audio._walk import Framing, Walk, walk_frames
from tests.fixtures.audio import MakeAudio, without_xing_frame

STRETCH = 65536
Scan = Callable[[mmap.mmap, int, int], FrameScan]


@contextmanager
def mapped(path: Path) -> Iterator[mmap.mmap]:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield data


def one_hop_at_a_time(path: Path, scan: Scan, monkeypatch: pytest.MonkeyPatch) -> Walk:
    """The reference: the frame-by-frame walk (the stretch walk switched off)."""
    monkeypatch.setattr(_walk, "WALK_ABOVE_BYTES", 1 << 62)
    with mapped(path) as data:
        start = id3v2_end(data)
        run = scan(data, start, len(data))
    monkeypatch.undo()
    assert not run.truncated and run.end == payload_end_of(path)
    return Walk(run.frames, run.samples)


def payload_end_of(path: Path) -> int:
    with mapped(path) as data:
        return payload_end(data, len(data))


def walk(path: Path, framing: Callable[[bytes], Framing], stretch: int) -> Walk | None:
    with mapped(path) as data:
        start = id3v2_end(data)
        old = _walk.STRETCH_BYTES, _walk.WALK_ABOVE_BYTES
        _walk.STRETCH_BYTES, _walk.WALK_ABOVE_BYTES = stretch, 0
        try:
            return walk_frames(
                data, start, payload_end(data, len(data)), framing(bytes(data[start : start + 4]))
            )
        finally:
            _walk.STRETCH_BYTES, _walk.WALK_ABOVE_BYTES = old


@pytest.fixture
def tone_and_silence_aac(make_audio: MakeAudio, tmp_path: Path) -> Path:
    """AAC whose digital silence is coded in ~9-byte frames: stretches there take ~40x more hops."""
    tone, silence = make_audio("aac", 8.0, rate=44100), make_audio("aac", 8.0, rate=44100, kind="silence")
    joined = tmp_path / "tone-silence.aac"
    joined.write_bytes((tone.read_bytes() + silence.read_bytes()) * 2 + tone.read_bytes())
    return joined


@pytest.fixture
def cbr_mp3_no_xing(make_audio: MakeAudio, tmp_path: Path) -> Path:
    return without_xing_frame(make_audio("mp3", 20.0, rate=44100), tmp_path / "cbr-noxing.mp3")


@pytest.mark.parametrize("stretch", [1024, 3000, 4096, 65536])
def test_the_stretch_walk_counts_exactly_the_frames_of_the_frame_by_frame_walk(
    stretch: int,
    tone_and_silence_aac: Path,
    cbr_mp3_no_xing: Path,
    vbr_mp3_without_xing: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases: list[tuple[Path, Callable[[bytes], Framing], Scan]] = [
        (tone_and_silence_aac, adts_framing, scan_adts),
        (cbr_mp3_no_xing, mpeg_framing, scan_mpeg),
        (vbr_mp3_without_xing, mpeg_framing, scan_mpeg),
    ]
    for path, framing, scan in cases:
        assert walk(path, framing, stretch) == one_hop_at_a_time(path, scan, monkeypatch), path.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stretch=st.integers(min_value=600, max_value=40_000))
def test_any_stretch_size_gives_the_same_count(
    stretch: int, tone_and_silence_aac: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert walk(tone_and_silence_aac, adts_framing, stretch) == one_hop_at_a_time(
        tone_and_silence_aac, scan_adts, monkeypatch
    )


def test_junk_between_frames_is_left_to_the_frame_by_frame_walk(
    tone_and_silence_aac: Path, tmp_path: Path
) -> None:
    data = tone_and_silence_aac.read_bytes()
    glitched = tmp_path / "glitch.aac"
    glitched.write_bytes(data[: len(data) // 2] + b"\x00" * 37 + data[len(data) // 2 :])
    assert walk(glitched, adts_framing, 4096) is None


def test_a_last_frame_cut_short_is_left_to_the_frame_by_frame_walk(
    cbr_mp3_no_xing: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(cbr_mp3_no_xing.read_bytes()[:-100])
    assert walk(cut, mpeg_framing, 4096) is None


def test_a_stretch_that_does_not_land_on_the_next_ones_first_frame_is_not_counted(
    tone_and_silence_aac: Path,
) -> None:
    with mapped(tone_and_silence_aac) as data:
        framing = adts_framing(bytes(data[:4]))
        words = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, offset=0, strides=(1,))
        try:
            end = len(data)
            count = _walk._count_stretches
            assert count(data, words, [(0, end)], framing, 4096) is not None
            assert count(data, words, [(0, end - 1)], framing, 4096) is None  # not a frame boundary
            assert count(data, words, [(0, end - 1)], framing, 512) is None  # in Python, too
        finally:
            del words


def test_small_payloads_are_left_to_the_frame_by_frame_walk(tone_and_silence_aac: Path) -> None:
    with mapped(tone_and_silence_aac) as data:
        assert walk_frames(data, 0, len(data), adts_framing(bytes(data[:4]))) is None  # under 2 MiB


def test_the_vbr_fixture_really_varies_its_bit_rate(vbr_mp3_without_xing: Path) -> None:
    data = vbr_mp3_without_xing.read_bytes()
    rates, pos = set(), 0
    while (frame := mpeg_frame_at(data, pos)) is not None:
        rates.add(frame.bitrate)
        pos += frame.length
    assert len(rates) >= 4, rates


def test_frames_followed_by_a_gigabyte_of_zeros_are_measured_without_searching_the_zeros(
    tone_and_silence_aac: Path, tmp_path: Path
) -> None:
    from gemini_audio_tools.audio.probe import probe_audio

    padded = tmp_path / "preallocated.aac"  # e.g. a download that stopped inside a preallocated file
    with padded.open("wb") as out:
        out.write(tone_and_silence_aac.read_bytes())
        out.truncate(2**30)  # sparse: no disk used
    assert walk(padded, adts_framing, STRETCH) is None
    assert probe_audio(padded).duration_seconds == probe_audio(tone_and_silence_aac).duration_seconds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["aac", "mp3"]),
    where=st.floats(min_value=0.0, max_value=1.0),
    damage=st.sampled_from(["flip", "insert", "delete", "zeros"]),
    size=st.integers(min_value=1, max_value=3000),
    stretch=st.sampled_from([1024, 2500, 4096]),
)
def test_a_damaged_stream_is_counted_as_the_frame_by_frame_walk_counts_it_or_handed_to_it(
    which: str,
    where: float,
    damage: str,
    size: int,
    stretch: int,
    tone_and_silence_aac: Path,
    vbr_mp3_without_xing: Path,
    tmp_path: Path,
) -> None:
    source, framing, scan = (
        (tone_and_silence_aac, adts_framing, scan_adts)
        if which == "aac"
        else (vbr_mp3_without_xing, mpeg_framing, scan_mpeg)
    )
    data = bytearray(source.read_bytes())
    at = 8 + int(where * (len(data) - 16))  # the first frame stays: walks start at a true frame
    if damage == "flip":
        data[at] ^= 0x5A
    elif damage == "insert":
        data[at:at] = bytes((at * 7 + i) % 251 for i in range(size))
    elif damage == "delete":
        del data[at : at + size]
    else:
        data[at : at + size] = bytes(min(size, len(data) - at))
    damaged = tmp_path / f"damaged.{which}"
    damaged.write_bytes(bytes(data))
    counted = walk(damaged, framing, stretch)
    if counted is None:
        return
    old = _walk.WALK_ABOVE_BYTES
    _walk.WALK_ABOVE_BYTES = 1 << 62
    try:
        with mapped(damaged) as view:
            run = scan(view, id3v2_end(view), len(view))
            end = payload_end(view, len(view))
    finally:
        _walk.WALK_ABOVE_BYTES = old
    assert not run.truncated and run.end == end
    assert counted == Walk(run.frames, run.samples)


def test_tags_after_the_last_frame_end_the_walk_where_the_frames_end(
    vbr_mp3_without_xing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ape_items = b"\x05\x00\x00\x00\x00\x00\x00\x00Title\x00hello"
    ape_footer = b"APETAGEX" + (2000).to_bytes(4, "little") + (len(ape_items) + 32).to_bytes(4, "little")
    ape_footer += (1).to_bytes(4, "little") + b"\x00" * 4 + b"\x00" * 8
    id3v1 = b"TAG" + b"a title".ljust(125, b"\x00")
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(vbr_mp3_without_xing.read_bytes() + ape_items + ape_footer + id3v1)
    assert payload_end_of(tagged) == vbr_mp3_without_xing.stat().st_size
    counted = walk(tagged, mpeg_framing, 4096)
    assert counted is not None and counted == one_hop_at_a_time(vbr_mp3_without_xing, scan_mpeg, monkeypatch)
