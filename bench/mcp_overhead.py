"""MCP stdio round trip of ``inspect_audio`` vs a bare echo tool: the ratio of medians must be <= 1.5x.

All servers are real subprocesses wired by the same code (``mcp_server._compat.make_server`` on the mcp
low-level ``Server``, the same stdio runner), driven sequentially by the official client, alternating between
servers to cancel drift. Two echo servers, whose tool does nothing but answer:

* **same-shape echo** (the target's baseline): declares inspect_audio's ``outputSchema`` and answers with a
  recorded inspect_audio result. The ratio is what the library adds on the server: argument validation, path
  resolution, probing the file's header, building the output.
* **bare echo**: no output schema, text only. The gap to it is mostly the *client's* work: mcp 1.x's
  ``ClientSession.call_tool`` runs ``jsonschema.validate(structuredContent, outputSchema)`` on every call,
  which re-checks the schema against the metaschema each time (measured separately below); clients that do
  not validate, or cache a validator, do not pay it.

    python -m bench.mcp_overhead            # 300 calls each
    python -m bench.mcp_overhead --calls 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.config import Settings
from gemini_audio_tools.demo import SAMPLE, SAMPLES_DIR
from gemini_audio_tools.operations import OPERATIONS
from mcp_server.server import ToolServer

REPO = Path(__file__).resolve().parents[1]
TARGET = 1.5

ECHO_SERVER = """
import asyncio, json, os
from mcp_server import _compat

TOOL = json.loads(os.environ["BENCH_ECHO_TOOL"])
RESULT = json.loads(os.environ.get("BENCH_ECHO_RESULT") or "null")

class Echo:
    def list_tools(self):
        return [TOOL]

    async def call_tool(self, name, arguments, progress=None):
        if RESULT is not None:
            return RESULT
        return {"content": [{"type": "text", "text": arguments["audio"]}], "isError": False}

asyncio.run(_compat.run_stdio(_compat.make_server("echo", "0", "", Echo())))
"""
INPUT = {"type": "object", "properties": {"audio": {"type": "string"}}, "required": ["audio"]}


@asynccontextmanager
async def session(args: list[str], **extra_env: str) -> AsyncIterator[ClientSession]:
    env = {**os.environ, "GEMINI_AUDIO_ALLOWED_DIRS": str(SAMPLES_DIR), "PYTHONPATH": str(REPO), **extra_env}
    params = StdioServerParameters(command=sys.executable, args=args, env=env, cwd=str(REPO))
    async with AsyncExitStack() as stack:
        errlog = stack.enter_context(open(os.devnull, "w"))  # noqa: SIM115 - closed by the stack
        read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        client = await stack.enter_async_context(ClientSession(read, write))
        await client.initialize()
        await client.list_tools()  # the client caches output schemas from here on
        yield client


async def timed(client: ClientSession, tool: str) -> float:
    started = time.perf_counter()
    result = await client.call_tool(tool, {"audio": str(SAMPLE)})
    elapsed = time.perf_counter() - started
    assert not result.isError, result.content
    return elapsed


def client_schema_check_ms(schema: dict[str, Any], instance: dict[str, Any], n: int = 200) -> float:
    """mcp 1.x's client's work per call on a tool's output: ``jsonschema.validate``, schema check and all."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    started = time.perf_counter()
    for _ in range(n):
        jsonschema.validate(instance, schema)
    return (time.perf_counter() - started) / n * 1000


async def main(calls: int) -> int:
    op = OPERATIONS["inspect_audio"]
    recorded = await ToolServer(Settings(allowed_dirs=(SAMPLES_DIR,))).call_tool(
        "inspect_audio", {"audio": str(SAMPLE)}
    )
    shaped_tool = {"name": "echo", "inputSchema": INPUT, "outputSchema": op.output_model.model_json_schema()}
    bare_tool = {"name": "echo", "inputSchema": INPUT}
    async with (
        session(["-m", "mcp_server"]) as tools,
        session(
            ["-c", ECHO_SERVER],
            BENCH_ECHO_TOOL=json.dumps(shaped_tool),
            BENCH_ECHO_RESULT=json.dumps(recorded),
        ) as shaped,
        session(["-c", ECHO_SERVER], BENCH_ECHO_TOOL=json.dumps(bare_tool)) as bare,
    ):
        for _ in range(30):  # warm-up: imports, caches, the first probe
            await timed(tools, "inspect_audio")
            await timed(shaped, "echo")
            await timed(bare, "echo")
        ours, same, raw = [], [], []
        for _ in range(calls):
            ours.append(await timed(tools, "inspect_audio"))
            same.append(await timed(shaped, "echo"))
            raw.append(await timed(bare, "echo"))
    ours_ms, same_ms, raw_ms = (statistics.median(x) * 1000 for x in (ours, same, raw))
    check_ms = client_schema_check_ms(shaped_tool["outputSchema"], recorded["structuredContent"])
    ratio = ours_ms / same_ms
    print(f"calls each                      : {calls}")
    print(f"inspect_audio median            : {ours_ms:.2f} ms")
    print(f"same-shape echo median          : {same_ms:.2f} ms")
    print(f"bare echo median                : {raw_ms:.2f} ms")
    print(
        f"client jsonschema.validate/call : {check_ms:.2f} ms (mcp 1.x client, inspect_audio's output schema)"
    )
    print(f"ratio vs same-shape echo        : {ratio:.2f}x (target <= {TARGET}x)")
    print(f"ratio vs bare echo              : {ours_ms / raw_ms:.2f}x (client schema validation included)")
    ok = ratio <= TARGET
    print("OK" if ok else f"FAIL: inspect_audio costs {ratio:.2f}x a same-shape echo round trip")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    sys.exit(asyncio.run(main(parser.parse_args().calls)))
