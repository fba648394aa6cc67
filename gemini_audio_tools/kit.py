"""What every adapter needs around an operation, written once: the adapters are protocol translation only.

* :class:`Operation` is one registry entry. ``await op.invoke(arguments, ctx)`` validates raw arguments (one
  readable :class:`~.errors.InvalidArgumentError` for all of pydantic's complaints), runs the operation and
  returns a :class:`Result`: the concise text for a model, the structured output, and the complete artifact
  (for one page of a long transcript, the whole transcript).
* :func:`run_sync` is the one way to run a coroutine from blocking code, inside a running loop or not.
* ``cli_name`` is the entry's command-line name; :meth:`Operation.audio_sources` gives the values of the
  input fields marked :data:`AUDIO_SOURCE` (a local path or URL), so no adapter knows field names.
* :class:`LazyRun` names a run function by ``"module:function"`` under ``_ops`` and imports it on first call.

Decisions (and why): errors are *not* translated here: raising ``ToolException`` (LangChain), returning
``isError`` (MCP) or printing to stderr (CLI) is each protocol's own business; the kit only guarantees that
every expected failure is a :class:`~.errors.GeminiAudioError` whose message a model can act on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .context import RunContext
from .errors import InvalidArgumentError
from .schemas import AUDIO_SOURCE
from .transcript_store import complete

InputT = TypeVar("InputT", bound=BaseModel)
OutputT = TypeVar("OutputT", bound=BaseModel)
T = TypeVar("T")

RunFunction = Callable[[Any, RunContext], Awaitable[Any]]


@dataclass(frozen=True)
class Hints:
    """Behaviour hints, mirrored to MCP ToolAnnotations and LangChain tool metadata."""

    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = True
    """True when the operation talks to the Gemini API (an external system)."""


def text_of(output: BaseModel) -> str:
    """The concise text for a model: ``output.to_text()`` where the output model has one, else its JSON."""
    to_text = getattr(output, "to_text", None)
    return str(to_text()) if callable(to_text) else output.model_dump_json(exclude_none=True)


def body_of(output: BaseModel) -> str:
    """The result alone (``output.body()``), for a person's stdout: notes are :func:`remarks_of`."""
    body = getattr(output, "body", None)
    return str(body()) if callable(body) else text_of(output)


def remarks_of(output: BaseModel) -> list[str]:
    """What the caller should know beside the result (``output.remarks()``), for a person's stderr."""
    remarks = getattr(output, "remarks", None)
    return [str(r) for r in remarks()] if callable(remarks) else []


@dataclass(frozen=True)
class Result(Generic[OutputT]):
    """One finished call: what it returned, and the complete result behind it."""

    output: OutputT
    """What this call returns (for a long transcript, one page)."""
    artifact: BaseModel
    """The complete result: ``output`` itself, or the whole transcript a page was cut from."""

    @property
    def text(self) -> str:
        """Concise text for the calling model (of ``output``)."""
        return text_of(self.output)

    @property
    def structured(self) -> dict[str, Any]:
        """``output`` as JSON-ready data (MCP ``structuredContent``)."""
        return self.output.model_dump(mode="json")


