"""Load on the MCP server over streamable HTTP: 50 concurrent calls, then 500 more with the server's memory
sampled every 100 (growth after warm-up must stay < 30 MB), without authentication and with a bearer token.

A real ``gemini-audio-mcp --transport streamable-http --emulator`` subprocess and the official client (sending
``Authorization: Bearer …`` in the token case). The
calls mix ``inspect_audio``, ``count_audio_tokens`` (estimate and exact) and a few ``transcribe_audio`` of a
short range; every result is checked. Memory is ``VmRSS`` from ``/proc/PID/status`` (Linux).

    python -m bench.mcp_load
    python -m bench.mcp_load --calls 2000
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from bench._common import write_tone_flac

REPO = Path(__file__).resolve().parents[1]
LIMIT_MB = 30.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def call(session: ClientSession, i: int, files: dict[str, Path]) -> None:
    kind = ("short", "long")[i % 2]
    seconds = {"short": 5.0, "long": 30.0}[kind]
    if i % 50 == 7:
        result = await session.call_tool("transcribe_audio", {"audio": str(files[kind]), "end": "0:03"})
    elif i % 2 == 0:
        result = await session.call_tool("inspect_audio", {"audio": str(files[kind])})
    else:
        result = await session.call_tool(
            "count_audio_tokens", {"audio": str(files[kind]), "end": "0:02", "exact": i % 4 == 1}
        )
    assert not result.isError, result.content
    out: dict[str, Any] = result.structuredContent or {}
    if "duration_seconds" in out:
        assert abs(out["duration_seconds"] - seconds) < 0.01, out
    if "audio_tokens" in out:
        assert out["audio_tokens"] == math.ceil(32 * 2.0), out


TOKEN = "bench-token-" + "0123456789abcdef" * 2


def http_client(token: str | None) -> Any:
    """The HTTP client the official transport uses, sending the bearer token on every request."""
    from mcp.shared._httpx_utils import create_mcp_http_client

    return create_mcp_http_client(headers={"Authorization": f"Bearer {token}"} if token else {})


async def run_case(calls: int, token: str | None) -> dict[str, Any]:
    """One server (with a token when ``token`` is set), 50 concurrent calls, then ``calls`` more."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gemini-audio-bench-") as tmp:
        work = Path(tmp)
        files = {
            "short": write_tone_flac(work / "short.flac", 5.0),
            "long": write_tone_flac(work / "long.flac", 30),
        }
        command = [sys.executable, "-m", "mcp_server", "--transport", "streamable-http", "--port", str(port)]
        # The rate limit is raised so the bench measures the server, not the limiter (default 50/s).
        command += [
            "--emulator",
            "--allow-dir",
            str(work),
            "--rate-limit",
            "1000",
            "--access-log",
            os.devnull,
        ]
        env = dict(os.environ)
        env.pop("GEMINI_AUDIO_MCP_TOKEN", None)
        if token:
            env["GEMINI_AUDIO_MCP_TOKEN"] = token
        server = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                await asyncio.sleep(0.05)
            url = f"http://127.0.0.1:{port}/mcp"

            async def client(index: int) -> None:
                async with (
                    http_client(token) as http,
                    streamable_http_client(url, http_client=http) as streams,
                    ClientSession(streams[0], streams[1]) as s,
                ):
                    await s.initialize()
                    await asyncio.gather(*(call(s, index * 10 + i, files) for i in range(10)))

            started = time.perf_counter()
            await asyncio.gather(*(client(i) for i in range(5)))
            concurrent_s = time.perf_counter() - started

            samples = []
            async with (
                http_client(token) as http,
                streamable_http_client(url, http_client=http) as streams,
                ClientSession(streams[0], streams[1]) as one,
            ):
                await one.initialize()
                for base in range(0, 100, 10):  # warm-up
                    await asyncio.gather(*(call(one, base + i, files) for i in range(10)))
                samples.append((0, rss_mb(server.pid)))
                started = time.perf_counter()
                for base in range(0, calls, 10):
                    await asyncio.gather(*(call(one, 1000 + base + i, files) for i in range(10)))
                    if (base + 10) % 100 == 0:
                        samples.append((base + 10, rss_mb(server.pid)))
                sustained_s = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {"concurrent_s": concurrent_s, "sustained_s": sustained_s, "samples": samples}


async def main(calls: int) -> int:
    """Each case runs twice, in the order A B B A, so a shared machine's drifting load falls on both alike;
    the faster run of each is reported."""
    cases = {"no authentication (loopback)": None, "bearer token": TOKEN}
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in cases}
    for label in [*cases, *reversed(cases)]:
        runs[label].append(await run_case(calls, cases[label]))
    ok = True
    rates = {}
    for label, done in runs.items():
        case = min(done, key=lambda run: run["sustained_s"])
        samples, sustained_s = case["samples"], case["sustained_s"]
        growth = max(run["samples"][-1][1] - run["samples"][0][1] for run in done)
        rates[label] = calls / sustained_s
        print(f"== {label} (faster of {len(done)} runs; growth: the larger)")
        print(f"50 concurrent calls (5 sessions x 10): all correct in {case['concurrent_s']:.2f} s")
        print(
            f"{calls} more calls (10 in flight)     : {sustained_s:.2f} s, {calls / sustained_s:.0f} calls/s"
        )
        print("server RSS after warm-up, per 100  : " + ", ".join(f"{mb:.1f}" for _, mb in samples) + " MB")
        print(f"growth                             : {growth:+.1f} MB (limit {LIMIT_MB:.0f} MB)")
        ok = ok and growth < LIMIT_MB
    ratio = rates["no authentication (loopback)"] / rates["bearer token"]
    print(f"throughput without / with a token  : {ratio:.2f}x")
    print("OK" if ok else "FAIL: memory grows with calls")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    sys.exit(asyncio.run(main(parser.parse_args().calls)))
