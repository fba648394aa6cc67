"""Valid example arguments for every operation on the bundled sample, shared by the adapter suites."""

from __future__ import annotations

from typing import Any

from gemini_audio_tools._ops.batch import base_job_id
from gemini_audio_tools.batch.schemas import SubmitAudioBatchInput
from gemini_audio_tools.demo import SAMPLE
from gemini_audio_tools.operations import OPERATIONS

_BATCH = {"audio": [str(SAMPLE)], "format": "srt", "model": "gemini-3.5-transcribe"}
BATCH_JOB = base_job_id(SubmitAudioBatchInput.model_validate(_BATCH), _BATCH["model"], [str(SAMPLE)])
"""The job the example submission makes (job ids follow from what is submitted)."""

EXAMPLES: dict[str, dict[str, Any]] = {
    "inspect_audio": {"audio": str(SAMPLE)},
    "upload_audio": {"audio": str(SAMPLE), "display_name": "adapter suite"},
    "list_audio_files": {"page_size": 5},
    "delete_audio_file": {"name": "files/adapter-suite-missing"},
    "count_audio_tokens": {"audio": str(SAMPLE), "prompt": "Transcribe this.", "exact": True},
    "transcribe_audio": {"audio": str(SAMPLE), "start": "00:00", "end": "00:04", "timestamps": True},
    "describe_audio": {"audio": str(SAMPLE), "end": "00:04"},
    "ask_about_audio": {"audio": str(SAMPLE), "end": "00:04", "question": "What is this recording about?"},
    "submit_audio_batch": _BATCH,
    "get_audio_batch": {"job": BATCH_JOB},
    "cancel_audio_batch": {"job": BATCH_JOB},
}
NEEDS_A_JOB = ("get_audio_batch", "cancel_audio_batch")
"""Examples that need the example submission made first (with the same settings)."""


def example_for(operation: str) -> dict[str, Any]:
    """``EXAMPLES[operation]``, or for an operation added later: its required fields filled generically."""
    if operation in EXAMPLES:
        return EXAMPLES[operation]
    fields = OPERATIONS[operation].input_model.model_fields
    return {
        name: str(SAMPLE) if name == "audio" else "example" for name, f in fields.items() if f.is_required()
    }
