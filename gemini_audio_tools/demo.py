"""``gemini-audio demo``: a short scripted tour of every tool on the bundled sample.

Runs on an embedded offline emulator unless an API key is set (then on the real Gemini API; pass
``--emulator`` to stay offline anyway). Each step prints the equivalent command and its result, so the tour
doubles as a cheat sheet. The file it uploads is deleted at the end, also when a step fails.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from ._embedded import embedded_emulator
from .config import Settings
from .context import RunContext
from .errors import GeminiAudioError
from .operations import OPERATIONS

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SAMPLE = SAMPLES_DIR / "speech_demo.mp3"
QUESTION = "Does the speaker mention a meeting?"
RANGE = ("00:07.5", "00:12.5")
"""The last sentence of the sample: a range that starts and ends in pauses."""


@dataclass
class _Tour:
    settings: Settings
    out: TextIO
    sample: str
    uploaded: str | None = None
    failures: list[str] = field(default_factory=list)
    outputs: list[tuple[str, BaseModel]] = field(default_factory=list)
    step: int = 0
    blocked: bool = False
    """A failure every later remote step would repeat (no connection, a rejected key) ended the tour."""

    async def call(self, title: str, operation: str, arguments: dict[str, Any]) -> BaseModel | None:
        """Run one step and print it; a failure is shown and counted, not raised. After a failure every later
        step would repeat (no connection, a rejected key), the remaining steps are not run."""
        if self.blocked:
            return None
        self.step += 1
        print(f"\n== {self.step}. {title} ==", file=self.out)
        print(f"$ gemini-audio {_command_line(operation, arguments)}", file=self.out)
        try:
            result = await OPERATIONS[operation].invoke(arguments, RunContext(settings=self.settings))
        except GeminiAudioError as err:
            self.failures.append(operation)
            print(f"error: {err}", file=self.out)
            if err.blocks_everything:
                self.blocked = True
                print("Skipping the remaining steps: they would fail the same way.", file=self.out)
            return None
        output: BaseModel = result.output
        self.outputs.append((operation, output))
        print(result.text, file=self.out)
        return output

    async def run(self) -> None:
        audio = self.sample
        await self.call("Inspect the file (free, offline)", "inspect_audio", {"audio": audio})
        await self.call("Estimate the token cost (free, offline)", "count_audio_tokens", {"audio": audio})
        first = await self.call("Upload it to the Files API", "upload_audio", {"audio": audio})
        self.uploaded = getattr(first, "name", None)
        await self.call(
            "Upload the same bytes again: the earlier upload is reused", "upload_audio", {"audio": audio}
        )
        try:
            await self.call("Transcribe the whole file", "transcribe_audio", {"audio": audio})
            await self.call(
                f"Transcribe only {RANGE[0]}-{RANGE[1]}, with timestamps on the file's own timeline",
                "transcribe_audio",
                {"audio": audio, "start": RANGE[0], "end": RANGE[1], "timestamps": True},
            )
            remote = self.uploaded or audio
            await self.call(
                "Describe the audio (using the uploaded copy)", "describe_audio", {"audio": remote}
            )
            await self.call(
                "Ask a question about it", "ask_about_audio", {"audio": audio, "question": QUESTION}
            )
            await self.call("List uploaded files", "list_audio_files", {"page_size": 5})
        finally:
            if self.uploaded:
                await self.call("Delete the uploaded file", "delete_audio_file", {"name": self.uploaded})


def _command_line(operation: str, arguments: dict[str, Any]) -> str:
    parts = [OPERATIONS[operation].command]
    for key, value in arguments.items():
        shown = Path(value).name if key == "audio" and value.endswith(".mp3") else str(value)
        if key in ("audio", "name", "question"):
            parts.append(f"'{shown}'" if " " in shown else shown)
        elif value is True:
            parts.append(f"--{key.replace('_', '-')}")
        else:
            parts.append(f"--{key.replace('_', '-')} {shown}")
    return " ".join(parts)


def run_demo(settings: Settings, *, use_emulator: bool, out: TextIO, err: TextIO) -> int:
    """Run the tour; returns 0 if every available step succeeded, else 1.

    Raises:
        ConfigurationError: the embedded emulator could not start.
    """
    offline = use_emulator or not settings.api_key
    settings = settings.with_(allowed_dirs=(*settings.allowed_dirs, SAMPLES_DIR))
    with ExitStack() as stack:
        if offline:
            settings = stack.enter_context(embedded_emulator(settings))
            where = "an embedded offline Gemini emulator (no API key used)"
        else:
            where = f"the Gemini API ({settings.base_url or 'generativelanguage.googleapis.com'})"
        print(f"gemini-audio demo: {SAMPLE.name} on {where}, model {settings.model}", file=out)
        tour = _Tour(settings=settings, out=out, sample=str(SAMPLE))
        asyncio.run(tour.run())
    if tour.failures:
        print(f"\n{len(tour.failures)} step(s) failed: {', '.join(tour.failures)}", file=err)
        return 1
    print(
        "\nDone. Every step above is one command; run `gemini-audio COMMAND --help` for its options.",
        file=out,
    )
    return 0
