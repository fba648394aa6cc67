"""A LangChain tool-calling agent that listens to a recording with gemini-audio-tools.

    python examples/langchain_agent.py [AUDIO] ["question"]

With ``GEMINI_API_KEY`` set and ``langchain-google-genai`` installed, Gemini itself drives the agent and the
tools call the real API. Otherwise everything stays offline: the tools talk to the bundled Gemini emulator,
and a *scripted* chat model stands in for the LLM (it calls inspect_audio, then transcribe_audio, then
answers from the transcript) so you can watch the tool-calling loop without a key. The tools, their
validation, errors and results are the real ones either way.

The loop below is what ``langchain.agents.create_agent`` (or LangGraph's ``create_react_agent``) runs for you;
with ``langchain`` installed, ``create_agent(model, tools)`` works with the same tools.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from gemini_audio_tools import GeminiAudioToolkit, Settings
from gemini_audio_tools.demo import SAMPLE
from gemini_audio_tools.emulator.server import EmulatorServer


class ScriptedToolCaller(GenericFakeChatModel):
    """Stand-in for an LLM when no key is set: inspect, transcribe, then answer from the transcript."""

    messages: Any = iter(())

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedToolCaller:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        audio = str(messages[0].additional_kwargs["audio"])
        done = {m.name: m for m in messages if isinstance(m, ToolMessage)}
        failed = [m for m in done.values() if m.status == "error"]
        if failed:  # a real LLM would read the error and fix its call, or tell you; this one tells you
            reply = AIMessage(f"(scripted model) I could not listen to the recording: {failed[0].content}")
        elif "inspect_audio" not in done:
            call = {"name": "inspect_audio", "args": {"audio": audio}, "id": "c1"}
            reply = AIMessage("", tool_calls=[call])
        elif "transcribe_audio" not in done:
            arguments = {"audio": audio, "timestamps": True}
            reply = AIMessage("", tool_calls=[{"name": "transcribe_audio", "args": arguments, "id": "c2"}])
        else:
            reply = AIMessage(
                "(scripted model) The recording says:\n"
                f"{done['transcribe_audio'].content}\n"
                "A real LLM would now answer your question from this transcript."
            )
        return ChatResult(generations=[ChatGeneration(message=reply)])


def pick_model() -> BaseChatModel:
    if os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"):
        try:
            from langchain_google_genai import ChatGoogleGenerativeAI  # type: ignore[import-not-found]
        except ImportError:
            print("(langchain-google-genai is not installed: using the scripted model)", file=sys.stderr)
        else:
            model: BaseChatModel = ChatGoogleGenerativeAI(model="gemini-flash-latest")
            return model
    return ScriptedToolCaller()


def run_agent(
    model: BaseChatModel, toolkit: GeminiAudioToolkit, audio: str, question: str
) -> tuple[str, bool]:
    """The tool-calling loop: the model asks for tools, we run them, until it answers in plain text.

    Returns the answer and whether the last tool call failed (the answer then explains a failure).
    """
    tools = {tool.name: tool for tool in toolkit.get_tools()}
    bound = model.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [
        HumanMessage(f"{question}\n\nThe recording is at: {audio}", additional_kwargs={"audio": audio})
    ]
    failed = False
    for _ in range(8):  # a bound on the number of model turns
        reply = bound.invoke(messages)
        messages.append(reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            return str(reply.content), failed
        for call in reply.tool_calls:
            print(f"-> {call['name']}({call['args']})")
            result = tools[call["name"]].invoke({**call, "type": "tool_call"})
            failed = result.status == "error"  # the tool's error goes back to the model, as agents do
            print(f"<- {'ERROR: ' if failed else ''}{str(result.content)[:200]}")
            messages.append(result)
    return "(stopped after 8 turns)", failed


def main() -> None:
    audio = sys.argv[1] if len(sys.argv) > 1 else str(SAMPLE)
    question = sys.argv[2] if len(sys.argv) > 2 else "What is said in this recording?"
    model = pick_model()
    with ExitStack() as stack:
        settings = Settings.from_env().with_(allowed_dirs=(Path(audio).resolve().parent,))
        if isinstance(model, ScriptedToolCaller) or not settings.api_key:
            emulator = stack.enter_context(EmulatorServer())
            cache = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            settings = settings.with_(base_url=emulator.base_url, api_key="emulator-key", cache_dir=cache)
            print(f"(offline: tools use the Gemini emulator at {emulator.base_url})")
        answer, failed = run_agent(model, GeminiAudioToolkit(settings=settings), audio, question)
    print(answer)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
