"""langchain-tests' standard ToolsUnitTests and ToolsIntegrationTests, for every registered operation.

A class per operation is generated from the registry, so a new operation is covered without edits. The
integration suite runs each tool against the emulator on the bundled sample. The standard suite accepts a
handled error as a valid ToolMessage, so each class also checks that the example call really succeeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from gemini_audio_tools import Settings
from gemini_audio_tools.demo import SAMPLE, SAMPLES_DIR
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.langchain import GeminiAudioTool
from gemini_audio_tools.operations import OPERATIONS
from tests.fixtures.emulator import TEST_API_KEY

EXAMPLES: dict[str, dict[str, Any]] = {
    "inspect_audio": {"audio": str(SAMPLE)},
    "upload_audio": {"audio": str(SAMPLE), "display_name": "standard suite"},
    "list_audio_files": {"page_size": 5},
    "delete_audio_file": {"name": "files/standard-suite-missing"},
    "count_audio_tokens": {"audio": str(SAMPLE), "prompt": "Transcribe this.", "exact": True},
    "transcribe_audio": {"audio": str(SAMPLE), "start": "00:00", "end": "00:04", "timestamps": True},
    "describe_audio": {"audio": str(SAMPLE), "end": "00:04"},
    "ask_about_audio": {"audio": str(SAMPLE), "end": "00:04", "question": "What is this recording about?"},
}
"""Valid example arguments per operation; any other operation gets generic ones (``example_for``)."""


def example_for(operation: str) -> dict[str, Any]:
    if operation in EXAMPLES:
        return EXAMPLES[operation]
    fields = OPERATIONS[operation].input_model.model_fields
    return {
        name: str(SAMPLE) if name == "audio" else "example" for name, f in fields.items() if f.is_required()
    }


class _Unit(ToolsUnitTests):
    operation: ClassVar[str]

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiAudioTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"operation": self.operation}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return example_for(self.operation)


class _Integration(ToolsIntegrationTests):
    operation: ClassVar[str]

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiAudioTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"operation": self.operation}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return example_for(self.operation)

    @pytest.fixture
    def tool(self, emulator: EmulatorServer, tmp_path: Path) -> BaseTool:
        settings = Settings(
            api_key=TEST_API_KEY, base_url=emulator.base_url, allowed_dirs=(SAMPLES_DIR,), cache_dir=tmp_path
        )
        return GeminiAudioTool(operation=self.operation, settings=settings)  # type: ignore[call-arg]

    def test_the_example_call_succeeds_with_the_output_model_as_artifact(self, tool: BaseTool) -> None:
        message = tool.invoke(
            {"type": "tool_call", "id": "1", "name": tool.name, "args": self.tool_invoke_params_example}
        )
        assert isinstance(message, ToolMessage)
        assert message.status == "success", message.content
        assert isinstance(message.artifact, OPERATIONS[self.operation].output_model)
        assert isinstance(message.content, str) and message.content


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


for _name in OPERATIONS:
    globals()[f"Test{_camel(_name)}Unit"] = type(f"Test{_camel(_name)}Unit", (_Unit,), {"operation": _name})
    globals()[f"Test{_camel(_name)}Integration"] = type(
        f"Test{_camel(_name)}Integration", (_Integration,), {"operation": _name}
    )
