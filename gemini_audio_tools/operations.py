"""The registry: every operation defined once, as (input model, output model, one async function, hints).

Adapters (LangChain, MCP, CLI, function declarations) are loops over :data:`OPERATIONS`; adding an operation
here makes it appear in all of them without touching an adapter.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ._ops.files import delete_audio_file, list_audio_files, upload_audio
from ._ops.local import inspect_audio
from ._ops.tokens import count_audio_tokens
from ._ops.understanding import ask_about_audio, describe_audio, transcribe_audio
from .config import Settings
from .context import ProgressSink, RunContext, no_progress
from .errors import InvalidArgumentError
from .schemas import (
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

InputT = TypeVar("InputT", bound=BaseModel)
OutputT = TypeVar("OutputT", bound=BaseModel)


@dataclass(frozen=True)
class Hints:
    """Behaviour hints, mirrored to MCP ToolAnnotations and LangChain tool metadata."""

    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = True
    """True when the operation talks to the Gemini API (an external system)."""


@dataclass(frozen=True)
class Operation(Generic[InputT, OutputT]):
    name: str
    input_model: type[InputT]
    output_model: type[OutputT]
    run: Callable[[InputT, RunContext], Awaitable[OutputT]]
    hints: Hints
    title: str = ""

    @property
    def description(self) -> str:
        """The tool description an LLM reads: the input model's docstring."""
        return inspect.cleandoc(self.input_model.__doc__ or self.name)

    def parse(self, arguments: Mapping[str, Any]) -> InputT:
        """Validate raw arguments, turning pydantic's errors into one message a model can act on."""
        try:
            return self.input_model.model_validate(dict(arguments))
        except ValidationError as exc:
            raise InvalidArgumentError(format_validation_error(self.name, exc)) from None

    async def __call__(self, arguments: Mapping[str, Any] | InputT, ctx: RunContext | None = None) -> OutputT:
        args = arguments if isinstance(arguments, self.input_model) else self.parse(arguments)  # type: ignore[arg-type]
        return await self.run(args, ctx or RunContext())


def format_validation_error(tool: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        problems.append(f"{where}: {err['msg']}")
    return f"Invalid arguments for {tool}: " + "; ".join(problems) + "."


def _registry(*operations: Operation[Any, Any]) -> dict[str, Operation[Any, Any]]:
    return {op.name: op for op in operations}


# The registry, in the order tools are listed to agents. Run functions live in ``_ops/``.
OPERATIONS: dict[str, Operation[Any, Any]] = _registry(
    Operation(
        name="inspect_audio",
        title="Inspect local audio",
        input_model=InspectAudioInput,
        output_model=InspectAudioOutput,
        run=inspect_audio,
        hints=Hints(read_only=True, idempotent=True, open_world=False),
    ),
    Operation(
        name="upload_audio",
        title="Upload audio",
        input_model=UploadAudioInput,
        output_model=UploadAudioOutput,
        run=upload_audio,
        hints=Hints(read_only=False, idempotent=True),
    ),
    Operation(
        name="list_audio_files",
        title="List uploaded audio",
        input_model=ListAudioFilesInput,
        output_model=ListAudioFilesOutput,
        run=list_audio_files,
        hints=Hints(read_only=True, idempotent=True),
    ),
    Operation(
        name="delete_audio_file",
        title="Delete uploaded audio",
        input_model=DeleteAudioFileInput,
        output_model=DeleteAudioFileOutput,
        run=delete_audio_file,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
    ),
    Operation(
        name="count_audio_tokens",
        title="Count audio tokens",
        input_model=CountAudioTokensInput,
        output_model=CountAudioTokensOutput,
        run=count_audio_tokens,
        hints=Hints(read_only=True, idempotent=True),
    ),
    Operation(
        name="transcribe_audio",
        title="Transcribe audio",
        input_model=TranscribeAudioInput,
        output_model=TranscribeAudioOutput,
        run=transcribe_audio,
        hints=Hints(read_only=True),
    ),
    Operation(
        name="describe_audio",
        title="Describe audio",
        input_model=DescribeAudioInput,
        output_model=DescribeAudioOutput,
        run=describe_audio,
        hints=Hints(read_only=True),
    ),
    Operation(
        name="ask_about_audio",
        title="Ask about audio",
        input_model=AskAboutAudioInput,
        output_model=AskAboutAudioOutput,
        run=ask_about_audio,
        hints=Hints(read_only=True),
    ),
)


def get_operation(name: str) -> Operation[Any, Any]:
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
    """Blocking :func:`call_operation` for code without an event loop (runs one in a worker if needed)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(call_operation(name, arguments, settings=settings))
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, call_operation(name, arguments, settings=settings)).result()
