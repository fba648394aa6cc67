"""``gemini-audio-mcp`` / ``python -m mcp_server``: serve the tools over stdio (default) or streamable HTTP.

Start-up is kept light (no LangChain import): MCP clients spawn this process on demand.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from gemini_audio_tools import GeminiAudioError, Settings, embedded_emulator
from gemini_audio_tools.config import WIRE_FORMATS, missing_key_warning

from . import _compat
from .http_flags import add_flags, deployment_from_flags
from .server import build_server


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gemini-audio-mcp",
        description="MCP server for Gemini audio understanding (gemini-audio-tools).",
        allow_abbrev=False,  # "--auth-token SECRET" must not pass for --auth-token-file
    )
    parser.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="Host for streamable-http (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8000, help="Port for streamable-http (default 8000).")
    parser.add_argument(
        "--allow-dir",
        action="append",
        metavar="DIR",
        help="Directory the tools may read audio from (repeatable). Default: GEMINI_AUDIO_ALLOWED_DIRS, "
        "else the working directory.",
    )
    parser.add_argument(
        "--model", help="General Gemini model (default: GEMINI_AUDIO_MODEL, else gemini-flash-latest)."
    )
    parser.add_argument(
        "--wire-format",
        choices=WIRE_FORMATS,
        help="What is sent: compact (16 kHz mono MP3 unless already compact), flac, or original (default: "
        "GEMINI_AUDIO_WIRE_FORMAT, else compact).",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST[:PORT]",
        help="A private or loopback host that URL input may reach (repeatable; default: "
        "GEMINI_AUDIO_ALLOWED_HOSTS, else none). Not the HTTP server's own names: see --public-host.",
    )
    parser.add_argument(
        "--no-urls", action="store_true", help="Refuse http(s) URLs as audio (default: URLs are fetched)."
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="Run against an embedded offline Gemini emulator (no API key).",
    )
    add_flags(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point; exits 2 on bad flags, 1 if the server cannot start."""
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="gemini-audio-mcp: %(message)s")
    try:
        with ExitStack() as stack:
            settings = Settings.from_env().with_overrides(
                allowed_dirs=args.allow_dir,
                model=args.model,
                wire_format=args.wire_format,
                allowed_hosts=args.allow_host,
                urls=False if args.no_urls else None,
            )
            deployment = deployment_from_flags(args, os.environ)
            for note in deployment.warnings:
                print(f"gemini-audio-mcp: {note}", file=sys.stderr)
            if args.emulator:
                settings = stack.enter_context(embedded_emulator(settings))
            if (warning := missing_key_warning(settings)) is not None:
                print(f"gemini-audio-mcp: {warning}", file=sys.stderr)
            server = build_server(settings, deployment.guard)
            if args.transport == "stdio":
                asyncio.run(_compat.run_stdio(server))
            else:
                assert deployment.http is not None  # built for --transport streamable-http
                auth = "token" if deployment.http.verifier is not None else "no authentication"
                if deployment.http.oauth is not None:
                    auth = "OAuth"
                host = f"[{args.host}]" if ":" in args.host else args.host
                print(f"gemini-audio-mcp: serving http://{host}:{args.port}/mcp ({auth})", file=sys.stderr)
                asyncio.run(_compat.run_streamable_http(server, deployment.http))
    except GeminiAudioError as err:
        print(f"gemini-audio-mcp: {err}", file=sys.stderr)
        sys.exit(2 if err.caller_fixable else 1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
