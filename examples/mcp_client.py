"""A plain MCP client: start the gemini-audio-tools MCP server over stdio and call its tools.

    python examples/mcp_client.py [AUDIO]

The server runs with ``--emulator`` (an embedded offline Gemini emulator), so no API key is needed; drop that
flag and set ``GEMINI_API_KEY`` to use the real API. Any MCP client (Claude Desktop, Claude Code, Cursor, the
MCP Inspector) talks to the server the same way.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.demo import SAMPLE


async def main(audio: Path) -> None:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server", "--emulator", "--allow-dir", str(audio.parent)],
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        print("tools:", ", ".join(tool.name for tool in tools))

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            print(f"   progress {progress:g}/{total or 0:g} {message or ''}")

        calls: list[tuple[str, dict[str, Any]]] = [
            ("inspect_audio", {"audio": str(audio)}),
            ("transcribe_audio", {"audio": str(audio), "timestamps": True}),
            ("ask_about_audio", {"audio": str(audio), "question": "Does the speaker mention a meeting?"}),
            ("transcribe_audio", {"audio": str(audio), "end": "99:00"}),  # an error the model can act on
        ]
        for name, arguments in calls:
            print(f"\n> {name} {arguments}")
            result = await session.call_tool(name, arguments, progress_callback=on_progress)
            text = "\n".join(block.text for block in result.content if block.type == "text")
            failed = getattr(result, "is_error", None) or getattr(result, "isError", False)  # mcp 2.x / 1.x
            print(("ERROR: " if failed else "") + text)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SAMPLE))
