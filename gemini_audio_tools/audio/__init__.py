"""Local audio through PyAV (bundled FFmpeg): sniff by content, probe, clip, decode, plan chunks."""

from .clip import ClippedAudio, clip_range, clip_to_bytes, format_seconds, resolve_range
from .decode import decode_pcm
from .formats import FORMATS, AudioFormat, format_for_mime, mime_type_for
from .probe import AudioInfo, probe_audio
from .sniff import sniff_bytes, sniff_file

__all__ = [
    "FORMATS",
    "AudioFormat",
    "AudioInfo",
    "ClippedAudio",
    "clip_range",
    "clip_to_bytes",
    "decode_pcm",
    "format_for_mime",
    "format_seconds",
    "mime_type_for",
    "probe_audio",
    "resolve_range",
    "sniff_bytes",
    "sniff_file",
]
