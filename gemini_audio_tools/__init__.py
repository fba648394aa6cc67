"""gemini-audio-tools: Gemini audio understanding as agent tools (LangChain, MCP, CLI) from one registry.

This module is the package's door: the MCP server and users import from here (and from the public modules
it names), never from ``_private`` modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._embedded import EMULATOR_API_KEY, embedded_emulator
from .config import Settings
from .errors import GeminiAudioError
from .operations import (
    OPERATIONS,
    Operation,
    Result,
    call_operation,
    call_operation_sync,
    get_operation,
    run_sync,
)
from .progress import ProgressEvent

if TYPE_CHECKING:
    from .langchain import GeminiAudioToolkit

__all__ = [
    "EMULATOR_API_KEY",
    "OPERATIONS",
    "GeminiAudioError",
    "GeminiAudioToolkit",
    "Operation",
    "ProgressEvent",
    "Result",
    "Settings",
    "call_operation",
    "call_operation_sync",
    "embedded_emulator",
    "function_declarations",
    "get_operation",
    "openai_tools",
    "run_sync",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy: the MCP server path must not import LangChain (start-up time), and the library works without it.
    if name == "GeminiAudioToolkit":
        from .langchain import GeminiAudioToolkit

        return GeminiAudioToolkit
    if name in ("function_declarations", "openai_tools"):
        from . import declarations

        return getattr(declarations, name)
    raise AttributeError(f"module 'gemini_audio_tools' has no attribute {name!r}")
