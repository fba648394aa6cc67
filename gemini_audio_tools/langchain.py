"""LangChain adapter: one ``BaseTool`` per registered operation, and a toolkit that hands them out.

No business logic lives here. A tool validates its arguments with the operation's input model (its
``args_schema``), runs the operation, and returns ``(output.to_text(), output)``: concise text for the model,
the full output model as the artifact (for a paged transcript, the complete transcript: the content carries
only the page). Library errors become ``ToolException`` so that, with
``handle_tool_error=True``, the agent reads the library's message and can correct its call instead of
crashing. Progress of long work is sent to LangChain callbacks as ``on_text`` and as the custom event
``gemini_audio_progress`` (visible in ``astream_events``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from pydantic import BaseModel, Field, ValidationError, model_validator

from .config import Settings
from .context import ProgressSink, RunContext
from .errors import GeminiAudioError
from .operations import OPERATIONS, Operation, format_validation_error, get_operation, run_sync
from .progress import ProgressEvent

__all__ = ["PROGRESS_EVENT", "GeminiAudioTool", "GeminiAudioToolkit"]

PROGRESS_EVENT = "gemini_audio_progress"
"""Name of the LangChain custom event carrying ``{"tool", "progress", "total", "message"}``."""


def _operation(name: str) -> Operation[Any, Any]:
    try:
        return get_operation(name)
    except GeminiAudioError as err:
        raise ValueError(str(err)) from None


class GeminiAudioTool(BaseTool):
    """A registered gemini-audio-tools operation as a LangChain tool: ``GeminiAudioTool(operation=NAME)``."""

    operation: str
    """Registry name of the operation, e.g. ``"transcribe_audio"``; sets name, description, args_schema."""
    settings: Settings | None = None
    """Settings to run with; ``None`` reads the environment at each call (``Settings.from_env()``)."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool | str | Callable[[ToolException], Any] | None = True
    """``True``: a library error's message goes back to the model as an error ToolMessage."""

    @model_validator(mode="before")
    @classmethod
    def _from_registry(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "operation" not in data:
            return data
        op = _operation(str(data["operation"]))
        hints = asdict(op.hints)
        defaults: dict[str, Any] = {
            "name": op.name,
            "description": op.description,
            "args_schema": op.input_model,
            "metadata": {"operation": op.name, "title": op.title or op.name, **hints},
            "handle_validation_error": _validation_message(op.name),
        }
        return {**defaults, **data}

    def _context(self, progress: ProgressSink) -> RunContext:
        return RunContext(settings=self.settings or Settings.from_env(), progress=progress)

    async def _execute(self, kwargs: dict[str, Any], progress: ProgressSink) -> tuple[str, BaseModel]:
        try:
            result = await _operation(self.operation).invoke(kwargs, self._context(progress))
        except GeminiAudioError as err:
            raise ToolException(str(err)) from err
        return result.text, result.artifact

    def _run(
        self, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, BaseModel]:
        async def emit(data: dict[str, Any]) -> None:
            if run_manager is not None:
                run_manager.on_text(_progress_line(data) + "\n")
                run_manager.get_child().on_custom_event(PROGRESS_EVENT, data, run_id=run_manager.run_id)

        return run_sync(self._execute(kwargs, _Progress(self.name, emit)))

    async def _arun(
        self, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, BaseModel]:
        async def emit(data: dict[str, Any]) -> None:
            if run_manager is not None:
                await run_manager.on_text(_progress_line(data) + "\n")
                await run_manager.get_child().on_custom_event(PROGRESS_EVENT, data, run_id=run_manager.run_id)

        return await self._execute(kwargs, _Progress(self.name, emit))


class GeminiAudioToolkit(BaseToolkit):
    """All gemini-audio-tools operations as LangChain tools.

    ``GeminiAudioToolkit(allowed_dirs=["./recordings"]).get_tools()``; without arguments the environment
    decides (``GEMINI_API_KEY``, ``GOOGLE_GEMINI_BASE_URL``, ``GEMINI_AUDIO_MODEL``,
    ``GEMINI_AUDIO_ALLOWED_DIRS``), read when a tool runs.
    """

    settings: Settings | None = Field(default=None, description="Base settings; default: the environment.")
    allowed_dirs: Sequence[Path | str] | None = Field(
        default=None, description="Directories tools may read (overrides the settings' allowed dirs)."
    )
    model: str | None = Field(default=None, description="Gemini model id (overrides the settings' model).")
    operations: Sequence[str] | None = Field(
        default=None, description="Only these operations (registry names), in this order; default: all."
    )

    @model_validator(mode="after")
    def _known_operations(self) -> GeminiAudioToolkit:
        for name in self.operations or ():
            _operation(name)
        return self

    def resolved_settings(self) -> Settings | None:
        """The settings the tools run with; ``None`` when nothing was overridden (the environment decides).

        Raises:
            InvalidArgumentError: an allowed directory does not exist or is not a directory.
        """
        if self.settings is None and self.allowed_dirs is None and self.model is None:
            return None
        base = self.settings or Settings.from_env()
        return base.with_overrides(allowed_dirs=self.allowed_dirs, model=self.model)

    def get_tools(self) -> list[BaseTool]:
        """One tool per selected operation."""
        names = list(self.operations) if self.operations is not None else list(OPERATIONS)
        settings = self.resolved_settings()
        operations = [_operation(name) for name in names]
        return [
            GeminiAudioTool(operation=op.name, name=op.name, description=op.description, settings=settings)
            for op in operations
        ]


def _validation_message(tool: str) -> Any:
    def handle(exc: ValidationError) -> str:
        return format_validation_error(tool, exc)

    return handle


class _Progress:
    """A progress sink that hands each report to LangChain callbacks: plain numbers as
    ``{"tool", "progress", "total", "message"}``; a :class:`~.progress.ProgressEvent` with its phase, unit and
    amounts too (``done``/``total`` of the phase; ``progress`` is the percentage along the whole job)."""

    def __init__(self, tool: str, emit: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.tool, self.emit = tool, emit

    async def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        await self.emit({"tool": self.tool, "progress": progress, "total": total, "message": message})

    async def on_event(self, event: ProgressEvent) -> None:
        await self.emit({"tool": self.tool, **event.as_dict(), "progress": event.overall()[0]})


def _progress_line(data: dict[str, Any]) -> str:
    if "phase" in data:  # an event: its own words say how far
        return f"[{data['tool']}] {data['message']}"
    amount = f"{data['progress']:g}/{data['total']:g}" if data["total"] else f"{data['progress']:g}"
    return f"[{data['tool']}] {amount}" + (f" {data['message']}" if data["message"] else "")
