"""gemini-audio-tools: Gemini audio understanding as agent tools (LangChain, MCP, CLI) from one registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Settings
from .errors import GeminiAudioError
from .operations import OPERATIONS, Operation, call_operation, call_operation_sync

if TYPE_CHECKING:
    from .langchain import GeminiAudioToolkit

__all__ = [
    "OPERATIONS",
    "GeminiAudioError",
    "GeminiAudioToolkit",
    "Operation",
    "Settings",
    "call_operation",
    "call_operation_sync",
    "function_declarations",
    "openai_tools",
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
