"""Which kind of text a file starts with; only the kind ever leaves the module, never the text."""

from __future__ import annotations

import pytest

from gemini_audio_tools.audio._text import text_kind


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        (b"TOKEN=abc\n", "a plain text file"),
        (
            b"\xef\xbb\xbf  <!DOCTYPE html><p>x</p>",
            "an HTML page",
        ),
        (b'<?xml version="1.0"?><a/>', "an XML/markup text file"),
        (b"{\\rtf1\\ansi hello}", "an RTF document (text)"),
        (b'\n[{"a": 1}]', "a JSON text file"),
        (b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", "a PEM text file (a key or certificate)"),
        (b"WEBVTT\n\n", "a WebVTT subtitle text file"),
        (b"12\r\n01:02:03.456 --> 01:02:04.000\r\nhi", "an SRT subtitle text file"),
        ("\ufeffpassword".encode("utf-16"), "a UTF-16 text file"),
        ("caf\u00e9 ".encode() * 10 + "\u00e9".encode()[:1], "a plain text file"),  # cut mid-character
    ],
)
def test_text_is_named_by_its_kind(sample: bytes, kind: str) -> None:
    found = text_kind(sample)
    assert found is not None and found.startswith(kind)


@pytest.mark.parametrize(
    "sample",
    [
        b"",
        bytes(range(256)),
        b"\x00\x01\x02text",
        b"text \xff\xfe\xfd invalid bytes inside",
    ],
)
def test_binary_or_empty_data_is_not_text(sample: bytes) -> None:
    assert text_kind(sample) is None
