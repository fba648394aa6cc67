"""The containers people have (M4A, Ogg Opus, WebM, MP4 video, 3GP), several audio tracks, broken files and
URLs, through the LangChain tools (checks in tests/_formats.py): the artifact is the output model, a library
error is the tool's error message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from gemini_audio_tools.config import Settings
from gemini_audio_tools.langchain import GeminiAudioToolkit
from tests import _formats as formats
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.web import WebServer

pytest.importorskip("faster_whisper")


def _tools(settings: Settings) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in GeminiAudioToolkit(settings=settings).get_tools()}


async def _call(tool: BaseTool, **arguments: Any) -> ToolMessage:
    call = {"type": "tool_call", "id": "c1", "name": tool.name, "args": arguments}
    message = await tool.ainvoke(call)
    assert isinstance(message, ToolMessage)
    return message


async def _output(tool: BaseTool, **arguments: Any) -> dict[str, Any]:
    message = await _call(tool, **arguments)
    assert message.status == "success" and message.artifact is not None, message.content
    return dict(message.artifact.model_dump(mode="json"))


async def _refused(tool: BaseTool, **arguments: Any) -> str:
    message = await _call(tool, **arguments)
    assert message.status == "error", message
    return str(message.content)


async def test_every_container_has_its_exact_duration_and_is_transcribed_by_range(
    emulator_settings: Settings,
    container_files: dict[str, Path],
    silent_mp4: Path,
    truncated_m4as: dict[str, Path],
) -> None:
    tools = _tools(emulator_settings)
    inspect, transcribe = tools["inspect_audio"], tools["transcribe_audio"]
    for name in formats.CONTAINERS:
        path = str(container_files[name])
        formats.check_inspected(name, await _output(inspect, audio=path))
        ranged = await _output(transcribe, audio=path, start=formats.START, end=formats.END)
        formats.check_ranged(name, ranged)
    video = str(formats.three_track_video())
    formats.check_track(await _output(inspect, audio=video), 1)
    formats.check_track(await _output(inspect, audio=video, track=2), 2)
    formats.check_track_note(await _output(transcribe, audio=video, end="1"), 1)
    formats.check_track_note(await _output(transcribe, audio=video, track=0, end="1"), 0)
    assert "track 5" in await _refused(inspect, audio=video, track=5)
    assert "no audio track" in await _refused(transcribe, audio=str(silent_mp4))
    for cut in truncated_m4as.values():
        message = await _refused(transcribe, audio=str(cut), start="0", end="1")
        assert f"'{cut.name}'" in message and "truncated" in message, message


async def test_a_url_is_transcribed_with_and_without_a_range(
    emulator_settings: Settings, web: WebServer, speech_wav: SpeechAudio
) -> None:
    url = web.add("/memo.m4a", formats.speech_m4a(speech_wav).read_bytes(), "audio/mp4")
    transcribe = _tools(emulator_settings.with_(allowed_hosts=(f"127.0.0.1:{web.port}",)))["transcribe_audio"]
    formats.check_speech(await _output(transcribe, audio=url))
    formats.check_speech(await _output(transcribe, audio=url, start="4", end="8"), 4.0, 8.0)
    assert "GEMINI_AUDIO_ALLOWED_HOSTS" in await _refused(
        _tools(emulator_settings)["inspect_audio"], audio=url
    )
