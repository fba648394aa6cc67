import numpy as np
import pytest

from gemini_audio_tools.audio._sampling import (
    MAX_RELATIVE_ERROR,
    Windows,
    adts_format,
    estimate_samples,
    mpeg_format,
    payload_end,
    sample_windows,
)


def frames_with_headers(lengths: np.ndarray, headers: np.ndarray) -> bytes:
    """Frames of the given lengths, each starting with its row of ``headers`` and zeroed after it."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    out = np.zeros(int(np.sum(lengths)), dtype=np.uint8)
    for column in range(headers.shape[1]):
        out[starts + column] = headers[:, column]
    return out.tobytes()


def adts_stream(lengths: list[int]) -> bytes:
    """ADTS frames (AAC LC, 44.1 kHz, mono, one raw block) of the given sizes with zeroed payloads."""
    n = np.asarray(lengths, dtype=np.int64)
    one = np.ones_like(n)
    columns = [0xFF * one, 0xF1 * one, 0x50 * one, 0x40 | (n >> 11), (n >> 3) & 0xFF, ((n & 7) << 5) | 0x1F]
    return frames_with_headers(n, np.stack([*columns, 0xFC * one], axis=1))


def mpeg_stream(frames: int, bitrate_index: int = 9, padding: bool = True) -> bytes:
    """MPEG-1 layer III frames at 44.1 kHz mono and one bit rate (index 9 = 128 kbps); ``padding`` pads
    frames the way encoders do, so the mean size is exactly 144 x bit rate / rate."""
    bitrate = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[bitrate_index] * 1000
    exact = 144 * bitrate / 44100
    index = np.arange(frames)
    pad = np.floor((index + 1) * exact) - np.floor(index * exact) - int(exact) if padding else 0 * index
    pad = pad.astype(np.int64)
    one = np.ones_like(index)
    headers = np.stack([0xFF * one, 0xFB * one, (bitrate_index << 4) | (pad << 1), 0xC0 * one], axis=1)
    return frames_with_headers(int(exact) + pad, headers)


def sampled(
    data: bytes, adts: bool, cbr_rate: int | None = None, seed: int | None = None
) -> tuple[int, float, bool]:
    fmt = adts_format(data[:7]) if adts else mpeg_format(data[:4])
    end = payload_end(data, len(data))
    windows = sample_windows(fmt, lambda at, count: data[at : at + count], 0, end, seed=seed)
    assert windows is not None
    estimate = estimate_samples(windows, end, cbr_rate)
    return estimate.samples, estimate.relative_error, estimate.exact


def varied_lengths(seed: int, blocks: int, silence: bool = False) -> list[int]:
    """Blocks of 20-2000 frames whose mean size jumps between 150 and 700 bytes, each frame +-25%;
    with ``silence``, some blocks are digital silence (9-byte frames)."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(blocks):
        count = int(rng.integers(20, 2000))
        if silence and rng.random() < 0.2:
            parts.append(np.full(count, 9))
            continue
        mean = rng.uniform(150, 700)
        parts.append(np.clip(rng.normal(mean, mean / 4, count), 16, 8000).astype(np.int64))
    return list(np.concatenate(parts))


def test_cbr_mpeg_stream_is_sized_exactly_from_its_bit_rate() -> None:
    data = mpeg_stream(30_000)
    samples, error, exact = sampled(data, adts=False, cbr_rate=44100)
    assert exact and error == 0.0
    assert samples == 30_000 * 1152


def test_cbr_without_padding_is_not_mistaken_for_exact_arithmetic() -> None:
    data = mpeg_stream(30_000, padding=False)  # mean frame 417 bytes, not the 417.96 CBR implies
    samples, _, exact = sampled(data, adts=False, cbr_rate=44100)
    assert not exact
    assert samples == pytest.approx(30_000 * 1152, rel=0.001)


