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

pytest.importorskip("langchain_tests", reason="langchain-tests is a dev dependency (pip install -e '.[dev]')")
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from gemini_audio_tools import Settings
from gemini_audio_tools.demo import SAMPLES_DIR
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.langchain import GeminiAudioTool
from gemini_audio_tools.operations import OPERATIONS, call_operation_sync
from tests._examples import NEEDS_A_JOB, example_for
from tests.fixtures.emulator import TEST_API_KEY


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
        if self.operation in NEEDS_A_JOB:
            call_operation_sync("submit_audio_batch", example_for("submit_audio_batch"), settings=settings)
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
