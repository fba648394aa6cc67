"""Whether a file's first bytes are text, and which kind (HTML, JSON, a PEM key, subtitles, plain text).

Used by the sniffer to refuse a text file with a message naming its kind. The kind is all that leaves this
module: the text itself is never returned, so no message can quote a secret from a ``.env`` or key file.
"""

from __future__ import annotations

import re

_SUBTITLE_CUE = re.compile(r"\d+\r?\n\d{1,2}:\d\d:\d\d[,.]\d{3} --> ")


def text_kind(sample: bytes) -> str | None:
    """What kind of text ``sample`` (a file's first few KB) is, in words for a message; None if not text.

    Text means UTF-16 with a byte-order mark, or UTF-8 (possibly cut mid-character at the end) that is at
    least 95% printable.
    """
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "a UTF-16 text file"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:
            return None
        text = sample[: exc.start].decode("utf-8")
    if not text or sum(ch.isprintable() or ch in "\r\n\t" for ch in text) < 0.95 * len(text):
        return None
    return _kind(text.lstrip("\ufeff \r\n\t"))


def _kind(text: str) -> str:
    lowered = text[:64].lower()
    if lowered.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "an HTML page (perhaps an error page saved instead of the download)"
    if lowered.startswith("<"):
        return "an XML/markup text file"
    if lowered.startswith("{\\rtf"):
        return "an RTF document (text)"
    if lowered.startswith(("{", "[")):
        return "a JSON text file"
    if text.startswith("-----BEGIN "):
        return "a PEM text file (a key or certificate)"
    if text.startswith("WEBVTT"):
        return "a WebVTT subtitle text file"
    if _SUBTITLE_CUE.match(text):
        return "an SRT subtitle text file"
    return "a plain text file"
