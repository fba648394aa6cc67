from pathlib import Path

import pytest

from gemini_audio_tools.audio._mpeg import parse_mpeg_header
from gemini_audio_tools.audio.sniff import UNKNOWN, sniff_bytes, sniff_file
from gemini_audio_tools.errors import AudioFileNotFoundError, CorruptAudioError, UnsupportedAudioError


def test_every_accepted_format_is_recognised_by_content(audio_files: dict[str, Path]) -> None:
    assert {fmt: sniff_file(path) for fmt, path in audio_files.items()} == {fmt: fmt for fmt in audio_files}


def test_sniffing_bytes_agrees_with_sniffing_the_file(audio_files: dict[str, Path]) -> None:
    for fmt, path in audio_files.items():
        data = path.read_bytes()
        assert sniff_bytes(data[:8192], len(data)) == fmt


def test_a_misleading_extension_does_not_matter(misleading_extension_file: Path) -> None:
    assert misleading_extension_file.suffix == ".wav"
    assert sniff_file(misleading_extension_file) == "mp3"


def test_an_extension_free_copy_is_still_recognised(audio_files: dict[str, Path], tmp_path: Path) -> None:
    for fmt, path in audio_files.items():
        copy = tmp_path / f"upload-{fmt}"
        copy.write_bytes(path.read_bytes())
        assert sniff_file(copy) == fmt


def test_an_empty_file_is_corrupt_and_says_it_is_empty(empty_file: Path) -> None:
    with pytest.raises(CorruptAudioError, match=r"empty \(0 bytes\)"):
        sniff_file(empty_file)


def test_a_text_file_named_mp3_is_refused_as_text_with_its_name_and_size(text_as_mp3: Path) -> None:
    with pytest.raises(UnsupportedAudioError, match=r"is a plain text file, not audio") as caught:
        sniff_file(text_as_mp3)
    size = text_as_mp3.stat().st_size
    assert f"'notes.mp3' ({size} bytes)" in str(caught.value)
    assert "pass the path of a recording" in str(caught.value)


def _ftyp(brand: bytes, extra: bytes = b"") -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00isomiso2" + extra


SECRET = "sk-test-9f2c4e7a1b3d5f60"
KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (f"GEMINI_API_KEY={SECRET}\nOTHER=1\n", "a plain text file"),
        (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n", "a PEM text file"),
        (f'{{"api_key": "{SECRET}"}}', "a JSON text file"),
        (f"<html><body>{SECRET}</body></html>", "an HTML page"),
        (f"\ufeff{SECRET} in a file with a byte-order mark", "a plain text file"),
        (f"WEBVTT\n\n00:00.000 --> 00:01.000\n{SECRET}\n", "a WebVTT subtitle text file"),
        (f"1\n00:00:01,000 --> 00:00:02,500\n{SECRET}\n", "an SRT subtitle text file"),
    ],
)
def test_a_refused_text_file_is_named_by_kind_and_none_of_its_text_is_quoted(
    tmp_path: Path, content: str, kind: str
) -> None:
    path = tmp_path / "secrets.mp3"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnsupportedAudioError) as caught:
        sniff_file(path)
    message = str(caught.value)
    assert f"is {kind}" in message and "not audio" in message
    for word in (SECRET, SECRET[8:], KEY_BODY[:12], "GEMINI_API_KEY", "api_key", "OTHER", "byte-order"):
        assert word not in message


@pytest.mark.parametrize("text", [b"MAC address list\nrouter 1\n", b".snd files to check\n", b"FLV notes\n"])
def test_text_that_starts_like_an_audio_format_is_still_text(text: bytes) -> None:
    with pytest.raises(UnsupportedAudioError, match="is a plain text file, not audio"):
        sniff_bytes(text * 20, len(text) * 20)


def test_utf16_text_is_named_without_quoting_it() -> None:
    data = "\ufeffpassword=hunter2-secret".encode("utf-16")
    with pytest.raises(UnsupportedAudioError, match="UTF-16 text file") as caught:
        sniff_bytes(data, len(data))
    assert (
        "hunter2" not in str(caught.value) and "hunter2".encode("utf-16-le") not in str(caught.value).encode()
    )


