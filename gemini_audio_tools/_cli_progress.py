"""Progress of long work (uploads, chunked jobs) on stderr for ``gemini-audio``.

On a terminal: one bar redrawn in place. Otherwise (pipes, CI logs): one plain line per report, so logs stay
readable. The bar never goes to stdout, which carries only the result (and ``--json`` stays parseable).
"""

from __future__ import annotations

from typing import TextIO


class StderrProgress:
    """A progress sink (see ``gemini_audio_tools.context.ProgressSink``) drawing on ``stream``."""

    def __init__(self, stream: TextIO, *, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.tty = stream.isatty()
        self._drawn = False

    async def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        self.stream.write(self.render(progress, total, message))
        self.stream.flush()
        self._drawn = self.tty

    def render(self, progress: float, total: float | None, message: str | None) -> str:
        """The text written for one report: a bar redrawn with ``\\r`` on a TTY, else a line."""
        suffix = f" {message}" if message else ""
        if not self.tty:
            amount = f"{progress:g}/{total:g}" if total else f"{progress:g}"
            return f"{self.label}: {amount}{suffix}\n"
        if total:
            fraction = min(max(progress / total, 0.0), 1.0)
            filled = round(fraction * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            return f"\r\x1b[K{self.label} [{bar}] {fraction:4.0%}{suffix}"
        return f"\r\x1b[K{self.label} {progress:g}{suffix}"

    def close(self) -> None:
        """End the bar's line so later output starts on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
