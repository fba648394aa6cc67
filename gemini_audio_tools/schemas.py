"""Input and output models of every operation.

The input model's docstring is the tool description an LLM reads; every field's ``description`` is written for
that LLM. Output models carry ``to_text()``: the concise text an agent sees (adapters attach the full model as
structured content / artifact).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .sizes import format_size
from .timecode import format_timecode

AUDIO_DESCRIPTION = (
    "The audio: a local path (inside the allowed directories), an http(s) URL, or a Files API name like "
    "'files/abc123' from upload_audio. Any audio or video format."
)
START_DESCRIPTION = (
    "Optional start of the time range to use, as 'SS', 'MM:SS' or 'HH:MM:SS' (fractions allowed, e.g. "
    "'01:02.5'). Omit to start at the beginning."
)
TRACK_DESCRIPTION = "Audio track (0-based) of a file with several; default: its main one."
END_DESCRIPTION = (
    "Optional end of the time range to use, same formats as start; must be after start and not past the end "
    "of the audio. Omit to go to the end."
)


MAX_QUESTION_CHARS = 4_000
MAX_FOCUS_CHARS = 1_000
MAX_PROMPT_CHARS = 32_000
"""Bounds on free text sent to the model (a question, a focus, a prompt to count): generous for a person,
and a clear error instead of a megabyte of text billed by accident."""

MAX_VOCABULARY = 1_000
MAX_PHRASE_CHARS = 100
MAX_LANGUAGES = 20
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
MODEL_PATTERN = r"^(models/)?[a-z0-9][a-z0-9.\-]{0,63}$"


def model_field(default: str) -> Any:
    """The optional ``model`` argument of the operations that use a model."""
    return Field(default=None, pattern=MODEL_PATTERN, description=f"Gemini model id; default {default}.")


CacheMode = Literal["auto", "on", "off"]
CACHE_DESCRIPTION = (
    "Context cache for repeated questions about this audio (cached tokens bill ~10%): 'auto' caches it when "
    "asked again, 'on' now, 'off' never."
)


class AudioSourceField:
    """Marks an input field (``Annotated[str, AUDIO_SOURCE]``, or a list of them) that names audio to read: a
    local path or a URL (a Files API name may be given there too). Adapters ask the operation for these
    values (``Operation.audio_sources``) instead of knowing field names; the JSON schema is unchanged."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "AUDIO_SOURCE"


AUDIO_SOURCE = AudioSourceField()


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_text(self) -> str:
        """Concise text for the model; subclasses override with something better than JSON."""
        return self.model_dump_json(exclude_none=True)

    def body(self) -> str:
        """The result alone, without notes (what the CLI prints on stdout: an SRT stays an SRT)."""
        return self.to_text()

    def remarks(self) -> list[str]:
        """What the caller should know beside the result (the CLI prints these on stderr)."""
        return []


class _AudioRangeInput(_Input):
    audio: Annotated[str, AUDIO_SOURCE] = Field(description=AUDIO_DESCRIPTION, min_length=1)
    start: str | None = Field(default=None, description=START_DESCRIPTION)
    end: str | None = Field(default=None, description=END_DESCRIPTION)
    track: int | None = Field(default=None, ge=0, le=63, description=TRACK_DESCRIPTION)


# --- shared output parts ---------------------------------------------------------------------------------


class AudioRange(BaseModel):
    """The part of the audio that was used, on the original file's timeline."""

    start_seconds: float = Field(description="Start of the part used, in seconds from the file's start.")
    end_seconds: float = Field(description="End of the part used, in seconds from the file's start.")
    method: Literal["whole", "clip", "prompt"] = Field(
        description="'whole': the whole file; 'clip': the range was cut locally and only it was"
        " sent (exact); "
        "'prompt': the file exists only remotely, so the model was asked to restrict itself to the range "
        "(approximate)."
    )


