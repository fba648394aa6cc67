"""Input and output models of the three batch tools (the input model's docstring is the tool description).

Kept apart from :mod:`..schemas` (the interactive tools'), which they reuse for shared field limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..schemas import (
    AUDIO_SOURCE,
    LANGUAGE_PATTERN,
    MAX_FOCUS_CHARS,
    MAX_LANGUAGES,
    MAX_PHRASE_CHARS,
    MAX_QUESTION_CHARS,
    MAX_VOCABULARY,
    MODEL_PATTERN,
)

MAX_BATCH_INPUTS = 1_000
"""Paths, globs and URLs one submission may name (a glob or folder may match many more files)."""
MAX_BATCH_FILES = 10_000
"""Files one job may hold after globs are expanded."""

JobState = Literal[
    "PLANNED", "SUBMITTING", "PENDING", "RUNNING", "SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED", "EXPIRED"
]
JOB_FIELD = Field(description="Job id from submit_audio_batch.", min_length=1, max_length=64)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def body(self) -> str:
        return self.to_text()

    def remarks(self) -> list[str]:
        return list(getattr(self, "notes", []))

    def to_text(self) -> str:
        return self.model_dump_json(exclude_none=True)


class SubmitAudioBatchInput(_In):
    """Transcribe, describe or ask about many audio files at half price through the Gemini Batch API
    (results within 24 h). Plans first (tokens, price), uploads each distinct audio once, submits; returns
    a job id for get_audio_batch. Submitting the same files and options again resumes the same job."""

    audio: Annotated[list[str], AUDIO_SOURCE] = Field(
        description="Local paths, folders, globs (e.g. 'talks/*.mp3') or http(s) URLs.",
        min_length=1,
        max_length=MAX_BATCH_INPUTS,
    )
    operation: Literal["transcribe", "describe", "ask"] = Field(
        default="transcribe", description="What to do."
    )
    question: str | None = Field(
        default=None, max_length=MAX_QUESTION_CHARS, description="The question (operation='ask')."
    )
    focus: str | None = Field(default=None, max_length=MAX_FOCUS_CHARS, description="What to describe.")
    format: Literal["text", "json", "srt", "vtt"] = Field(
        default="text", description="Output format of each file (srt/vtt: transcribe only)."
    )
    timestamps: bool = Field(default=False, description="Transcripts: times for each segment.")
    speakers: bool = Field(default=False, description="Transcripts: label speakers.")
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] | None = Field(
        default=None, max_length=MAX_LANGUAGES, description="Transcripts: BCP-47 codes; omit to detect."
    )
    vocabulary: list[Annotated[str, Field(min_length=1, max_length=MAX_PHRASE_CHARS)]] | None = Field(
        default=None, max_length=MAX_VOCABULARY, description="Transcripts: names and terms to recognize."
    )
    mode: Literal["verbatim", "smart"] = Field(
        default="verbatim", description="Transcripts: or clean 'smart'."
    )
    model: str | None = Field(default=None, pattern=MODEL_PATTERN, description="Gemini model id.")
    out_dir: str | None = Field(default=None, description="Folder for the outputs (NAME.txt|srt|vtt|json).")
    plan_only: bool = Field(default=False, description="Only plan and estimate; submit nothing.")


class BatchFailure(BaseModel):
    file: str = Field(description="The file, as named.")
    error: str = Field(description="Why it has no output.")


class SubmitAudioBatchOutput(_Out):
    job: str = Field(description="Job id: pass it to get_audio_batch / cancel_audio_batch.")
    state: JobState = Field(description="PLANNED (plan_only), else the job's state.")
    files: int = Field(description="Files planned.")
    requests: int = Field(
        description="Requests (long files are split into chunks; identical audio shares one)."
    )
    batches: int = Field(description="Remote batches the requests fill.")
    uploads: int = Field(description="Audio files uploaded by this call (0 when reused).")
    estimated_tokens: int = Field(description="Estimated input + output tokens.")
    estimated_price_usd: float | None = Field(description="Estimated batch price (None: no price known).")
    model: str = Field(description="Model the requests use.")
    out_dir: str | None = Field(default=None, description="Where outputs will be written.")
    failures: list[BatchFailure] = Field(default_factory=list, description="Files left out, and why.")
    notes: list[str] = Field(default_factory=list, description="What the caller should know.")

    def to_text(self) -> str:
        price = "unknown" if self.estimated_price_usd is None else f"${self.estimated_price_usd:.4f}"
        lines = [
            f"Job {self.job}: {self.state}. {self.files} file(s), {self.requests} request(s) in "
            f"{self.batches} "
            f"batch(es) on {self.model}; {self.uploads} upload(s); ~{self.estimated_tokens:,} tokens, "
            f"batch price {price}."
        ]
        lines += [f"Left out: {f.file}: {f.error}" for f in self.failures]
        return "\n".join(lines + self.notes)


class GetAudioBatchInput(_In):
    """State of a batch job; once done, each file's output (written to its out_dir) and any failures."""

    job: str = JOB_FIELD
    out_dir: str | None = Field(default=None, description="Write outputs here instead of the job's folder.")


class BatchFileResult(BaseModel):
    file: str = Field(description="The file, as named.")
    status: Literal["pending", "done", "failed"] = Field(description="Where this file stands.")
    output: str | None = Field(default=None, description="Path of the written output.")
    text: str | None = Field(default=None, description="The output itself, while the outputs are short.")
    error: str | None = Field(default=None, description="Why it failed.")
    notes: list[str] = Field(default_factory=list, description="What to know about this output.")


class GetAudioBatchOutput(_Out):
    job: str = Field(description="Job id.")
    state: JobState = Field(description="The job's state (PARTIAL: finished, some batches did not succeed).")
    operation: str = Field(description="transcribe, describe or ask.")
    done: int = Field(description="Files with an output.")
    failed: int = Field(description="Files without one.")
    pending: int = Field(description="Files still waiting.")
    out_dir: str | None = Field(default=None, description="Where outputs are written.")
    files: list[BatchFileResult] = Field(default_factory=list, description="Per file.")
    notes: list[str] = Field(default_factory=list, description="What the caller should know.")

    def to_text(self) -> str:
        head = f"Job {self.job} ({self.operation}): {self.state}; {self.done} done, {self.failed} failed, "
        lines = [head + f"{self.pending} pending" + (f"; outputs in {self.out_dir}" if self.out_dir else "")]
        for f in self.files:
            if f.status == "failed":
                lines.append(f"FAILED {f.file}: {f.error}")
            elif f.status == "done":
                lines.append(f"{f.file} -> {f.output}" + (f"\n{f.text}" if f.text else ""))
        return "\n".join(lines + self.notes)


class CancelAudioBatchInput(_In):
    """Cancel a batch job's remote batches (requests not yet answered are not billed)."""

    job: str = JOB_FIELD


class CancelAudioBatchOutput(_Out):
    job: str = Field(description="Job id.")
    state: JobState = Field(description="The job's state after the call.")
    notes: list[str] = Field(default_factory=list, description="What the caller should know.")

    def to_text(self) -> str:
        return "\n".join([f"Job {self.job}: {self.state}.", *self.notes])
