"""A small offline operation for testing adapters' generic behaviour (errors, progress, nested schemas).

Adapters are loops over the registry; these tests register this operation next to the real ones (with
``monkeypatch.setitem(OPERATIONS, ...)``) to reach paths the real operations take only under conditions that
are hard to provoke: an unexpected crash, a chosen number of progress reports, a nested input model.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import InvalidTimeRangeError, ServiceUnavailableError
from gemini_audio_tools.operations import Hints, Operation
from gemini_audio_tools.progress import ProgressEvent

PROBE = "probe_echo"


class Window(BaseModel):
    """A nested part of the input, so schemas carry a ``$ref``."""

    seconds: float = Field(default=1.0, description="Window length in seconds.", gt=0)


class ProbeInput(BaseModel):
    """Echo the text back (test operation)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="Text to echo.", min_length=1)
    outcome: Literal["ok", "caller", "remote", "crash", "noisy"] = Field(
        default="ok",
        description="How the call ends: success, a caller-fixable error, a remote error, a bug, or success "
        "after writing stray output to stdout (as a careless library might).",
    )
    steps: int = Field(default=0, ge=0, le=10, description="Progress reports to send before finishing.")
    events: bool = Field(
        default=False, description="Report as events: an upload of `steps` MB, then `steps` chunks."
    )
    loud: bool = Field(default=False, description="Echo in upper case.")
    window: Window | None = Field(default=None, description="An optional nested object.")


class ProbeOutput(BaseModel):
    echoed: str = Field(description="The text.")
    steps: int = Field(description="Progress reports sent.")

    def to_text(self) -> str:
        return f"echo: {self.echoed}"


async def run_probe(args: ProbeInput, ctx: RunContext) -> ProbeOutput:
    if args.events:
        size = args.steps * 1_000_000
        for step in range(args.steps + 1):
            await ctx.report(ProgressEvent("upload", step * 1_000_000, size, "bytes", subject="probe.wav"))
        await ctx.report(ProgressEvent("processing", subject="probe.wav"))
        for step in range(args.steps + 1):
            await ctx.report(ProgressEvent("chunks", step, args.steps, "chunks", subject="probe.wav"))
    else:
        for step in range(1, args.steps + 1):
            await ctx.report(step, args.steps, f"step {step}")
    if args.outcome == "caller":
        raise InvalidTimeRangeError("end 12:30 is past the audio's end 10:28; pass an end of at most 10:28.")
    if args.outcome == "remote":
        raise ServiceUnavailableError(
            "The Gemini API is unavailable (503) after 4 attempts; try again later."
        )
    if args.outcome == "crash":
        raise RuntimeError("secret internal detail")
    if args.outcome == "noisy":
        print("stray print from a library", flush=True)
        os.write(1, b"stray bytes written to fd 1\n")
    return ProbeOutput(echoed=args.text.upper() if args.loud else args.text, steps=args.steps)


PROBE_OPERATION: Operation[ProbeInput, ProbeOutput] = Operation(
    name=PROBE,
    input_model=ProbeInput,
    output_model=ProbeOutput,
    run=run_probe,
    hints=Hints(read_only=True, idempotent=True, open_world=False),
    title="Probe echo",
)
