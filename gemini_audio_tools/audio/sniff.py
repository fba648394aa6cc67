"""Tell which audio format a file is from its content; the extension never matters.

Agents pass whatever they found: a video, an M4A voice memo, a web page saved as ``.mp3``. Each is
recognised and refused with a message saying what the bytes are and how to get audio Gemini accepts.

Decisions:
* **M4A** (AAC in an MP4 container) is refused with a conversion command rather than converted silently:
  Gemini does not accept it, and converting would re-encode on every call. ``ffmpeg -i x.m4a -vn -c:a copy
  x.aac`` turns it into ADTS AAC losslessly, which Gemini accepts.
* **Ogg Opus / Ogg FLAC / Speex** are refused: Gemini's list of formats names Ogg *Vorbis* only.
* **MP2/MP1** (MPEG Layer I/II) are refused: Gemini's MP3 support is Layer III.
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
from .formats import AudioFormat

HEAD_BYTES = 8192
"""How much of a file's start :func:`sniff_file` reads (past any ID3v2 tag): enough for three MP3 frames."""

_COMMAND = "`ffmpeg -i INPUT -vn -c:a flac OUTPUT.flac`, then pass the .flac file"
_CONVERT = f"convert it first, e.g. {_COMMAND}"
_EXTRACT = f"extract the audio track first, e.g. {_COMMAND}"
_ACCEPTED = "Gemini accepts WAV, MP3, AIFF, AAC (ADTS), OGG Vorbis and FLAC"


def sniff_bytes(head: bytes, size: int) -> AudioFormat:
    """The format of a file whose first bytes are ``head`` and whose total length is ``size``.

    Give at least :data:`HEAD_BYTES` bytes (or the whole file); an ID3v2 tag longer than ``head`` is taken
    to introduce MP3, which is what ID3v2 tags nearly always do.

    Raises:
        CorruptAudioError: empty, or an audio header cut short.
        UnsupportedAudioError: not audio, or audio in a format Gemini does not accept (the message says
            what the bytes are and how to convert them).
    """
    return _sniff(head, size, "The data")


def sniff_file(path: Path) -> AudioFormat:
    """The format of the file at ``path``, by content (see :func:`sniff_bytes`).

    Raises:
        AudioFileNotFoundError: no regular file at ``path``.
        CorruptAudioError: empty, or an audio header cut short.
        UnsupportedAudioError: not audio Gemini accepts (the message says what it is and what to do).
    """
    with open_regular_file(path) as (handle, size):
        head = handle.read(HEAD_BYTES)
        tag_end = id3v2_end(head)
        if len(head) - 4 < tag_end < size:
            handle.seek(tag_end)
            return _sniff_after_id3(handle.read(HEAD_BYTES), size - tag_end, f"'{Path(path).name}'", size)
    return _sniff(head, size, f"'{Path(path).name}'")


def _sniff(head: bytes, size: int, label: str) -> AudioFormat:
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


def _sniff_after_id3(head: bytes, size: int, label: str, total: int | None = None) -> AudioFormat:
    """The format of ``head`` (what follows any ID3v2 tag); ``total`` is the whole file's size if larger."""
    label = f"{label} ({format_size(size if total is None else total)})"
    found = _container(head, size, label)
    if found is not None:
        return found
    _refuse_known_non_audio(head, label)
    frames = _frames(head, size, label)
    if frames is not None:
        return frames
    _refuse_text(head, label)
    raise UnsupportedAudioError(
        f"{label} is not audio in any format we recognise (binary data that is neither audio nor a known "
        f"document, image, archive or video format). {_ACCEPTED}; if it is audio in another format, "
        f"{_CONVERT}."
    )


def _need(head: bytes, size: int, count: int, label: str, what: str) -> None:
    if len(head) < count and size < count:
        raise CorruptAudioError(
            f"{label} starts like {what} but is too short to hold its header; it is truncated."
        )


def _container(head: bytes, size: int, label: str) -> AudioFormat | None:
    magic = head[:4]
    if magic in (b"RIFF", b"RF64", b"BW64"):
        _need(head, size, 12, label, "a RIFF file")
        kind = head[8:12]
        if kind == b"WAVE":
            _need(head, size, 44 if magic == b"RIFF" else 80, label, "a WAV file")
            return "wav"
        if kind[:3] == b"AVI":
            raise UnsupportedAudioError(f"{label} is an AVI video, not audio; {_EXTRACT}.")
        if kind == b"WEBP":
            raise UnsupportedAudioError(f"{label} is a WebP image, not audio. {_ACCEPTED}.")
        other = _RIFF_KINDS.get(kind, "a RIFF container of a kind other than WAVE")
        raise UnsupportedAudioError(f"{label} is {other}, not WAV audio; {_advice(other)}.")
    if magic == b"FORM":
        _need(head, size, 12, label, "an IFF file")
        if head[8:12] in (b"AIFF", b"AIFC"):
            _need(head, size, 54, label, "an AIFF file")
            return "aiff"
        other = _IFF_KINDS.get(head[8:12], "an IFF container of a kind other than AIFF")
        raise UnsupportedAudioError(f"{label} is {other}, not AIFF audio; {_advice(other)}.")
    if magic == b"fLaC":
        _need(head, size, 42, label, "a FLAC file")
        return "flac"
    if magic == b"OggS":
        return _ogg(head, size, label)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A "):
            raise UnsupportedAudioError(
                f"{label} is M4A (AAC audio in an MP4 container), which Gemini does not accept. Re-wrap it "
                "as ADTS AAC without re-encoding: `ffmpeg -i INPUT.m4a -vn -c:a copy OUTPUT.aac`, then pass "
                "the .aac file."
            )
        if brand in (b"heic", b"heix", b"mif1", b"avif"):
            raise UnsupportedAudioError(f"{label} is a HEIF/AVIF image, not audio. {_ACCEPTED}.")
        if b"soun" in head and b"vide" not in head:
            raise UnsupportedAudioError(
                f"{label} is audio in an MP4 container (like M4A), which Gemini does not accept; {_CONVERT}."
            )
        kinds = {b"qt  ": "a QuickTime MOV video", b"3gp4": "a 3GP video", b"3gp5": "a 3GP video"}
        video = kinds.get(brand, "an MP4 video")
        raise UnsupportedAudioError(f"{label} is {video}, not an audio file; {_EXTRACT}.")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        raise UnsupportedAudioError(f"{label} is a QuickTime/MP4 video; {_EXTRACT}.")
    if magic == b"\x1a\x45\xdf\xa3":
        matroska = "a WebM file" if b"webm" in head[:64] else "a Matroska (MKV/MKA) file"
        raise UnsupportedAudioError(
            f"{label} is {matroska} (video, or Opus/Vorbis audio in a container Gemini does not accept); "
            f"{_EXTRACT}."
        )
    return None