class Usage(BaseModel):
    """Tokens billed by the API for this call (summed over chunks)."""

    prompt_tokens: int = Field(default=0, description="Input tokens, audio included.")
    audio_tokens: int = Field(default=0, description="Input tokens that were audio (32 per second).")
    cached_tokens: int = Field(
        default=0, description="Input tokens read from a context cache (billed at the reduced cached rate)."
    )
    output_tokens: int = Field(default=0, description="Generated tokens.")
    total_tokens: int = Field(default=0, description="All tokens billed.")


class Sent(BaseModel):
    """What was sent to the API for this result."""

    format: str = Field(description="MIME type of the audio sent, e.g. audio/mpeg.")
    bytes: int = Field(description="Audio bytes sent (0 when an earlier upload or a remote file was used).")
    via: Literal["inline", "file", "reference", "cache", "mixed"] = Field(
        description="'inline' in the request, 'file' uploaded to the Files API, 'reference' to a remote "
        "file, 'cache' a context cache holding it."
    )
    requests: int = Field(default=1, description="Requests the audio was sent in.")
    reused: bool = Field(default=False, description="An earlier upload of the same audio was reused.")
    transcoded: bool = Field(
        default=False, description="Converted locally from a format the API does not take."
    )

    @classmethod
    def combine(cls, sent: list[Sent]) -> Sent | None:
        """One summary of several requests' (None when nothing was sent)."""
        if not sent:
            return None
        vias = {s.via for s in sent}
        return cls(
            format=sent[0].format,
            bytes=sum(s.bytes for s in sent),
            via=sent[0].via if len(vias) == 1 else "mixed",
            requests=sum(s.requests for s in sent),
            reused=any(s.reused for s in sent),
            transcoded=any(s.transcoded for s in sent),
        )


class ChunkReport(BaseModel):
    """One piece of a long job: which span of audio, and how it went."""

    index: int = Field(description="0-based chunk number.")
    start_seconds: float = Field(description="Start of the chunk on the original timeline.")
    end_seconds: float = Field(description="End of the chunk on the original timeline.")
    status: Literal["ok", "failed"] = Field(
        description="'failed' means this span is missing from the result."
    )
    error: str | None = Field(default=None, description="Why the chunk failed, when it did.")
    attempts: int = Field(default=1, description="How many requests this chunk took.")


class Segment(BaseModel):
    """A piece of transcript on the original file's timeline."""

    start: float = Field(description="Start, seconds from the start of the file.")
    end: float = Field(description="End, seconds from the start of the file.")
    speaker: str | None = Field(default=None, description="Speaker label when speakers were requested.")
    language: str | None = Field(default=None, description="BCP-47 code of the language, when known.")
    text: str = Field(description="What was said.")


class Word(BaseModel):
    """One word and when it was said, on the original file's timeline."""

    word: str = Field(description="The word.")
    start: float = Field(description="Start, seconds from the start of the file.")
    end: float = Field(description="End, seconds from the start of the file.")
    speaker: str | None = Field(default=None, description="Speaker label when speakers were requested.")


# --- inspect_audio -----------------------------------------------------------------------------------------


class InspectAudioInput(_Input):
    """Inspect an audio (or video) file without sending it to Gemini (free): format, codec, duration, sample
    rate, channels, audio tracks, size and the estimated token cost (32 tokens per second). Use it first to
    learn how long a recording is before transcribing a range of it."""

    audio: Annotated[str, AUDIO_SOURCE] = Field(
        description="A local path (inside the allowed directories) or an http(s) URL.", min_length=1
    )
    start: str | None = Field(default=None, description=START_DESCRIPTION)
    end: str | None = Field(default=None, description=END_DESCRIPTION)
    track: int | None = Field(default=None, ge=0, le=63, description=TRACK_DESCRIPTION)


