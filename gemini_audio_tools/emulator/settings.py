"""Limits and behaviour of the emulated API, as one dataclass tests can shrink (no test needs 2 GB)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..models import ALIASES, CATALOGUE, INLINE_REQUEST_LIMIT_BYTES, ModelInfo

GIB = 1024**3
MIB = 1024**2

AUDIO_MIME_TYPES = frozenset(
    {
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
        "audio/mp3",
        "audio/mpeg",
        "audio/aiff",
        "audio/x-aiff",
        "audio/aac",
        "audio/x-aac",
        "audio/ogg",
        "audio/flac",
        "audio/x-flac",
    }
)
"""Audio MIME types Gemini accepts (its six formats, under the names browsers and ``mimetypes`` use too)."""

JSONL_MIME_TYPES = frozenset(
    {"jsonl", "application/jsonl", "application/json", "application/x-ndjson", "text/jsonl"}
)
"""Batch input files: the batch guide uploads them as ``mime_type='jsonl'``; other spellings are common."""


@dataclass
class EmulatorSettings:
    """What the emulated project allows. Defaults are the real Gemini Developer API's documented limits."""

    valid_api_keys: frozenset[str] | None = None
    """Keys accepted; ``None`` accepts any non-empty key not in ``invalid_api_keys``."""
    invalid_api_keys: frozenset[str] = frozenset()
    """Keys rejected with the real "API key not valid" error (e.g. to test a revoked key)."""
    max_file_bytes: int = 2 * GIB
    max_project_bytes: int = 20 * GIB
    max_inline_request_bytes: int = INLINE_REQUEST_LIMIT_BYTES
    """Largest generateContent / countTokens request body (inline audio is base64 inside it): 100 MB since
    January 2026 (was 20 MB)."""
    max_audio_seconds_per_request: float = 9.5 * 3600
    file_ttl_seconds: float = 48 * 3600
    processing_seconds: float = 0.0
    """How long an uploaded file stays PROCESSING before it turns ACTIVE (or FAILED)."""
    processing_seconds_per_audio_hour: float = 0.0
    """Extra PROCESSING time proportional to the file's audio length."""
    models: tuple[ModelInfo, ...] = CATALOGUE
    """The models the project can call, with their lifecycle (``gemini_audio_tools.models``): add a
    ``ModelInfo`` to serve an id newer than the catalogue; an id not here answers 404 like the real API."""
    aliases: dict[str, str] = field(default_factory=lambda: dict(ALIASES))
    """Rolling aliases (``gemini-flash-latest``) and the id each answers as."""
    upload_mime_types: frozenset[str] = field(
        default_factory=lambda: AUDIO_MIME_TYPES | JSONL_MIME_TYPES | {"text/plain"}
    )
    """MIME types the Files API accepts in an upload."""
    content_mime_types: frozenset[str] = AUDIO_MIME_TYPES
    """MIME types generateContent accepts in ``inlineData`` / ``fileData`` parts (the model hears audio)."""
    upload_session_ttl_seconds: float = 7 * 24 * 3600
    """How long a resumable upload session may stay unfinished (from its start, by the emulator's clock)
    before it expires and its partial bytes are deleted; Google's resumable sessions last a week."""
    max_open_upload_sessions: int = 1000
    """Unfinished upload sessions the project may hold at once (all keys together); one more is a 429.
    The emulator's own guard against abandoned sessions piling up, not a documented Gemini limit."""
    upload_chunk_granularity: int = 8 * MIB
    """Every non-final resumable-upload chunk must be a multiple of this (the SDK sends 8 MiB chunks)."""
    stream_chunk_seconds: float = 0.0
    """Pause before each streamGenerateContent chunk after the first, as a model streaming while it
    generates (0: the whole answer is sent at once)."""
    default_page_size: int = 10
    max_page_size: int = 100
    max_transcription_seconds: float | None = None
    """Audio a transcription model takes per request; None: the model's own limit in ``models`` (one hour
    for gemini-3.5-transcribe). Set lower to test the limit without hours of audio."""
    max_detailed_transcription_seconds: float | None = None
    """The same with diarization or word timestamps on (30 minutes for gemini-3.5-transcribe)."""
    max_url_fetch_bytes: int = 100 * MIB
    """Largest body fetched for a ``fileData.fileUri`` that is an external http(s) URL (the API's 100 MB)."""
    url_fetch_timeout_seconds: float = 60.0
    """How long fetching one external URL may take in all (the emulator's bound; Google documents none)."""

    # --- Batch API (batch_jobs.py) ---
    batch_pending_seconds: float = 0.0
    """How long a new batch stays BATCH_STATE_PENDING (emulator clock) before it reports RUNNING."""
    batch_running_seconds: float = 0.0
    """Least time a batch reports RUNNING before SUCCEEDED (it also waits for its requests to be answered)."""
    batch_expiry_seconds: float = 48 * 3600
    """A batch still pending or running this long after its creation turns EXPIRED (the batch guide: 48 h)."""
    max_batch_request_bytes: int = 20 * MIB
    """Largest batchGenerateContent body: inline requests must stay under 20 MB (the batch guide)."""
    max_batch_input_file_bytes: int = 2 * GIB
    """Largest JSONL input file (the batch guide: 2 GB)."""
    max_concurrent_batches: int | None = None
    """Batches pending or running at once; one more is a 429. ``None``: no limit (none is documented)."""
    # --- Context caching (cached_contents.py) ---
    cache_min_tokens: Mapping[str, int] = field(default_factory=dict)
    """Per model id, a minimum cachedContent size replacing the catalogue's ``min_cache_tokens`` (tests
    shrink it; assign a new mapping)."""
    cache_min_tokens_default: int = 4096
    """Minimum for models whose minimum the catalogue does not document (the caching guide's largest)."""
    cache_default_ttl_seconds: float = 3600.0
    """TTL when a cache is created with neither ``ttl`` nor ``expireTime`` (the caching guide: 1 hour)."""

    @property
    def transcription_models(self) -> tuple[str, ...]:
        """Models that take ``generationConfig.audioTranscriptionConfig`` and answer with Transcription
        parts: the catalogue's native transcription models."""
        return tuple(m.id for m in self.models if m.native_transcription)

    def transcription_limits(self, model: str) -> tuple[float, float]:
        """Seconds of audio ``model`` transcribes per request: plain, and with diarization or word
        timestamps."""
        info = next(m for m in self.models if m.id == model)
        plain = self.max_transcription_seconds or info.audio_seconds or float("inf")
        detailed = self.max_detailed_transcription_seconds or info.audio_seconds_with_timestamps or plain
        return plain, detailed

    def key_is_valid(self, key: str) -> bool:
        if not key or key in self.invalid_api_keys:
            return False
        return self.valid_api_keys is None or key in self.valid_api_keys
