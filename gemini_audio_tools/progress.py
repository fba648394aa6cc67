"""Progress of long work as events each adapter renders its own way.

A job goes through phases: ``download`` (URL input), ``upload`` (Files API), ``processing`` (waiting for an
upload to become ACTIVE), ``chunks`` (requests, one per span of audio). A :class:`ProgressEvent` says which
phase, how far (``done`` of ``total`` ``unit``), about what (``subject``, a display name) and the latest news
(``detail``). The CLI draws a bar per phase with sizes and times; an MCP client gets ``progress``/``total``
(:meth:`ProgressEvent.overall`, increasing across phases, as the MCP spec requires) and the event's text;
LangChain callbacks get :meth:`ProgressEvent.as_dict`.

Delivery (:func:`deliver`) keeps the plain ``(progress, total, message)`` sinks working: a sink with an
``on_event`` method gets the event itself, any other sink gets the numbers and the text.

Names shown are display names, never temporary files (a local cut is sent as ``gemini-audio-clip-….flac``):
:func:`shown_name` hides those, and :func:`scrub_temp_names` removes them from free text.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from .sizes import format_size

Phase = Literal["download", "upload", "processing", "chunks"]
Unit = Literal["bytes", "chunks"]

PHASES: tuple[Phase, ...] = ("download", "upload", "processing", "chunks")
"""In the order a job goes through them (any may be skipped)."""

_BANDS: dict[Phase, tuple[float, float]] = {
    "download": (0.0, 19.0),
    "upload": (20.0, 44.0),
    "processing": (45.0, 49.0),
    "chunks": (50.0, 100.0),
}
"""Each phase's share of :meth:`ProgressEvent.overall`'s 0-100 scale; the gaps make the end of one phase
and the start of the next two different values (MCP wants every notification's progress higher)."""

_VERBS: dict[Phase, str] = {
    "download": "downloading",
    "upload": "uploading",
    "processing": "processing",
    "chunks": "working on",
}

_OUR_TEMP = r"gemini-audio-[a-z]+-[a-z0-9_]{8}\.\w{2,5}"
"""``tempfile.mkstemp(prefix="gemini-audio-<what>-")``: eight random characters after the prefix."""
_TEMP_IN_TEXT = re.compile(rf"(?:[\w.~/\\:-]*[/\\])?{_OUR_TEMP}\b")
_PYTHON_TEMP = re.compile(r"tmp[a-z0-9_]{8}(?:\.\w{2,5})?")


@dataclass(frozen=True)
class ProgressEvent:
    """One step of long work. ``total`` None: not known (e.g. waiting for processing)."""

    phase: Phase
    done: float = 0
    total: float | None = None
    unit: Unit | None = None
    subject: str | None = None
    """What the work is about, as the person named it ("talk.m4a", "files/abc"); temp names are dropped."""
    detail: str | None = None
    """The latest news in words ("chunk 2/3 (0:30–1:00): ok", "reused files/abc")."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", shown_name(self.subject))
        if self.detail is not None:
            object.__setattr__(self, "detail", scrub_temp_names(self.detail))

    @property
    def fraction(self) -> float | None:
        """``done / total`` in [0, 1], or None when the total is unknown."""
        if not self.total:
            return None
        return min(max(self.done / self.total, 0.0), 1.0)

    def amount(self) -> str:
        """How far, in the unit's words: "4.2 MB of 19.6 MB", "1 of 2 chunks", or "" for a wait."""
        if self.unit == "bytes":
            done = format_size(int(self.done))
            return done if self.total is None else f"{done} of {format_size(int(self.total))}"
        if self.unit == "chunks":
            total = "" if self.total is None else f" of {self.total:g}"
            return f"{self.done:g}{total} chunk{'' if self.total == 1 else 's'}"
        return ""

    def describe(self) -> str:
        """The event in one line of words, e.g. "uploading talk.m4a: 4.2 MB of 19.6 MB (21%)"."""
        head = _VERBS[self.phase] + (f" {self.subject}" if self.subject else "")
        amount = self.amount()
        if amount and self.fraction is not None:
            amount += f" ({self.fraction:.0%})"
        parts = [p for p in (amount, self.detail) if p]
        return f"{head}: {', '.join(parts)}" if parts else head

    def overall(self) -> tuple[float, float]:
        """``(progress, 100)`` along the whole job: the phase's band, filled by its fraction. It increases
        across phases as long as they come in :data:`PHASES` order (skipped phases just jump ahead)."""
        low, high = _BANDS[self.phase]
        fraction = self.fraction or 0.0
        return round(low + (high - low) * fraction, 2), 100.0

    def as_dict(self) -> dict[str, Any]:
        """The fields plus ``message`` (:meth:`describe`) and ``percent`` along the job (:meth:`overall`)."""
        progress, _ = self.overall()
        data = asdict(self)
        data.update(message=self.describe(), percent=progress)
        return data


class EventSink(Protocol):
    """A progress sink that renders events itself (the CLI's bar does)."""

    async def on_event(self, event: ProgressEvent) -> None: ...


PlainSink = Callable[..., Awaitable[None]]


async def deliver(
    sink: PlainSink, progress: float | ProgressEvent, total: float | None = None, message: str | None = None
) -> None:
    """Hand one report to ``sink``: an event to its ``on_event`` when it has one, else as numbers and text."""
    if not isinstance(progress, ProgressEvent):
        await sink(progress, total, message)
        return
    on_event = getattr(sink, "on_event", None)
    if on_event is not None:
        await on_event(progress)
        return
    value, whole = progress.overall()
    await sink(value, whole, progress.describe())


def shown_name(name: str | os.PathLike[str] | None) -> str | None:
    """The name to show for ``name``: a Files API name as is, a path by its base name, a temp file not at
    all (None)."""
    if name is None:
        return None
    text = os.fspath(name)
    if text.startswith(("files/", "http://", "https://")):
        return text
    if looks_temporary(text):
        return None
    return Path(text).name or text


def looks_temporary(path: str | os.PathLike[str]) -> bool:
    """True for a file this library made (``gemini-audio-clip-….flac``), or one ``tempfile`` named in the
    temp directory: a name no person chose, which means nothing to them."""
    file = Path(os.fspath(path))
    if re.fullmatch(_OUR_TEMP, file.name):
        return True
    return bool(_PYTHON_TEMP.fullmatch(file.name)) and file.parent == Path(tempfile.gettempdir())


def scrub_temp_names(text: str) -> str:
    """``text`` with this library's temp file names (and their directories) replaced by "the clip"."""
    return _TEMP_IN_TEXT.sub("the clip", text)


class ReadProgress(io.FileIO):
    """A file opened for reading that reports each read's starting offset (the bytes already handed on).

    Pass it where a binary file is expected, e.g. ``client.aio.files.upload(file=ReadProgress(path, cb))``:
    the SDK reads and sends the file in chunks, so the offset at each read is what was sent so far.
    ``on_read`` runs in the reading thread and must not block (schedule async work, don't await it).
    """

    def __init__(self, path: str | os.PathLike[str], on_read: Callable[[int], None]) -> None:
        super().__init__(os.fspath(path), "rb")
        self._on_read = on_read

    def read(self, size: int | None = -1, /) -> bytes:
        self._on_read(self.tell())
        return super().read(size)


def upload_reader(
    path: str | os.PathLike[str],
    report: Callable[[ProgressEvent], Coroutine[Any, Any, None]],
    *,
    subject: str | None,
) -> ReadProgress:
    """:class:`ReadProgress` reporting ``upload`` events through the async ``report`` (e.g. ``ctx.report``)
    from inside the running event loop; call it in a coroutine."""
    loop = asyncio.get_running_loop()
    size = os.stat(path).st_size
    pending: set[asyncio.Task[None]] = set()

    def on_read(offset: int) -> None:
        if offset >= size:
            return
        event = ProgressEvent("upload", offset, size, "bytes", subject=subject)
        task = loop.create_task(report(event))
        pending.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(pending.discard)

    return ReadProgress(path, on_read)