_RIFF_KINDS = {
    b"RMID": "a RIFF MIDI file (notes, not recorded sound)",
    b"CDXA": "a Video CD track (CDXA)",
    b"ACON": "an animated cursor",
    b"RMMP": "a RIFF multimedia movie",
    b"DLS ": "a DLS sound bank",
}
"""RIFF form types named in messages; an unknown one is not quoted (it is the file's own bytes)."""

_IFF_KINDS = {
    b"8SVX": "Amiga 8SVX audio",
    b"16SV": "Amiga 16SV audio",
    b"MAUD": "Amiga MAUD audio",
    b"ILBM": "an IFF image (ILBM)",
    b"ANIM": "an IFF animation",
}
"""IFF form types named in messages; an unknown one is not quoted."""


def _ogg(head: bytes, size: int, label: str) -> AudioFormat:
    _need(head, size, 28, label, "an Ogg file")
    segments = head[26]
    start = 27 + segments
    _need(head, size, start + 8, label, "an Ogg file")
    packet = head[start : start + 8]
    if packet[:7] == b"\x01vorbis":
        return "ogg"
    codecs = {b"OpusHead": "Opus", b"\x7fFLAC": "FLAC", b"Speex   ": "Speex", b"\x80theora": "Theora video"}
    for prefix, name in codecs.items():
        if packet.startswith(prefix):
            if name == "Theora video":
                raise UnsupportedAudioError(f"{label} is an Ogg Theora video; {_EXTRACT}.")
            raise UnsupportedAudioError(
                f"{label} is Ogg {name} audio; Gemini accepts Ogg only with the Vorbis codec. "
                f"Convert it first, e.g. {_COMMAND}."
            )
    raise UnsupportedAudioError(f"{label} is an Ogg file whose first stream is not Vorbis audio; {_CONVERT}.")


_OTHER_FORMATS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF", "a PDF document"),
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"PK\x03\x04", "a ZIP archive (or a document stored as one, like .docx)"),
    (0, b"\x1f\x8b", "a gzip-compressed file"),
    (0, b"7z\xbc\xaf", "a 7-Zip archive"),
    (0, b"Rar!", "a RAR archive"),
    (0, b"\x7fELF", "a program (ELF executable)"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"FLV", "an FLV video"),
    (0, b"\x00\x00\x01\xba", "an MPEG program stream video"),
    (0, b"\x30\x26\xb2\x75", "a Windows Media (ASF/WMA/WMV) file"),
    (0, b".snd", "Sun AU audio"),
    (0, b"caff", "Apple CAF audio"),
    (0, b"#!AMR", "AMR speech audio"),
    (0, b"MAC ", "Monkey's Audio (APE)"),
    (0, b"wvpk", "WavPack audio"),
    (0, b"MThd", "a MIDI file (notes, not recorded sound)"),
    (0, b"DSD ", "DSD audio"),
)


def _advice(what: str) -> str:
    """How to get from ``what`` to accepted audio: convert audio or video, otherwise name the formats."""
    if any(word in what for word in ("audio", "video", "movie", "container")):
        return _CONVERT
    return _ACCEPTED


def _refuse_known_non_audio(head: bytes, label: str) -> None:
    for offset, magic, name in _OTHER_FORMATS:
        if head[offset : offset + len(magic)] == magic:
            raise UnsupportedAudioError(
                f"{label} is {name}, which Gemini cannot take as audio; {_advice(name)}."
            )
    if len(head) >= 377 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        raise UnsupportedAudioError(f"{label} is an MPEG transport stream (video); {_EXTRACT}.")


def _frames(head: bytes, size: int, label: str) -> AudioFormat | None:
    """MP3 or ADTS: a frame header followed by another exactly where the first one says it ends."""
    limit = min(len(head), size) - 4
    for pos in range(max(0, min(limit, 4096))):
        if head[pos] != 0xFF:
            continue
        mpeg = mpeg_frame_at(head, pos)
        if mpeg is not None and _chained(head, size, pos, pos + mpeg.length, label):
            if mpeg.layer != 3:
                raise UnsupportedAudioError(
                    f"{label} is MPEG Layer {'I' * mpeg.layer} audio (MP{mpeg.layer}), not MP3; {_CONVERT}."
                )
            return "mp3"
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
            f"{label} is {kind}, not audio. {_ACCEPTED}; pass the path of the recording itself (text "
            "cannot be converted to audio)."
        )