@dataclass(frozen=True)
class Operation(Generic[InputT, OutputT]):
    """One tool: input model (its docstring is the tool description), output model, run function, hints."""

    name: str
    input_model: type[InputT]
    output_model: type[OutputT]
    run: Callable[[InputT, RunContext], Awaitable[OutputT]]
    hints: Hints
    title: str = ""
    cli_name: str = ""
    """Command-line name (``gemini-audio NAME``); empty: the tool name in kebab-case."""

    @property
    def description(self) -> str:
        """The tool description an LLM reads: the input model's docstring."""
        return inspect.cleandoc(self.input_model.__doc__ or self.name)

    @property
    def input_schema(self) -> dict[str, Any]:
        """The input model's JSON schema as tools are listed: :func:`compact_schema` of it."""
        return compact_schema(self.input_model.model_json_schema())

    @property
    def output_schema(self) -> dict[str, Any]:
        """The output model's JSON schema without titles and the repeated description. Null options stay:
        the structured output holds its unset fields as nulls, and MCP clients validate it."""
        return compact_schema(self.output_model.model_json_schema(), drop_null_options=False)

    @property
    def command(self) -> str:
        """The subcommand that runs this operation."""
        return self.cli_name or self.name.replace("_", "-")

    def parse(self, arguments: Mapping[str, Any]) -> InputT:
        """Validate raw arguments.

        Raises:
            InvalidArgumentError: every problem pydantic found, in one message a model can act on.
        """
        try:
            return self.input_model.model_validate(dict(arguments))
        except ValidationError as exc:
            raise InvalidArgumentError(format_validation_error(self.name, exc)) from None

    def audio_sources(self, arguments: Mapping[str, Any]) -> list[str]:
        """The raw values given for fields marked :data:`AUDIO_SOURCE` (strings, lists flattened)."""
        found: list[str] = []
        for name, field in self.input_model.model_fields.items():
            if AUDIO_SOURCE not in field.metadata or name not in arguments:
                continue
            value = arguments[name]
            values = value if isinstance(value, (list, tuple)) else [value]
            found.extend(v for v in values if isinstance(v, str))
        return found

    async def __call__(self, arguments: Mapping[str, Any] | InputT, ctx: RunContext | None = None) -> OutputT:
        """Run with raw (or already validated) arguments; return the output model.

        Raises:
            GeminiAudioError: any expected failure (bad arguments included).
        """
        args = arguments if isinstance(arguments, self.input_model) else self.parse(arguments)  # type: ignore[arg-type]
        return await self.run(args, ctx or RunContext())

    async def invoke(
        self, arguments: Mapping[str, Any] | InputT, ctx: RunContext | None = None
    ) -> Result[OutputT]:
        """Run and return the :class:`Result` every adapter renders (text, structured output, artifact).

        Raises:
            GeminiAudioError: any expected failure (bad arguments included).
        """
        output = await self(arguments, ctx)
        return Result(output=output, artifact=complete(output))


def compact_schema(schema: dict[str, Any], *, drop_null_options: bool = True) -> dict[str, Any]:
    """``schema`` without what costs every agent tokens on every turn and tells it nothing: ``title``s (the
    property names say it), the top-level ``description`` (the tool's description already is the model's
    docstring), and ``anyOf [X, null]`` with ``default: null`` on optional fields (X alone says it: an
    omitted field is the default). The input model still validates the arguments, explicit nulls included."""

    def walk(node: Any, top: bool = False) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {k: v for k, v in node.items() if not (k == "title" and isinstance(v, str))}
        if top:
            node.pop("description", None)
        options = node.get("anyOf")
        if (
            drop_null_options
            and isinstance(options, list)
            and len(options) == 2
            and {"type": "null"} in options
            and node.get("default", ...) is None
        ):
            (kept,) = [option for option in options if option != {"type": "null"}]
            node = {k: v for k, v in node.items() if k not in ("anyOf", "default")} | kept
        return {key: walk(value) for key, value in node.items()}

    compacted: dict[str, Any] = walk(schema, top=True)
    return compacted


def format_validation_error(tool: str, exc: ValidationError) -> str:
    """pydantic's errors as one sentence naming each field: "Invalid arguments for X: start: …; end: …."."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        problems.append(f"{where}: {err['msg']}")
    return f"Invalid arguments for {tool}: " + "; ".join(problems) + "."


class LazyRun:
    """A run function named ``"module:function"`` in ``gemini_audio_tools._ops``, imported on first call."""

    def __init__(self, target: str) -> None:
        self.module, _, self.function = target.partition(":")
        self.__name__ = self.__qualname__ = self.function

    def resolve(self) -> RunFunction:
        """The run function itself (imports its module)."""
        module = importlib.import_module(f"{__package__}._ops.{self.module}")
        function: RunFunction = getattr(module, self.function)
        return function

    async def __call__(self, args: Any, ctx: RunContext) -> Any:
        return await self.resolve()(args, ctx)

    def __repr__(self) -> str:
        return f"LazyRun({self.module}:{self.function})"


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from blocking code: on a new loop, or in a worker thread when this thread
    already runs one (a Jupyter cell, a sync LangChain tool called from async code)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