@pytest.mark.parametrize(
    "head",
    [
        b"RIFF\x00\x10\x00\x00QWZX" + b"\x00" * 40,  # unknown RIFF form type
        b"FORM\x00\x10\x00\x00QWZX" + b"\x00" * 60,  # unknown IFF form type
        b"\x30\x82\x04\xa4QWZX" + bytes(range(128, 256)) * 8,  # binary, e.g. a DER key
    ],
)
def test_binary_we_do_not_recognise_is_left_to_ffmpeg(head: bytes) -> None:
    assert sniff_bytes(head, len(head)) == UNKNOWN  # the probe refuses it, unquoted (test_container.py)


def test_a_file_of_zero_bytes_is_not_audio_and_says_so() -> None:
    with pytest.raises(UnsupportedAudioError, match="is not audio: it starts with nothing but zero bytes"):
        sniff_bytes(bytes(8192), 10 * 2**30)


def test_every_refusal_gives_the_file_size_in_readable_units(tmp_path: Path) -> None:
    document = tmp_path / "talk.mp4"
    document.write_bytes(b"%PDF-1.7\n" + b"\x00" * 2_500_000)
    with pytest.raises(UnsupportedAudioError, match=r"'talk.mp4' \(2\.5 MB\) is a PDF document"):
        sniff_file(document)


def test_video_and_other_containers_are_named_not_refused(mp4_video: Path) -> None:
    assert sniff_file(mp4_video) == "mp4"


def test_a_missing_path_and_a_directory_get_path_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="No file at"):
        sniff_file(tmp_path / "nope.mp3")
    with pytest.raises(AudioFileNotFoundError, match="is a directory"):
        sniff_file(tmp_path)


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG image"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP archive"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "MIDI file"),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 ", "WebP image"),
        (_ftyp(b"heic"), "HEIF/AVIF image"),
        (b'{"text": "hello", "words": [1, 2, 3]}', "JSON text file"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
    ],
)
def test_what_is_not_audio_is_refused_with_what_it_is(head: bytes, message: str) -> None:
    with pytest.raises(UnsupportedAudioError, match=message) as caught:
        sniff_bytes(head, len(head) + 100_000)
    assert "ffmpeg" not in str(caught.value).lower()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (_ftyp(b"M4A "), "m4a"),
        (_ftyp(b"isom"), "mp4"),
        (_ftyp(b"qt  "), "mov"),
        (_ftyp(b"3gp4"), "3gp"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", "matroska"),
        (b"RIFF\x00\x10\x00\x00AVI LIST", "avi"),
        (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x01", "opus"),
        (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x80theora\x03\x02", "ogv"),
        (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x33\x7fFLAC\x01\x00", "oga"),
        (b"#!AMR\n" + b"\x3c" * 40, "amr"),
        (b"#!AMR\n" + b"\x7c" * 400, "amr"),  # silence: one printable byte per frame
        (b"#!AMR-WB\n" + b"\x3c" * 40, "amr"),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9", "asf"),
        (b"caff\x00\x01\x00\x00desc", "caf"),
        (bytes(range(200, 256)) * 20, UNKNOWN),
    ],
)
def test_audio_and_video_containers_are_named_for_the_probe(head: bytes, kind: str) -> None:
    assert sniff_bytes(head, len(head) + 100_000) == kind


@pytest.mark.parametrize(
    "head",
    [b"RIFF\x24\x00\x00\x00WAV", b"fLaC\x00\x00\x00\x22\x10\x00", b"FORM\x00\x00", b"OggS\x00\x02\x00"],
)
def test_a_header_cut_short_is_corrupt_not_unsupported(head: bytes) -> None:
    with pytest.raises(CorruptAudioError, match="truncated"):
        sniff_bytes(head, len(head))


def test_mpeg_layer_2_is_told_apart_from_mp3() -> None:
    header = b"\xff\xfd\x84\x00"  # MPEG-1 Layer II, 128 kbit/s, 48 kHz
    parsed = parse_mpeg_header(*header)
    assert parsed is not None and parsed.layer == 2
    frame = header + b"\x00" * (parsed.length - 4)
    assert sniff_bytes(frame * 4, len(frame) * 4) == "mp2"


def test_an_id3_tag_longer_than_the_head_is_looked_past(audio_files: dict[str, Path], tmp_path: Path) -> None:
    tag_body = b"\x00" * 20_000  # e.g. embedded cover art
    size = len(tag_body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    tagged = tmp_path / "tagged.aac"
    tagged.write_bytes(b"ID3\x04\x00\x00" + syncsafe + tag_body + audio_files["aac"].read_bytes())
    assert sniff_file(tagged) == "aac"
