"""Tell what kind of file a file is from its content; the extension never matters.

Agents pass whatever they found: a voice memo (M4A), a browser recording (WebM), a video, a web page saved
as ``.mp3``. Audio (or a video with sound) in any container FFmpeg reads is recognised and named; what
surely is not audio (text, images, documents, archives, programs, MIDI notes) is refused here with a
message saying what the bytes are.

Decisions:
* The six formats the API accepts as is (:data:`~.formats.FORMATS`) are named by their short name, and
  :func:`~.probe.probe_audio` reads their headers itself. Every other recognised kind gets its own name
  (``"mp4"``, ``"webm"``, ``"opus"``, ``"amr"``, ...; see :mod:`.formats`) and is opened with FFmpeg.
* Binary data we do not recognise is ``"unknown"``, not refused: FFmpeg reads more formats than any list
  here, and refuses random bytes itself (the probe then says the file is not audio).
* An ID3v2 tag can hide what follows; we look past it (an ID3-tagged ADTS or FLAC file is still found).
* **No message quotes the file's bytes.** Through MCP or LangChain an error goes to a model, and a tool
  pointed at a ``.env`` or a private key inside an allowed directory must not leak its first line. A
  refusal names what the file is and its size, never its content (not even a hex dump or a RIFF form type
  we do not know).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CorruptAudioError, UnsupportedAudioError
from ..sizes import format_size
from ._files import open_regular_file
from ._mpeg import adts_frame_at, id3v2_end, mpeg_frame_at
from ._text import text_kind

HEAD_BYTES = 8192
"""How much of a file's start :func:`sniff_file` reads (past any ID3v2 tag): enough for three MP3 frames."""

UNKNOWN = "unknown"
"""What :func:`sniff_bytes` calls binary data it does not recognise (FFmpeg may still read it)."""

ADVICE = "pass the path of a recording (any audio file, or a video with sound)"
"""What a refusal of something that is not audio tells the caller to do instead."""


def sniff_bytes(head: bytes, size: int) -> str:
    """What a file whose first bytes are ``head`` and whose total length is ``size`` is: one of
    :data:`~.formats.FORMATS`, another kind's short name (``"mp4"``, ``"webm"``, ...) or :data:`UNKNOWN`.

    Give at least :data:`HEAD_BYTES` bytes (or the whole file); an ID3v2 tag longer than ``head`` is taken
    to introduce MP3, which is what ID3v2 tags nearly always do.

    Raises:
        CorruptAudioError: empty, or an audio header cut short.
        UnsupportedAudioError: surely not audio (text, an image, a document, ...); the message says what.
    """
    return _sniff(head, size, "The data")


def sniff_file(path: Path) -> str:
    """What the file at ``path`` is, by content (see :func:`sniff_bytes`).

    Raises:
        AudioFileNotFoundError: no regular file at ``path``.
        CorruptAudioError: empty, or an audio header cut short.
        UnsupportedAudioError: surely not audio (the message says what it is).
    """
    with open_regular_file(path) as (handle, size):
        head = handle.read(HEAD_BYTES)
        tag_end = id3v2_end(head)
        if len(head) - 4 < tag_end < size:
            handle.seek(tag_end)
            return _sniff_after_id3(handle.read(HEAD_BYTES), size - tag_end, f"'{Path(path).name}'", size)
    return _sniff(head, size, f"'{Path(path).name}'")


def _sniff(head: bytes, size: int, label: str) -> str:
    if size == 0 or not head:
        raise CorruptAudioError(f"{label} is empty (0 bytes); there is no audio to use.")
    tag_end = id3v2_end(head)
    if tag_end:
        if tag_end >= size:
            raise CorruptAudioError(f"{label} holds only an ID3 tag and no audio; the file is truncated.")
        if tag_end > len(head) - 4:
            return "mp3"
        return _sniff_after_id3(head[tag_end:], size - tag_end, label, size)
    return _sniff_after_id3(head, size, label)


def _sniff_after_id3(head: bytes, size: int, label: str, total: int | None = None) -> str:
    """What ``head`` (what follows any ID3v2 tag) is; ``total`` is the whole file's size if larger."""
    label = f"{label} ({format_size(size if total is None else total)})"
    found = _container(head, size, label)
    if found is not None:
        return found
    _refuse_not_audio(head, label)
    _refuse_text(head, label)  # before short magic like "MAC " or ".snd", which text can start with
    found = _audio_magic(head) or _frames(head, size, label)
    if found is not None:
        return found
    if not any(head):
        raise UnsupportedAudioError(
            f"{label} is not audio: it starts with nothing but zero bytes (an empty or wiped file); {ADVICE}."
        )
    return UNKNOWN


def _need(head: bytes, size: int, count: int, label: str, what: str) -> None:
    if len(head) < count and size < count:
        raise CorruptAudioError(
            f"{label} starts like {what} but is too short to hold its header; it is truncated."
        )


def _refuse(label: str, what: str) -> UnsupportedAudioError:
    return UnsupportedAudioError(f"{label} is {what}, not audio; {ADVICE}.")


