"""The deployment flags checked together, before anything is served."""

from __future__ import annotations

import pytest

from gemini_audio_tools.errors import InvalidArgumentError
from mcp_server.__main__ import parse_args
from mcp_server.http_auth import TOKEN_ENV
from mcp_server.http_flags import deployment_from_flags

TOKEN = "Zq3v8Kf1-flags-token-0123456789"
HTTP = ["--transport", "streamable-http"]


def test_defaults_give_the_documented_limits() -> None:
    options = deployment_from_flags(parse_args(HTTP), {}).http
    assert (options.rate, options.burst, options.max_calls, options.max_queued) == (50.0, 100, 8, 64)
    assert (options.max_body, options.request_timeout, options.verifier) == (1 << 20, 10.0, None)


def test_limits_follow_their_flags() -> None:
    flags = [
        "--rate-limit",
        "5",
        "--max-concurrent-calls",
        "2",
        "--max-body-bytes",
        "100",
        "--request-timeout",
        "3",
    ]
    options = deployment_from_flags(parse_args(HTTP + flags), {TOKEN_ENV: TOKEN}).http
    assert (options.rate, options.burst, options.max_calls, options.max_queued) == (5.0, 10, 2, 16)
    assert (options.max_body, options.request_timeout) == (100, 3.0)
    assert options.verifier is not None


@pytest.mark.parametrize(
    "flag", ["--rate-limit", "--max-concurrent-calls", "--max-body-bytes", "--request-timeout"]
)
def test_a_limit_of_zero_is_refused_by_the_parser(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args([*HTTP, flag, "0"])
    assert exited.value.code == 2 and "must be > 0" in capsys.readouterr().err


def test_a_token_and_oauth_together_are_refused() -> None:
    flags = [
        "--oauth-issuer",
        "https://a",
        "--oauth-introspection-url",
        "https://a/i",
        "--resource-url",
        "https://r/mcp",
    ]
    with pytest.raises(InvalidArgumentError, match="not both"):
        deployment_from_flags(parse_args(HTTP + flags), {TOKEN_ENV: TOKEN})


def test_oauth_without_its_resource_url_is_refused_naming_the_flag() -> None:
    with pytest.raises(InvalidArgumentError, match="--resource-url"):
        deployment_from_flags(
            parse_args([*HTTP, "--oauth-issuer", "https://a", "--oauth-introspection-url", "https://a/i"]), {}
        )


def test_http_flags_on_stdio_are_named_as_ignored() -> None:
    deployment = deployment_from_flags(parse_args(["--no-auth", "--public-host", "a.example"]), {})
    assert deployment.warnings == ["--no-auth, --public-host: only for --transport streamable-http; ignored."]


def test_read_only_and_the_tool_timeout_apply_over_stdio_too() -> None:
    from gemini_audio_tools import Settings
    from mcp_server.server import ToolServer

    guard = deployment_from_flags(parse_args(["--read-only", "--tool-timeout", "0"]), {}).guard(
        ToolServer(Settings())
    )
    assert guard.read_only and guard.timeout is None
    assert "delete_audio_file" not in {tool["name"] for tool in guard.list_tools()}
