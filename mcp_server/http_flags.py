"""The server's deployment flags (authentication, public names, limits, read-only) and what they build.

Secrets never come from flags: a token comes from ``GEMINI_AUDIO_MCP_TOKEN`` or a file, the introspection
client's secret from the environment. Environment variables read here (documented in docs/deployment.md):
``GEMINI_AUDIO_MCP_TOKEN``, ``GEMINI_AUDIO_MCP_TOKEN_FILE``, ``GEMINI_AUDIO_MCP_INTROSPECTION_CLIENT_ID``,
``GEMINI_AUDIO_MCP_INTROSPECTION_CLIENT_SECRET``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gemini_audio_tools.errors import InvalidArgumentError

from .access_log import AccessLog
from .tool_guard import ToolGuard

if TYPE_CHECKING:  # the HTTP stack (httpx, the SDK's auth) is imported only when serving HTTP
    from .http_app import HttpOptions

__all__ = ["Deployment", "add_flags", "deployment_from_flags"]

DEFAULT_TOOL_TIMEOUT = 900.0


def _positive(kind: type[int] | type[float]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
        return value

    return parse


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add the deployment flags to ``gemini-audio-mcp``'s parser."""
    auth = parser.add_argument_group("authentication (streamable-http)")
    auth.add_argument(
        "--auth-token-file",
        metavar="FILE",
        help="File of accepted bearer tokens, one per line ('TOKEN' or 'NAME TOKEN'), re-read when it "
        "changes. Or set GEMINI_AUDIO_MCP_TOKEN. Never pass a token on the command line.",
    )
    auth.add_argument("--no-auth", action="store_true", help="Serve a public bind without authentication.")
    auth.add_argument("--oauth-issuer", metavar="URL", help="OAuth resource-server mode: the token issuer.")
    auth.add_argument("--oauth-introspection-url", metavar="URL", help="The issuer's RFC 7662 endpoint.")
    auth.add_argument("--resource-url", metavar="URL", help="This server's URL as clients know it (OAuth).")
    auth.add_argument("--oauth-scope", action="append", metavar="SCOPE", help="Required scope (repeatable).")
    reach = parser.add_argument_group("public names (streamable-http)")
    reach.add_argument(
        "--public-host", action="append", default=[], metavar="NAME", help="Host name clients use."
    )
    reach.add_argument("--public-origin", action="append", default=[], metavar="URL", help="Browser origin.")
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--read-only", action="store_true", help="Offer only read-only tools (no upload, delete)."
    )
    limits.add_argument(
        "--tool-timeout",
        type=float,
        default=DEFAULT_TOOL_TIMEOUT,
        metavar="SECONDS",
        help=f"Stop a tool call after this long (default {DEFAULT_TOOL_TIMEOUT:g}; 0: no limit).",
    )
    limits.add_argument(
        "--rate-limit",
        type=_positive(float),
        default=50.0,
        help="HTTP requests/s per caller (default 50).",
        metavar="N",
    )
    limits.add_argument(
        "--max-concurrent-calls",
        type=_positive(int),
        default=8,
        help="Tool calls at once per caller.",
        metavar="N",
    )
    limits.add_argument(
        "--max-body-bytes",
        type=_positive(int),
        default=1 << 20,
        help="Largest request body (1 MiB).",
        metavar="N",
    )
    limits.add_argument(
        "--request-timeout",
        type=_positive(float),
        default=10.0,
        metavar="SECONDS",
        help="Time to send a request's headers, and again its body (default 10).",
    )
    limits.add_argument(
        "--access-log", metavar="FILE", help="Write the JSON access log here (default stderr)."
    )


def _http_only_flags(args: argparse.Namespace) -> dict[str, bool]:
    return {
        "--auth-token-file": bool(args.auth_token_file),
        "--no-auth": args.no_auth,
        "--oauth-issuer": bool(args.oauth_issuer),
        "--public-host": bool(args.public_host),
        "--public-origin": bool(args.public_origin),
        "--access-log": bool(args.access_log),
    }


@dataclass
class Deployment:
    """What the flags built: the tool guard, the HTTP options, and warnings to print at start-up."""

    guard: Callable[[Any], ToolGuard]
    http: HttpOptions | None
    """None over stdio."""
    warnings: list[str] = field(default_factory=list)


def deployment_from_flags(args: argparse.Namespace, env: Mapping[str, str]) -> Deployment:
    """Check the flags together and build the deployment.

    Raises:
        InvalidArgumentError: an unauthenticated public bind, a bad token or token file, an unparsable
            public name, OAuth flags missing their partners.
    """
    http = args.transport == "streamable-http"
    access_log = AccessLog.to_stream(path=args.access_log) if http else None
    timeout = args.tool_timeout if args.tool_timeout > 0 else None

    def guard(tools: Any) -> ToolGuard:
        return ToolGuard(tools, read_only=args.read_only, timeout=timeout, access_log=access_log)

    if not http:
        deployment = Deployment(guard, None)
        http_only = [flag for flag, on in _http_only_flags(args).items() if on]
        if http_only:
            deployment.warnings.append(
                f"{', '.join(http_only)}: only for --transport streamable-http; ignored."
            )
        return deployment
    from .http_app import HttpOptions
    from .http_auth import StaticTokenVerifier, TokenSource
    from .http_oauth import IntrospectionVerifier, OAuthConfig
    from .http_policy import auth_refusal, host_policy

    options = HttpOptions(host=args.host, port=args.port, access_log=access_log)
    deployment = Deployment(guard, options)
    try:
        options.policy = host_policy(args.host, args.public_host, args.public_origin)
        if args.oauth_issuer:
            oauth = OAuthConfig.from_flags(
                args.oauth_issuer, args.oauth_introspection_url, args.resource_url, args.oauth_scope, env
            )
            options.oauth, options.verifier = oauth, IntrospectionVerifier(oauth)
    except ValueError as err:
        raise InvalidArgumentError(str(err)) from None
    tokens = TokenSource(env, args.auth_token_file)
    if tokens.enabled:
        if options.verifier is not None:
            raise InvalidArgumentError("Use either a token (file) or --oauth-issuer, not both.")
        options.verifier = StaticTokenVerifier(tokens)
        deployment.warnings += tokens.warnings
    public = bool(args.public_host or args.public_origin)
    authenticated = options.verifier is not None
    refusal = auth_refusal(args.host, authenticated=authenticated, no_auth=args.no_auth, public=public)
    if refusal:
        raise InvalidArgumentError(refusal)
    if args.no_auth and options.verifier is None:
        deployment.warnings.append(
            "WARNING: --no-auth: anyone who can reach this server can read the allowed audio files, spend "
            "your Gemini quota and delete your uploaded files."
        )
    options.rate, options.burst = args.rate_limit, max(1, round(2 * args.rate_limit))
    options.max_calls, options.max_queued = args.max_concurrent_calls, 8 * args.max_concurrent_calls
    options.max_body, options.request_timeout = args.max_body_bytes, args.request_timeout
    return deployment
