"""Local audio through PyAV (bundled FFmpeg): sniff by content, probe, clip, decode, plan chunks."""

from .chunks import plan_chunks
from .clip import ClippedAudio, clip_range, clip_to_bytes
from .decode import decode_pcm
from .formats import FORMATS, AudioFormat, format_for_mime, mime_type_for
from .probe import AudioInfo, probe_audio
from .silence import find_silences
from .sniff import sniff_bytes, sniff_file

__all__ = [
    "FORMATS",
    "AudioFormat",
    "AudioInfo",
    "ClippedAudio",
    "clip_range",
    "clip_to_bytes",
    "decode_pcm",
    "find_silences",
    "format_for_mime",
    "mime_type_for",
    "plan_chunks",
    "probe_audio",
    "sniff_bytes",
    "sniff_file",
]
