"""Local audio through PyAV (bundled FFmpeg): sniff by content, probe, clip, decode, plan chunks."""

from .decode import decode_pcm
from .formats import FORMATS, AudioFormat, format_for_mime, mime_type_for
from .probe import AudioInfo, probe_audio
from .sniff import sniff_bytes, sniff_file

__all__ = [
    "FORMATS",
    "AudioFormat",
    "AudioInfo",
    "decode_pcm",
    "format_for_mime",
    "mime_type_for",
    "probe_audio",
    "sniff_bytes",
    "sniff_file",
]