class InspectAudioOutput(_Output):
    path: str = Field(description="The resolved path (or the URL) that was inspected.")
    format: str = Field(description="What the file is, by content, as its usual extension: mp3, wav, m4a, …")
    container: str = Field(default="", description="The container, e.g. mp4, ogg, matroska, wav.")
    codec: str = Field(description="Audio codec, e.g. pcm_s16le, mp3, aac, opus, flac.")
    mime_type: str = Field(description="MIME type of the format, e.g. audio/mp3.")
    api_accepts: bool = Field(
        default=True, description="True when Gemini takes the format as is (else it is converted here)."
    )
    duration_seconds: float = Field(description="Duration of the whole file in seconds.")
    sample_rate: int = Field(description="Samples per second, e.g. 44100.")
    channels: int = Field(description="Number of channels (Gemini merges them to mono).")
    size_bytes: int = Field(description="File size in bytes.")
    bit_rate: int | None = Field(default=None, description="Average bit rate in bits per second, if known.")
    track: int = Field(default=0, description="The audio track measured (0-based).")
    audio_tracks: int = Field(default=1, description="How many audio tracks the file has.")
    has_video: bool = Field(default=False, description="True for a video (only its sound is used).")
    range: AudioRange = Field(description="The range the token estimate covers (the whole file by default).")
    estimated_tokens: int = Field(
        description="Estimated Gemini input tokens for the range: 32 per second of audio, rounded up to a "
        "whole token (ceil(32 × seconds))."
    )

    def to_text(self) -> str:
        """One line, e.g. "speech.mp3: MP3, 10:28 (628.0 s), 44100 Hz stereo, 9.6 MB; ~20,096 tokens"."""
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        clock = f"{format_timecode(self.duration_seconds)} ({self.duration_seconds:.1f} s)"
        kind = self.format.upper() + (" video" if self.has_video else "")
        if not self.api_accepts:
            kind += f" ({self.codec}; converted before sending)"
        name = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or self.path
        size = format_size(self.size_bytes)
        line = f"{PurePath(name).name}: {kind}, {clock}, {self.sample_rate} Hz {layout}, {size}"
        if self.audio_tracks > 1:
            line += f", audio track {self.track} of {self.audio_tracks}"
        if self.range.method != "whole":
            first, last = self.range.start_seconds, self.range.end_seconds
            line += f"; range {format_timecode(first)}-{format_timecode(last)} ({last - first:.1f} s)"
        return f"{line}; ~{self.estimated_tokens:,} tokens"


# --- upload / list / delete ------------------------------------------------------------------------------


class UploadAudioInput(_AudioRangeInput):
    """Upload a local audio file (or a time range of it) to the Gemini Files API so it can be used many times
    without sending the bytes again. Identical bytes are never uploaded twice: an earlier upload that is still
    active is reused (reused=true). Uploaded files expire after 48 hours."""

    display_name: str | None = Field(
        default=None,
        description="Optional human-readable name stored with the file (max 512 characters).",
        max_length=512,
    )


class AudioFile(_Output):
    name: str = Field(description="Files API name, e.g. 'files/abc123'; pass it as `audio` to other tools.")
    uri: str = Field(description="Full URI of the file.")
    display_name: str | None = Field(default=None, description="Human-readable name, if any.")
    mime_type: str = Field(description="MIME type of the stored audio.")
    size_bytes: int = Field(description="Size of the stored bytes.")
    sha256: str | None = Field(default=None, description="Hex SHA-256 of the stored bytes.")
    duration_seconds: float | None = Field(default=None, description="Duration, when known.")
    state: Literal["PROCESSING", "ACTIVE", "FAILED", "STATE_UNSPECIFIED"] = Field(
        description="Processing state; only ACTIVE files can be used."
    )
    expires_at: str | None = Field(default=None, description="When the file will be deleted (RFC 3339, UTC).")
    reused: bool = Field(
        default=False, description="True when an earlier upload of the same bytes was reused."
    )

    def to_text(self) -> str:
        """One line: "files/abc (speech.wav): audio/wav, 0:12.4, 406 KB, ACTIVE until 2026-11-26T10:00Z"."""
        label = f" ({self.display_name})" if self.display_name else ""
        duration = f", {format_timecode(self.duration_seconds)}" if self.duration_seconds is not None else ""
        until = f" until {self.expires_at}" if self.expires_at else ""
        reused = "; reused an earlier upload of the same bytes" if self.reused else ""
        return (
            f"{self.name}{label}: {self.mime_type}{duration}, {format_size(self.size_bytes)}, "
            f"{self.state}{until}{reused}"
        )


