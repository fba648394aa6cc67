"""MCP server start-up: process spawn to the answer of tools/list must take < 0.6 s, and the MCP path must not
import LangChain (nor google-genai, NumPy or PyAV, which no tool listing needs).

Spawns ``python -m mcp_server`` (stdio) with the official client, times spawn → initialize → tools/list
(median of several runs), then runs it once more under ``python -X importtime`` and lists the heaviest
imports (cumulative) and any ``langchain`` module imported.

    python -m bench.mcp_startup            # 5 runs
    python -m bench.mcp_startup --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.6
LAZY = ("google.genai", "numpy", "av", "langchain_core")
"""Loaded only when a tool first needs them."""
WATCHED = (
    "google.genai",
    "google.genai.types",
    "mcp",
    "av",
    "numpy",
    "pydantic",
    "httpx",
    "anyio",
    "platformdirs",
)


BARE_SERVER = """
import anyio
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

server = Server("bare")


@server.list_tools()
async def tools() -> list[types.Tool]:
    return [types.Tool(name="echo", description="Echo.", inputSchema={"type": "object"})]


async def main() -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


anyio.run(main)
"""
"""The same SDK's low-level server with one tool and nothing else: what any Python MCP server pays here."""


async def time_to_tools_list(env: dict[str, str], args: list[str] | None = None) -> tuple[float, int]:
    args = args or ["-m", "mcp_server"]
    params = StdioServerParameters(command=sys.executable, args=args, env=env, cwd=str(REPO))
    started = time.perf_counter()
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            tools = await session.list_tools()
            elapsed = time.perf_counter() - started
    return elapsed, len(tools.tools)


def import_profile(env: dict[str, str]) -> list[tuple[float, str]]:
    """(cumulative seconds, module) for every top-level import of the server, from ``-X importtime``."""
    code = "import mcp_server.__main__, mcp_server.server"  # what start-up imports before serving
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], env=env, cwd=REPO, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative) / 1e6, name.rstrip()))
    return rows


async def main(runs: int) -> int:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(REPO), "GEMINI_AUDIO_CACHE_DIR": cache}
        env.pop("GEMINI_API_KEY", None)
        env.pop("GOOGLE_API_KEY", None)
        bare_args = ["-c", BARE_SERVER]
        await time_to_tools_list(env)  # warm the OS file cache and .pyc files
        await time_to_tools_list(env, bare_args)
        times, bare = [], []
        for _ in range(runs):  # interleaved, so both see the same machine
            elapsed, count = await time_to_tools_list(env)
            times.append(elapsed)
            bare.append((await time_to_tools_list(env, bare_args))[0])
        profile = import_profile(env)
    median, bare_median = statistics.median(times), statistics.median(bare)
    langchain = sorted({name.strip() for _, name in profile if name.strip().startswith("langchain")})
    eager = sorted({name.strip() for _, name in profile if name.strip() in LAZY})
    total = max(seconds for seconds, _ in profile)
    heavy = {name.strip(): seconds for seconds, name in profile if name.strip() in WATCHED}
    print(f"runs                    : {runs} ({count} tools listed)")
    print(f"spawn -> tools/list     : median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s")
    print(f"ratio to target         : {median / TARGET_SECONDS:.2f} (target < {TARGET_SECONDS} s)")
    print(f"bare SDK server         : median {bare_median:.3f} s (the same mcp SDK, one tool, nothing else)")
    print(f"ours - bare             : {median - bare_median:+.3f} s (what this server adds)")
    print(f"langchain modules       : {', '.join(langchain) or 'none'}")
    print(f"loaded before needed    : {', '.join(eager) or 'none'} (of {', '.join(LAZY)})")
    print(f"imports before serving  : {total * 1000:.0f} ms (-X importtime); heaviest packages (cumulative):")
    for name, seconds in sorted(heavy.items(), key=lambda item: -item[1]):
        print(f"  {seconds * 1000:7.1f} ms  {name}")
    ok = median < TARGET_SECONDS and not langchain and not eager
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
