"""Long audio through the LangChain adapter: per-chunk progress as custom events, the page as content and
the complete transcript as the artifact."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import ToolMessage

from gemini_audio_tools._ops import transcribe
from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools.config import Settings
from gemini_audio_tools.langchain import PROGRESS_EVENT, GeminiAudioToolkit
from gemini_audio_tools.schemas import TranscribeAudioOutput
from tests.fixtures.audio import SpeechAudio


class _Events(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if name == PROGRESS_EVENT:
            self.events.append(data)


async def test_a_paged_transcript_is_the_content_and_the_complete_one_the_artifact(
    long_speech_wav: SpeechAudio, emulator_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0, page_chars=500)
    monkeypatch.setattr(transcribe, "LIMITS", small)
    tool = GeminiAudioToolkit(settings=emulator_settings, operations=["transcribe_audio"]).get_tools()[0]
    recorder = _Events()
    call = {"type": "tool_call", "id": "c1", "name": tool.name, "args": {"audio": str(long_speech_wav.path)}}
    message = await tool.ainvoke(call, config={"callbacks": [recorder]})
    assert isinstance(message, ToolMessage) and isinstance(message.artifact, TranscribeAudioOutput)
    whole = message.artifact
    assert whole.next_cursor is None and len(whole.chunks) >= 3
    assert "cursor=" in str(message.content) and whole.text not in str(message.content)
    assert "welcome" in whole.text.lower() and "listening" in whole.text.lower()
    n = len(whole.chunks)
    assert [(e["phase"], e["done"], e["total"]) for e in recorder.events] == [
        ("chunks", i, n) for i in range(n + 1)
    ]
    assert [e["progress"] for e in recorder.events][-1] == 100 and all(
        "chunk" in e["message"] for e in recorder.events
    )