def _container(head: bytes, size: int, label: str) -> str | None:
    magic = head[:4]
    if magic in (b"RIFF", b"RF64", b"BW64"):
        _need(head, size, 12, label, "a RIFF file")
        kind = head[8:12]
        if kind == b"WAVE":
            _need(head, size, 44 if magic == b"RIFF" else 80, label, "a WAV file")
            return "wav"
        if kind[:3] == b"AVI":
            return "avi"
        if kind in _RIFF_NOT_AUDIO:
            raise _refuse(label, _RIFF_NOT_AUDIO[kind])
        return UNKNOWN  # e.g. a Video CD track (CDXA): FFmpeg may read it
    if magic == b"FORM":
        _need(head, size, 12, label, "an IFF file")
        if head[8:12] in (b"AIFF", b"AIFC"):
            _need(head, size, 54, label, "an AIFF file")
            return "aiff"
        if head[8:12] in _IFF_NOT_AUDIO:
            raise _refuse(label, _IFF_NOT_AUDIO[head[8:12]])
        return UNKNOWN  # e.g. Amiga 8SVX sound, which FFmpeg reads
    if magic == b"fLaC":
        _need(head, size, 42, label, "a FLAC file")
        return "flac"
    if magic == b"OggS":
        return _ogg(head, size, label)
    if head[4:8] == b"ftyp":
        return _iso_media(head, label)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"  # QuickTime files from before the ftyp box
    if magic == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else "matroska"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"  # before the text check: frames of silence ("|") are printable
    return None


def _iso_media(head: bytes, label: str) -> str:
    """An ISO base media file (MP4, M4A, MOV, 3GP, ...) by its major brand; HEIF/AVIF images are refused."""
    brand = head[8:12]
    if brand in (b"heic", b"heix", b"mif1", b"avif", b"msf1", b"avis"):
        raise _refuse(label, "a HEIF/AVIF image")
    if brand == b"qt  ":
        return "mov"
    if brand[:3] in (b"3gp", b"3g2", b"3ge", b"3gg"):
        return "3gp"
    if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A "):
        return "m4a"
    return "mp4"


_RIFF_NOT_AUDIO = {
    b"WEBP": "a WebP image",
    b"RMID": "a RIFF MIDI file (notes, not recorded sound)",
    b"ACON": "an animated cursor",
    b"DLS ": "a DLS sound bank (instrument samples, not a recording)",
}
"""RIFF form types that are not recordings; any other is left to FFmpeg (and never quoted)."""

_IFF_NOT_AUDIO = {
    b"ILBM": "an IFF image (ILBM)",
    b"ANIM": "an IFF animation",
}
"""IFF form types that are not recordings; any other is left to FFmpeg (and never quoted)."""


def _ogg(head: bytes, size: int, label: str) -> str:
    """``"ogg"`` (Vorbis, accepted as is), ``"opus"``, ``"ogv"`` (Theora video) or ``"oga"`` (any other
    codec first, e.g. FLAC or Speex), by the first stream's first packet."""
    _need(head, size, 28, label, "an Ogg file")
    segments = head[26]
    start = 27 + segments
    _need(head, size, start + 8, label, "an Ogg file")
    packet = head[start : start + 8]
    if packet[:7] == b"\x01vorbis":
        return "ogg"
    if packet.startswith(b"OpusHead"):
        return "opus"
    if packet.startswith(b"\x80theora"):
        return "ogv"
    return "oga"


_NOT_AUDIO_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a document stored as one, like .docx)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"MThd", "a MIDI file (notes, not recorded sound)"),
)

_AUDIO_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"FLV", "flv"),
    (b"\x00\x00\x01\xba", "mpg"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),
    (b".snd", "au"),
    (b"caff", "caf"),
    (b"MAC ", "ape"),
    (b"wvpk", "wv"),
    (b"DSD ", "dsf"),
    (b"TTA1", "tta"),
    (b"MPCK", "mpc"),
    (b"MP+", "mpc"),
    (b"Creative Voice File", "voc"),
    (b"riff\x2e\x91\xcf\x11", "w64"),
    (b".RMF", "rm"),
)


def _refuse_not_audio(head: bytes, label: str) -> None:
    """Refuse a document, image, archive, program or MIDI file, named by its magic bytes."""
    for magic, name in _NOT_AUDIO_MAGIC:
        if head.startswith(magic):
            raise UnsupportedAudioError(f"{label} is {name}, which holds no recorded sound; {ADVICE}.")


def _audio_magic(head: bytes) -> str | None:
    """The short name of an audio or video container named by its magic bytes."""
    for magic, kind in _AUDIO_MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 377 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "ts"
    return None


def _frames(head: bytes, size: int, label: str) -> str | None:
    """MP3 (or MP1/MP2) or ADTS: a frame header followed by another exactly where the first one says it
    ends."""
    limit = min(len(head), size) - 4
    for pos in range(max(0, min(limit, 4096))):
        if head[pos] != 0xFF:
            continue
        mpeg = mpeg_frame_at(head, pos)
        if mpeg is not None and _chained(head, size, pos, pos + mpeg.length, label):
            return "mp3" if mpeg.layer == 3 else "mp2"
        adts = adts_frame_at(head, pos)
        if adts is not None and _chained(head, size, pos, pos + adts.length, label):
            return "aac"
    return None


def _chained(head: bytes, size: int, pos: int, following: int, label: str) -> bool:
    """True if the next frame header (same stream parameters) sits where the one at ``pos`` says it ends.

    A frame at the very start is trusted alone when ``head`` ends before the next one; one that runs past
    the end of the file means the file is truncated.
    """
    if following + 4 <= len(head):
        return (
            head[following] == 0xFF
            and head[following + 1] == head[pos + 1]
            and ((head[following + 2] ^ head[pos + 2]) & 0x0C == 0)
        )
    if pos != 0:
        return False
    if following > size:
        raise CorruptAudioError(
            f"{label} starts with an audio frame, but the file ends inside that frame; it is truncated."
        )
    return True


def _refuse_text(head: bytes, label: str) -> None:
    """Refuse text by naming its kind; its words are never repeated (see the module docstring)."""
    kind = text_kind(head[:4096])
    if kind is not None:
        raise UnsupportedAudioError(
            f"{label} is {kind}, not audio; {ADVICE} (text cannot be converted to audio)."
        )
