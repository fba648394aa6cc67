"""Progress of long work on stderr for ``gemini-audio``: what a person watching it, or reading a log, needs.

On a terminal: a live display from the start (0 %), one row per phase (upload bytes, processing wait, chunks
done/total) with elapsed time and the time left, redrawn in place a few times a second by ``rich``, which is
imported only here and only on a terminal (the MCP server and the library never pay for it). Elsewhere
(pipes, CI logs): plain lines, one when something happens and at least one every ``interval`` seconds
while a step takes long, so a log shows the job is alive. Nothing before the first report or the first
interval: a quick command stays silent. Sizes and times are in the library's one style
(:func:`~.sizes.format_size`, :func:`~.timecode.format_timecode`); temp file names never appear. The
display never goes to stdout, which carries only the result (``--json`` and SRT stay parseable).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .progress import ProgressEvent, scrub_temp_names
from .timecode import format_timecode

Clock = Callable[[], float]


@dataclass
class _Row:
    """What one phase (or, for plain ``(progress, total, message)`` reports, the work) shows now."""

    head: str
    """What is being done, to what: "uploading talk.m4a"."""
    amount: str
    """How far, in words: "4.2 MB of 19.6 MB" ("" when unknown)."""
    detail: str | None
    fraction: float | None
    started: float

    @property
    def finished(self) -> bool:
        return self.fraction == 1.0

    @property
    def text(self) -> str:
        amount = self.amount
        if self.fraction is not None:
            amount = f"{amount} ({self.fraction:.0%})" if amount else f"({self.fraction:.0%})"
        parts = [p for p in (amount, self.detail) if p]
        if not parts:
            return self.head
        return f"{self.head}: {', '.join(parts)}" if self.amount else f"{self.head} {', '.join(parts)}"


def _row(report: ProgressEvent | tuple[float, float | None, str | None], started: float) -> _Row:
    if isinstance(report, ProgressEvent):
        head = report.describe().split(": ", 1)[0]
        return _Row(head, report.amount(), report.detail, report.fraction, started)
    progress, total, message = report
    fraction = min(max(progress / total, 0.0), 1.0) if total else None
    return _Row(scrub_temp_names(message or "working"), "", None, fraction, started)


def _clock_text(seconds: float) -> str:
    return format_timecode(round(max(seconds, 0.0)))


def _time_left(row: _Row, now: float) -> float | None:
    """Seconds left at the rate so far in this phase; None before any progress or when unknown."""
    if row.fraction is None or row.fraction <= 0 or row.finished:
        return None
    return (now - row.started) * (1 - row.fraction) / row.fraction


class StderrProgress:
    """A progress sink (see ``gemini_audio_tools.context.ProgressSink``) drawing on ``stream``.

    Takes plain ``(progress, total, message)`` reports and :class:`~.progress.ProgressEvent` s
    (``on_event``). ``live=False`` starts no thread (tests drive :meth:`tick` with their own ``clock``).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        label: str,
        interval: float = 5.0,
        clock: Clock = time.monotonic,
        live: bool = True,
    ) -> None:
        self.stream = stream
        self.label = label
        self.interval = interval
        self.clock = clock
        self.tty = stream.isatty()
        self.started = clock()
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._last_line: float = self.started
        self._current: str | None = None
        self._view: _TerminalView | None = _TerminalView(self, live=live) if self.tty else None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if live and not self.tty:
            self._ticker = threading.Thread(
                target=self._tick_until_closed, name="progress-ticker", daemon=True
            )
            self._ticker.start()

    async def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        self.update("work", (progress, total, message))

    async def on_event(self, event: ProgressEvent) -> None:
        self.update(event.phase, event)

    def update(self, key: str, report: ProgressEvent | tuple[float, float | None, str | None]) -> None:
        """Record a report for ``key`` (a phase) and show it: the terminal row, or a line when it says
        something new (a new phase or detail, the end of one) or an interval has passed."""
        now = self.clock()
        with self._lock:
            if self._closed:
                return
            previous = self._rows.get(key)
            row = _row(report, previous.started if previous else now)
            self._rows[key] = row
            self._current = key
            if self._view is not None:
                self._view.show(key, row)
                return
            news = (
                previous is None or row.finished or (row.head, row.detail) != (previous.head, previous.detail)
            )
            if news or now - self._last_line >= self.interval:
                self._write_line(row, now)

    def tick(self) -> None:
        """Called every second or so: on a pipe, repeat the current state once an interval has passed."""
        now = self.clock()
        with self._lock:
            if self._closed or self._view is not None or now - self._last_line < self.interval:
                return
            row = self._rows.get(self._current) if self._current else None
            self._write_line(row, now)

    def _write_line(self, row: _Row | None, now: float) -> None:
        parts = [row.text if row else "working", f"{_clock_text(now - self.started)} elapsed"]
        left = _time_left(row, now) if row else None
        if left is not None and left >= 1:
            parts.append(f"about {_clock_text(left)} left")
        self.stream.write(f"{self.label}: {', '.join(parts)}\n")
        self.stream.flush()
        self._last_line = now

    def _tick_until_closed(self) -> None:
        while not self._stop.wait(1.0):
            self.tick()

    def close(self) -> None:
        """Stop the display; a terminal keeps the final rows (or nothing, if nothing was reported)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._view is not None:
            self._view.close(keep=bool(self._rows))


class _TerminalView:
    """The rich display: one task per phase; rich's own thread redraws it (elapsed time keeps moving)."""

    def __init__(self, owner: StderrProgress, *, live: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn
        from rich.table import Column

        self.owner = owner
        console = Console(file=owner.stream, force_terminal=True, highlight=False, soft_wrap=False)
        self.progress = Progress(
            TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=2)),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[percent]:>4}"),
            TextColumn(
                "{task.fields[amount]}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)
            ),
            _TimesColumn(owner),
            console=console,
            get_time=owner.clock,
            auto_refresh=live,
            refresh_per_second=4,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.tasks[""] = self._add(f"{owner.label}: starting", total=1.0, percent="0%")
        self.progress.start()
        self.refresh()

    def _add(self, description: str, total: float | None, percent: str = "") -> Any:
        return self.progress.add_task(description, total=total, percent=percent, amount="")

    def show(self, key: str, row: _Row) -> None:
        description = f"{self.owner.label}: {row.head}"
        percent = "" if row.fraction is None else f"{row.fraction:.0%}"
        amount = ", ".join(p for p in (row.amount, row.detail) if p)
        task = self.tasks.get(key)
        if task is None:
            # The first phase takes over the "starting" row, so the display begins at 0 % without a gap.
            task = self.tasks.pop("", None)
            if task is None:
                task = self._add(description, total=None)
            else:
                self.progress.reset(task, start=True)
            self.tasks[key] = task
        self.progress.update(
            task, description=description, completed=row.fraction or 0.0, percent=percent, amount=amount
        )
        for state in self.progress.tasks:
            if state.id == task:
                state.total = None if row.fraction is None else 1.0  # None: a pulsing bar (a wait)
        self.refresh()

    def refresh(self) -> None:
        self.progress.refresh()

    def close(self, *, keep: bool) -> None:
        if not keep:
            for task in list(self.progress.task_ids):
                self.progress.remove_task(task)
        self.progress.refresh()
        self.progress.stop()


def _make_times_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class TimesColumn(ProgressColumn):
        """Elapsed time of the phase and, while it runs at a known rate, the time left."""

        def __init__(self, owner: StderrProgress) -> None:
            super().__init__()
            self.owner = owner

        def render(self, task: Any) -> Text:
            finished = task.finished and task.finished_time is not None
            elapsed = (task.finished_time if finished else task.elapsed) or 0.0
            text = _clock_text(elapsed)
            fraction = task.percentage / 100 if task.total else None
            if fraction and 0 < fraction < 1:
                text += f"  ETA {_clock_text(elapsed * (1 - fraction) / fraction)}"
            return Text(text)

    return TimesColumn


def _TimesColumn(owner: StderrProgress) -> Any:  # a column class made on first use (rich is imported lazily)
    return _make_times_column()(owner)