class UploadAudioOutput(AudioFile):
    range: AudioRange | None = Field(
        default=None, description="The part of the local file that was uploaded."
    )


class ListAudioFilesInput(_Input):
    """List the audio files uploaded to the Gemini Files API for this API key, newest first, page by page."""

    page_size: int = Field(default=20, ge=1, le=100, description="How many files per page (1-100).")
    page_token: str | None = Field(
        default=None, description="Token from a previous call's next_page_token to get the next page."
    )


class ListAudioFilesOutput(_Output):
    files: list[AudioFile] = Field(description="The files on this page.")
    next_page_token: str | None = Field(
        default=None, description="Pass as page_token for more; none if last."
    )

    def to_text(self) -> str:
        lines = [f.to_text() for f in self.files] or ["No uploaded files."]
        if self.next_page_token:
            lines.append(f"More files: call again with page_token='{self.next_page_token}'.")
        return "\n".join(lines)


class DeleteAudioFileInput(_Input):
    """Delete an uploaded audio file from the Gemini Files API (and forget it in the local upload cache).
    Deleting a file that no longer exists is not an error: deleted=false says so."""

    name: str = Field(description="Files API name, e.g. 'files/abc123' (or its uri).", min_length=1)


class DeleteAudioFileOutput(_Output):
    name: str = Field(description="The Files API name.")
    deleted: bool = Field(
        description="True if the file existed and was deleted; false if it was already gone."
    )

    def to_text(self) -> str:
        if self.deleted:
            return f"Deleted {self.name}."
        return f"{self.name} did not exist (already deleted or expired); nothing to delete."


# --- tokens -----------------------------------------------------------------------------------------------


class CountAudioTokensInput(_AudioRangeInput):
    """Count the Gemini input tokens an audio file (or a range of it) plus an optional prompt would cost.
    By default a free offline estimate (32 tokens per second of audio); exact=true asks the API."""

    prompt: str | None = Field(
        default=None,
        max_length=MAX_PROMPT_CHARS,
        description="Optional text prompt to count along with the audio.",
    )
    exact: bool = Field(
        default=False,
        description="If true, call the API's countTokens for an exact figure (free, but online).",
    )
    model: str | None = model_field("gemini-flash-latest")


class CountAudioTokensOutput(_Output):
    audio_seconds: float = Field(description="Seconds of audio counted.")
    audio_tokens: int = Field(description="Tokens for the audio.")
    prompt_tokens: int = Field(description="Tokens for the text prompt (0 if none).")
    total_tokens: int = Field(description="audio_tokens + prompt_tokens.")
    method: Literal["estimate", "api"] = Field(description="'estimate' (offline) or 'api' (countTokens).")
    model: str = Field(description="Model the count applies to.")
    range: AudioRange | None = Field(default=None, description="The part of the audio counted.")

    def to_text(self) -> str:
        """E.g. "1,920 audio tokens (60.0 s) + 12 prompt tokens = 1,932 tokens for gemini-3.8-flash (api)"."""
        return (
            f"{self.audio_tokens:,} audio tokens ({self.audio_seconds:.1f} s) + {self.prompt_tokens:,} "
            f"prompt tokens = {self.total_tokens:,} tokens for {self.model} ({self.method})"
        )


# --- understanding ---------------------------------------------------------------------------------------


class _ModelOutput(_Output):
    """What every answer from the model carries besides its text."""

    range: AudioRange = Field(description="The part of the audio used.")
    model: str = Field(description="Model that answered.")
    usage: Usage = Field(default_factory=Usage, description="Tokens billed.")
    chunks: list[ChunkReport] = Field(
        default_factory=list, description="How long audio was split, per chunk."
    )
    notes: list[str] = Field(
        default_factory=list, description="Anything the caller should know about the result."
    )
    sent: Sent | None = Field(default=None, description="What was sent to the API.")

    def remarks(self) -> list[str]:
        return list(self.notes)

    def to_text(self) -> str:
        return "\n\n".join([self.body(), *self.remarks()])


