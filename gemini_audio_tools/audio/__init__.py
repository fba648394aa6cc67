"""Local audio through PyAV (bundled FFmpeg): sniff by content, probe, encode ranges, decode, plan chunks."""

from .chunks import plan_chunks
from .decode import decode_pcm, mix_to_mono
from .encode import EncodedAudio, encode_range, flac_range
from .formats import FORMATS, AudioFormat, mime_type_for
from .probe import AudioInfo, probe_audio
from .profiles import PROFILES, Profile, compact_bit_rate, is_compact, must_transcode, passes_through
from .silence import find_silences
from .sniff import sniff_bytes, sniff_file

__all__ = [
    "FORMATS",
    "PROFILES",
    "AudioFormat",
    "AudioInfo",
    "EncodedAudio",
    "Profile",
    "compact_bit_rate",
    "decode_pcm",
    "encode_range",
    "find_silences",
    "flac_range",
    "is_compact",
    "mime_type_for",
    "mix_to_mono",
    "must_transcode",
    "passes_through",
    "plan_chunks",
    "probe_audio",
    "sniff_bytes",
    "sniff_file",
]