@pytest.mark.parametrize("seed", range(3))
def test_varied_frame_sizes_are_estimated_within_half_a_percent_when_the_error_bar_allows(seed: int) -> None:
    lengths = varied_lengths(seed, blocks=400)
    truth = 1024 * len(lengths)
    samples, error, exact = sampled(adts_stream(lengths), adts=True)
    assert not exact
    assert abs(samples / truth - 1) < 4 * error  # the error bar is honest
    if error <= MAX_RELATIVE_ERROR:
        assert abs(samples / truth - 1) < 0.005


def test_steady_frame_sizes_are_accepted_and_within_half_a_percent() -> None:
    rng = np.random.default_rng(5)
    lengths = [int(x) for x in rng.normal(300, 15, 200_000)]
    samples, error, _ = sampled(adts_stream(lengths), adts=True)
    assert error <= MAX_RELATIVE_ERROR
    assert samples == pytest.approx(1024 * len(lengths), rel=0.005)


def test_seconds_per_byte_is_averaged_not_the_frame_size_which_would_overweight_loud_parts() -> None:
    lengths = ([150] * 40 + [600] * 40) * 2000  # half the time quiet, but a fifth of the bytes
    data = adts_stream(lengths)
    estimates = [sampled(data, adts=True, seed=seed)[0] for seed in range(12)]
    assert np.mean(estimates) == pytest.approx(1024 * len(lengths), rel=0.02)  # unbiased
    naive = len(data) / np.mean([150] * 1 + [600] * 4) * 1024  # windows land in loud parts 4x as often
    assert abs(naive / (1024 * len(lengths)) - 1) > 0.2


def test_digital_silence_within_a_window_makes_the_error_bar_infinite() -> None:
    lengths = ([9] * 3 + [300] * 30) * 20_000  # 9-byte frames: digital silence in FFmpeg's AAC
    _, error, _ = sampled(adts_stream(lengths), adts=True)
    assert error == float("inf")


def test_long_digital_silences_between_sound_leave_the_estimate_rejected() -> None:
    lengths = varied_lengths(1, blocks=400, silence=True)
    samples, error, _ = sampled(adts_stream(lengths), adts=True)
    assert error > MAX_RELATIVE_ERROR
    assert abs(samples / (1024 * len(lengths)) - 1) > 0.005  # rightly: it is off


def test_windows_resync_past_junk_that_looks_like_a_sync_word() -> None:
    rng = np.random.default_rng(2)
    lengths = [int(x) for x in rng.normal(300, 30, 40_000)]
    clean = adts_stream(lengths)
    junk = bytearray(clean)
    for at in range(1000, len(junk) - 100, 50_000):  # stray 0xFF 0xF1 bytes inside frame payloads
        if junk[at] != 0xFF:
            junk[at : at + 2] = b"\xff\xf1"
    samples, _, _ = sampled(bytes(junk), adts=True)
    assert samples == pytest.approx(1024 * len(lengths), rel=0.01)


def test_estimating_from_no_frames_raises() -> None:
    empty = Windows.of([])
    with pytest.raises(ValueError, match="no frames"):
        estimate_samples(empty, 1000)


def test_windows_of_known_frames_give_the_stratified_estimate() -> None:
    windows = Windows.of([[(100, 1024, 0)] * 4, [(400, 1024, 0)] * 4])  # 4 frames fill each window
    estimate = estimate_samples(windows, 1000)
    assert estimate.samples == round(1000 * (1024 / 100 + 1024 / 400) / 2)
    assert not estimate.exact


def test_payload_ends_before_id3v1_and_ape_tags() -> None:
    frames = adts_stream([300] * 10)
    ape_footer = b"APETAGEX" + (2000).to_bytes(4, "little") + (32 + 16).to_bytes(4, "little")
    ape_footer += (0).to_bytes(4, "little") + (0x80000000).to_bytes(4, "little") + bytes(8)
    ape = b"APETAGEX" + bytes(24) + bytes(16) + ape_footer
    tagged = frames + ape + b"TAG" + bytes(125)
    assert payload_end(tagged, len(tagged)) == len(frames)
    assert payload_end(frames, len(frames)) == len(frames)
