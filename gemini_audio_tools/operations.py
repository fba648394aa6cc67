"""The registry: every operation defined once, as (input model, output model, one async function, hints).

Adapters (LangChain, MCP, CLI, function declarations) are loops over :data:`OPERATIONS`; adding an operation
here makes it appear in all of them without touching an adapter. What every adapter needs around a call is
the registry's kit, in :mod:`.kit` (re-exported here): :meth:`Operation.invoke` (raw arguments in; text,
structured output and complete artifact out), :func:`run_sync`, the CLI name and the audio-source fields.

Run functions are named as ``"module:function"`` under ``_ops`` and imported on first call
(:class:`~.kit.LazyRun`): listing the tools, which is all an MCP client does when it starts a server, needs
only the models, not google-genai, NumPy or PyAV.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from .batch.schemas import (
    CancelAudioBatchInput,
    CancelAudioBatchOutput,
    GetAudioBatchInput,
    GetAudioBatchOutput,
    SubmitAudioBatchInput,
    SubmitAudioBatchOutput,
)
from .config import Settings
from .context import ProgressSink, RunContext, no_progress
from .errors import InvalidArgumentError
from .kit import (
    Hints,
    LazyRun,
    Operation,
    Result,
    body_of,
    format_validation_error,
    remarks_of,
    run_sync,
    text_of,
)
from .schemas import (
    AUDIO_SOURCE,
    AskAboutAudioInput,
    AskAboutAudioOutput,
    CountAudioTokensInput,
    CountAudioTokensOutput,
    DeleteAudioFileInput,
    DeleteAudioFileOutput,
    DescribeAudioInput,
    DescribeAudioOutput,
    InspectAudioInput,
    InspectAudioOutput,
    ListAudioFilesInput,
    ListAudioFilesOutput,
    TranscribeAudioInput,
    TranscribeAudioOutput,
    UploadAudioInput,
    UploadAudioOutput,
)

__all__ = [
    "AUDIO_SOURCE",
    "OPERATIONS",
    "Hints",
    "Operation",
    "Result",
    "body_of",
    "call_operation",
    "call_operation_sync",
    "format_validation_error",
    "get_operation",
    "remarks_of",
    "run_sync",
    "text_of",
]


def _registry(*operations: Operation[Any, Any]) -> dict[str, Operation[Any, Any]]:
    return {op.name: op for op in operations}


# The registry, in the order tools are listed to agents. Run functions live in ``_ops/``.
OPERATIONS: dict[str, Operation[Any, Any]] = _registry(
    Operation(
        name="inspect_audio",
        title="Inspect local audio",
        cli_name="inspect",
        input_model=InspectAudioInput,
        output_model=InspectAudioOutput,
        run=LazyRun("local:inspect_audio"),
        hints=Hints(read_only=True, idempotent=True, open_world=False),
    ),
    Operation(
        name="upload_audio",
        title="Upload audio",
        cli_name="upload",
        input_model=UploadAudioInput,
        output_model=UploadAudioOutput,
        run=LazyRun("files:upload_audio"),
        hints=Hints(read_only=False, idempotent=True),
    ),
    Operation(
        name="list_audio_files",
        title="List uploaded audio",
        cli_name="list",
        input_model=ListAudioFilesInput,
        output_model=ListAudioFilesOutput,
        run=LazyRun("files:list_audio_files"),
        hints=Hints(read_only=True, idempotent=True),
    ),
    Operation(
        name="delete_audio_file",
        title="Delete uploaded audio",
        cli_name="delete",
        input_model=DeleteAudioFileInput,
        output_model=DeleteAudioFileOutput,
        run=LazyRun("files:delete_audio_file"),
        hints=Hints(read_only=False, destructive=True, idempotent=True),
    ),
    Operation(
        name="count_audio_tokens",
        title="Count audio tokens",
        cli_name="count-tokens",
        input_model=CountAudioTokensInput,
        output_model=CountAudioTokensOutput,
        run=LazyRun("tokens:count_audio_tokens"),
        hints=Hints(read_only=True, idempotent=True),
    ),
    Operation(
        name="transcribe_audio",
        title="Transcribe audio",
        cli_name="transcribe",
        input_model=TranscribeAudioInput,
        output_model=TranscribeAudioOutput,
        run=LazyRun("transcribe:transcribe_audio"),
        hints=Hints(read_only=True),
    ),
    Operation(
        name="describe_audio",
        title="Describe audio",
        cli_name="describe",
        input_model=DescribeAudioInput,
        output_model=DescribeAudioOutput,
        run=LazyRun("understanding:describe_audio"),
        hints=Hints(read_only=True),
    ),
    Operation(
        name="ask_about_audio",
        title="Ask about audio",
        cli_name="ask",
        input_model=AskAboutAudioInput,
        output_model=AskAboutAudioOutput,
        run=LazyRun("understanding:ask_about_audio"),
        hints=Hints(read_only=True),
    ),
    # Batch jobs: their CLI is `gemini-audio batch submit|status|results|cancel|list` (_cli_batch.py).
    Operation(
        name="submit_audio_batch",
        title="Submit an audio batch",
        cli_name="batch submit",
        input_model=SubmitAudioBatchInput,
        output_model=SubmitAudioBatchOutput,
        run=LazyRun("batch:submit_audio_batch"),
        hints=Hints(read_only=False, idempotent=True),
    ),
    Operation(
        name="get_audio_batch",
        title="Get an audio batch",
        cli_name="batch status",
        input_model=GetAudioBatchInput,
        output_model=GetAudioBatchOutput,
        run=LazyRun("batch:get_audio_batch"),
        hints=Hints(read_only=True, idempotent=True),
    ),
    Operation(
        name="cancel_audio_batch",
        title="Cancel an audio batch",
        cli_name="batch cancel",
        input_model=CancelAudioBatchInput,
        output_model=CancelAudioBatchOutput,
        run=LazyRun("batch:cancel_audio_batch"),
        hints=Hints(read_only=False, destructive=True, idempotent=True),
    ),
)


def get_operation(name: str) -> Operation[Any, Any]:
    """The registered operation ``name``.

    Raises:
        InvalidArgumentError: no such operation; the message lists the known ones.
    """
    try:
        return OPERATIONS[name]
    except KeyError:
        known = ", ".join(OPERATIONS)
        raise InvalidArgumentError(f"Unknown operation {name!r}; known operations: {known}.") from None


async def call_operation(
    name: str,
    arguments: Mapping[str, Any],
    *,
    settings: Settings | None = None,
    progress: ProgressSink | None = None,
) -> BaseModel:
    """Run operation ``name`` with raw ``arguments`` (e.g. from a model's function call); return its output.

    Raises:
        GeminiAudioError: any failure, with a message the calling model can act on.
    """
    op = get_operation(name)
    ctx = RunContext(settings=settings or Settings.from_env(), progress=progress or no_progress)
    result: BaseModel = await op(arguments, ctx)
    return result


def call_operation_sync(
    name: str, arguments: Mapping[str, Any], *, settings: Settings | None = None
) -> BaseModel:
    """Blocking :func:`call_operation` for code without an event loop (runs one in a worker if needed).

    Raises:
        GeminiAudioError: as :func:`call_operation`.
    """
    return run_sync(call_operation(name, arguments, settings=settings))
