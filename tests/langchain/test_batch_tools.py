"""The batch tools as LangChain tools: the same job through submit, get and cancel, the output model as the
artifact, and an unknown job as a ToolException message (handle_tool_error) rather than a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage

from gemini_audio_tools import GeminiAudioToolkit, Settings
from gemini_audio_tools.batch.schemas import (
    CancelAudioBatchOutput,
    GetAudioBatchOutput,
    SubmitAudioBatchOutput,
)
from gemini_audio_tools.demo import SAMPLES_DIR
from gemini_audio_tools.emulator.server import EmulatorServer
from tests._examples import example_for
from tests.fixtures.emulator import TEST_API_KEY

BATCH = ["submit_audio_batch", "get_audio_batch", "cancel_audio_batch"]


async def test_the_batch_tools_run_one_job_and_refuse_an_unknown_one(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    settings = Settings(
        api_key=TEST_API_KEY, base_url=emulator.base_url, allowed_dirs=(SAMPLES_DIR,), cache_dir=tmp_path
    )
    tools = {t.name: t for t in GeminiAudioToolkit(settings=settings, operations=BATCH).get_tools()}

    async def call(name: str, args: dict[str, Any]) -> ToolMessage:
        message = await tools[name].ainvoke({"type": "tool_call", "id": "1", "name": name, "args": args})
        assert isinstance(message, ToolMessage)
        return message

    submitted = await call("submit_audio_batch", example_for("submit_audio_batch"))
    assert isinstance(submitted.artifact, SubmitAudioBatchOutput)
    job = submitted.artifact.job
    status = await call("get_audio_batch", {"job": job})
    cancelled = await call("cancel_audio_batch", {"job": job})
    unknown = await call("cancel_audio_batch", {"job": "job-000000000000"})

    assert isinstance(status.artifact, GetAudioBatchOutput) and status.artifact.done == 1
    assert isinstance(cancelled.artifact, CancelAudioBatchOutput) and cancelled.artifact.state == "SUCCEEDED"
    assert unknown.status == "error" and "No batch job 'job-000000000000'" in str(unknown.content)
    assert [t.metadata["destructive"] for t in tools.values() if t.metadata] == [False, False, True]
