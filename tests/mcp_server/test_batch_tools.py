"""The batch tools through a real MCP client (stdio server subprocess, the test emulator): a job submitted,
followed and cancelled in one session, structured output matching the output schema, and an unknown job as
a tool error the model can act on."""

from __future__ import annotations

from pathlib import Path

from gemini_audio_tools.batch.schemas import GetAudioBatchOutput, SubmitAudioBatchOutput
from gemini_audio_tools.emulator.server import EmulatorServer
from tests._examples import example_for
from tests.mcp_server._client import server_env, stdio_session, wire


async def test_a_job_is_submitted_followed_and_cancelled_over_mcp(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    async with stdio_session(server_env(emulator.base_url, tmp_path)) as session:
        submitted = wire(await session.call_tool("submit_audio_batch", example_for("submit_audio_batch")))
        job = submitted["structuredContent"]["job"]
        status = wire(await session.call_tool("get_audio_batch", {"job": job}))
        cancelled = wire(await session.call_tool("cancel_audio_batch", {"job": job}))
        unknown = wire(await session.call_tool("get_audio_batch", {"job": "job-000000000000"}))

    assert submitted["isError"] is False
    assert SubmitAudioBatchOutput.model_validate(submitted["structuredContent"]).uploads == 1
    done = GetAudioBatchOutput.model_validate(status["structuredContent"])
    assert (done.state, done.done) == ("SUCCEEDED", 1)
    assert done.files[0].text and "-->" in done.files[0].text
    assert cancelled["isError"] is False and "Nothing to cancel" in cancelled["content"][0]["text"]
    assert unknown["isError"] is True and "batch list" in unknown["content"][0]["text"]