class TranscribeAudioInput(_AudioRangeInput):
    """Transcribe speech in an audio file, whole or a time range (the range is cut locally, so timestamps are
    exact and only that part is billed), with Gemini's speech-to-text model: times, speakers, languages,
    custom vocabulary, word times. As plain text, JSON, SRT or VTT. Long audio is split into chunks and
    stitched; a very long transcript comes back a page at a time: pass next_cursor as cursor to continue."""

    timestamps: bool = Field(default=False, description="Show start/end times for each segment.")
    speakers: bool = Field(default=False, description="Label segments by speaker (diarization).")
    word_timestamps: bool = Field(default=False, description="Also return each word with its times.")
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] | None = Field(
        default=None, max_length=MAX_LANGUAGES, description="BCP-47 codes, e.g. ['en-US']; omit to detect."
    )
    vocabulary: list[Annotated[str, Field(min_length=1, max_length=MAX_PHRASE_CHARS)]] | None = Field(
        default=None,
        max_length=MAX_VOCABULARY,
        description="Names and terms to recognize, e.g. ['Zorbulax'] (at most 1,000 phrases).",
    )
    mode: Literal["verbatim", "smart"] = Field(
        default="verbatim",
        description="'smart' removes fillers and formats the text (no times or speakers); 'verbatim' keeps "
        "every word.",
    )
    format: Literal["text", "json", "srt", "vtt"] = Field(
        default="text", description="Output text format: plain text, JSON segments, SRT or WebVTT subtitles."
    )
    model: str | None = model_field("gemini-3.5-transcribe (a general model transcribes by prompt)")
    cursor: str | None = Field(
        default=None,
        description="Continue a paged transcript from this time code (the next_cursor of the previous call).",
    )


class TranscribeAudioOutput(_ModelOutput):
    text: str = Field(description="The transcript rendered in the requested format.")
    segments: list[Segment] = Field(default_factory=list, description="Segments on the original timeline.")
    words: list[Word] | None = Field(default=None, description="Words with times, when asked for.")
    language: str | None = Field(default=None, description="The main language heard (BCP-47), when known.")
    next_cursor: str | None = Field(
        default=None, description="If set, the transcript continues: call again with cursor=this value."
    )
    transcript_uri: str | None = Field(
        default=None,
        description="When this result is a page: URI of the complete transcript (an MCP resource, kept in "
        "the server's memory for recent transcripts).",
    )

    def body(self) -> str:
        return self.text

    def remarks(self) -> list[str]:
        extra = [*self.notes]
        if self.next_cursor:
            whole = f" (complete transcript: {self.transcript_uri})" if self.transcript_uri else ""
            extra.append(f"Transcript continues: call again with cursor='{self.next_cursor}'{whole}.")
        return extra


class DescribeAudioInput(_AudioRangeInput):
    """Describe or summarize an audio file, whole or a time range: what kind of audio it is, who speaks about
    what, sounds, music, mood. Use focus to steer (e.g. 'summary', 'background sounds', 'music')."""

    focus: str | None = Field(
        default=None,
        max_length=MAX_FOCUS_CHARS,
        description="What to describe or summarize, e.g. 'a 3-bullet summary' or 'the music'.",
    )
    model: str | None = model_field("gemini-flash-latest")
    cache: CacheMode = Field(default="auto", description=CACHE_DESCRIPTION)


class DescribeAudioOutput(_ModelOutput):
    text: str = Field(description="The description.")

    def body(self) -> str:
        return self.text


class AskAboutAudioInput(_AudioRangeInput):
    """Ask a question about an audio file, whole or a time range (e.g. 'What does the second speaker decide?',
    'Is there music in the background?'). The answer is grounded in the audio only."""

    question: str = Field(
        description="The question to answer from the audio.", min_length=1, max_length=MAX_QUESTION_CHARS
    )
    model: str | None = model_field("gemini-flash-latest")
    cache: CacheMode = Field(default="auto", description=CACHE_DESCRIPTION)


class AskAboutAudioOutput(_ModelOutput):
    answer: str = Field(description="The answer.")

    def body(self) -> str:
        return self.answer
