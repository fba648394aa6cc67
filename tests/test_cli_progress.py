"""Progress on stderr: a bar redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import asyncio
import io

from gemini_audio_tools._cli_progress import StderrProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_the_line_ended_once() -> None:
    stream = _Terminal()
    progress = StderrProgress(stream, label="upload", width=10)
    asyncio.run(progress(5, 10, "5 of 10 MB"))
    asyncio.run(progress(10, 10))
    progress.close()
    progress.close()
    assert stream.getvalue() == (
        "\r\x1b[Kupload [#####.....]  50% 5 of 10 MB" + "\r\x1b[Kupload [##########] 100%" + "\n"
    )


def test_without_a_total_the_bar_shows_the_count() -> None:
    progress = StderrProgress(_Terminal(), label="transcribe")
    assert progress.render(3, None, "chunk 3") == "\r\x1b[Ktranscribe 3 chunk 3"


def test_elsewhere_each_report_is_a_line_and_nothing_is_added_at_the_end() -> None:
    stream = io.StringIO()
    progress = StderrProgress(stream, label="upload")
    asyncio.run(progress(1, 4, "chunk"))
    progress.close()
    assert stream.getvalue() == "upload: 1/4 chunk\n"
