"""Hostile input through both adapters: fuzzed arguments for every tool, and named traps.

Both adapters are driven as an agent drives them: the MCP server through the official client (in memory, one
server for the whole test, run on a background event loop so hypothesis can call it synchronously), and the
LangChain tools through ``invoke`` with a tool call. Every answer must be a success whose structured output
validates, or a clear error (see :func:`clear_error_problem`); after the storm the server must still answer a
normal call. The subprocess proof that nothing outside the allowed roots is opened is in
``test_no_reads_outside_roots.py``.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import textwrap
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from mcp import ClientSession
from mcp.shared.memory import create_connected_server_and_client_session

from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.langchain import GeminiAudioToolkit
from gemini_audio_tools.operations import OPERATIONS
from mcp_server.server import build_server
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY
from tests.reliability._hostile import (
    ABSURD_TIME_CODES,
    HostileTree,
    build_hostile_tree,
    clear_error_problem,
    write_wav_header_then_sparse,
)

CALL_TIMEOUT = 20.0
"""No single call may take longer (a FIFO or /dev/zero that were opened would hang or stream forever)."""


class McpDriver:
    """A real MCP client session to an in-memory server, callable from synchronous code."""

    def __init__(self, portal: BlockingPortal, session: ClientSession) -> None:
        self.portal, self.session = portal, session

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        async def call() -> dict[str, Any]:
            with anyio.fail_after(CALL_TIMEOUT):
                result = await self.session.call_tool(name, arguments)
            dumped: dict[str, Any] = result.model_dump(by_alias=True, mode="json", exclude_none=True)
            return dumped

        return self.portal.call(call)


@contextmanager
def mcp_driver(tool_settings: Settings) -> Iterator[McpDriver]:
    with start_blocking_portal() as portal:
        cm = portal.wrap_async_context_manager(
            create_connected_server_and_client_session(build_server(tool_settings))
        )
        with cm as session:
            yield McpDriver(portal, session)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, make_audio: MakeAudio) -> HostileTree:
    return build_hostile_tree(tmp_path_factory.mktemp("hostile"), make_audio("wav", 1.0))


@pytest.fixture
def tool_settings(tree: HostileTree, emulator: EmulatorServer, tmp_path: Path) -> Settings:
    return Settings(
        api_key=TEST_API_KEY,
        base_url=emulator.base_url,
        allowed_dirs=(tree.root,),
        cache_dir=tmp_path / "cache",
        request_timeout_seconds=10.0,
        file_active_timeout_seconds=5.0,
        max_retries=1,
        retry_base_delay_seconds=0.001,
        retry_max_delay_seconds=0.01,
    )


@pytest.fixture
def mcp(tool_settings: Settings) -> Iterator[McpDriver]:
    with mcp_driver(tool_settings) as driver:
        yield driver


@pytest.fixture
def lc_tools(tool_settings: Settings) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in GeminiAudioToolkit(settings=tool_settings).get_tools()}


def check_mcp(name: str, result: dict[str, Any]) -> str:
    """The result's text, after checking it is a valid success or a clear error."""
    text = "".join(part.get("text", "") for part in result["content"])
    if result.get("isError"):
        problem = clear_error_problem(text)
        assert problem is None, f"{name}: {problem}"
    else:
        OPERATIONS[name].output_model.model_validate(result["structuredContent"])
    return text


def invoke_lc(tool: BaseTool, arguments: dict[str, Any]) -> ToolMessage:
    """``tool.invoke`` with a tool call, under a deadline (in a worker: the sync path cannot be cancelled)."""
    call = {"type": "tool_call", "name": tool.name, "args": arguments, "id": "call-1"}
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        message = pool.submit(tool.invoke, call).result(timeout=CALL_TIMEOUT)
    assert isinstance(message, ToolMessage)
    return message


def check_lc(name: str, message: ToolMessage) -> str:
    text = str(message.content)
    if message.status == "error":
        problem = clear_error_problem(text)
        assert problem is None, f"{name}: {problem}"
    else:
        assert isinstance(message.artifact, OPERATIONS[name].output_model)
    return text


# --- fuzzing -------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
time_codes = st.one_of(
    st.sampled_from(ABSURD_TIME_CODES),
    st.from_regex(r"-?[0-9]{0,12}(:[0-9]{0,3}){0,4}(\.[0-9]{0,30})?(e[+-]?[0-9]{1,4})?", fullmatch=True),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)


def audio_values(tree: HostileTree) -> st.SearchStrategy[str]:
    traps = [arg for arg, _ in tree.cases().values()]
    remote = ["files/abc", "files/", "files/../../etc", "https://x/v1beta/files/zz", "files/" + "a" * 41]
    known = st.sampled_from(
        [*traps, *remote, *[str(tree.good)] * 8]
    )  # the good file: reach time-code parsing
    return st.one_of(known, st.text(max_size=40))


def typed_value(annotation: Any) -> st.SearchStrategy[Any]:
    """A value of the field's JSON type (hostile content, right type): gets past the schema."""
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=-(2**70), max_value=2**70)
    if typing.get_origin(annotation) is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    return st.text(max_size=60)


def arguments_for(name: str, tree: HostileTree, *, typed: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Required fields always present, optional ones sometimes. ``typed``: every value has its field's JSON
    type, so calls reach the operation; otherwise any JSON value goes, plus now and then an unknown key."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field, info in OPERATIONS[name].input_model.model_fields.items():
        if field == "audio":
            value = audio_values(tree)
        elif field in ("start", "end", "cursor"):
            value = time_codes
        else:
            value = typed_value(info.annotation)
        if not typed:
            value = st.one_of(value, json_values)
        (required if info.is_required() else optional)[field] = value
    arguments = st.fixed_dictionaries(required, optional=optional)
    if typed:
        return arguments
    extra = st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=1)
    return st.tuples(arguments, extra).map(lambda pair: {**pair[1], **pair[0]})


FUZZ = settings(
    # CI runs 50 examples per tool; GEMINI_AUDIO_FUZZ_EXAMPLES=1000 searches deeper (a few minutes).
    max_examples=int(os.environ.get("GEMINI_AUDIO_FUZZ_EXAMPLES", "50")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_fuzzed_arguments_get_a_valid_result_or_a_clear_error_from_both_adapters(
    name: str, tree: HostileTree, mcp: McpDriver, lc_tools: dict[str, BaseTool]
) -> None:
    @FUZZ
    @given(arguments=arguments_for(name, tree, typed=True) | arguments_for(name, tree, typed=False))
    def fuzz(arguments: dict[str, Any]) -> None:
        check_mcp(name, mcp.call(name, arguments))
        check_lc(name, invoke_lc(lc_tools[name], arguments))

    fuzz()
    ok = mcp.call("inspect_audio", {"audio": str(tree.good)})
    assert ok.get("isError") is False and ok["structuredContent"]["duration_seconds"] == pytest.approx(1.0)


# --- named traps ---------------------------------------------------------------------------------------

LOCAL_TOOLS = ["inspect_audio", "upload_audio", "count_audio_tokens", "transcribe_audio", "ask_about_audio"]


def _with_required(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"question": "What is said?", **arguments} if name == "ask_about_audio" else arguments


@pytest.mark.parametrize("name", LOCAL_TOOLS)
def test_every_named_trap_is_refused_with_a_clear_error_and_the_server_keeps_serving(
    name: str, tree: HostileTree, mcp: McpDriver, lc_tools: dict[str, BaseTool]
) -> None:
    for case, (audio, phrase) in tree.cases().items():
        arguments = _with_required(name, {"audio": audio})
        via_mcp = mcp.call(name, arguments)
        assert via_mcp.get("isError") is True, (case, via_mcp)
        assert phrase.lower() in check_mcp(name, via_mcp).lower(), case
        via_lc = invoke_lc(lc_tools[name], arguments)
        assert via_lc.status == "error", (case, via_lc)
        assert phrase.lower() in check_lc(name, via_lc).lower(), case
    ok = mcp.call("inspect_audio", {"audio": str(tree.good)})
    assert ok.get("isError") is False


@pytest.mark.parametrize("field", ["start", "end"])
def test_absurd_time_codes_are_refused_with_a_clear_error(
    field: str, tree: HostileTree, mcp: McpDriver, lc_tools: dict[str, BaseTool]
) -> None:
    for code in ABSURD_TIME_CODES:
        for name in ("inspect_audio", "count_audio_tokens", "transcribe_audio"):
            arguments = {"audio": str(tree.good), field: code}
            via_mcp = mcp.call(name, arguments)
            assert via_mcp.get("isError") is True, (code, via_mcp)
            text = check_mcp(name, via_mcp)
            assert field in text, (code, text)
            assert invoke_lc(lc_tools[name], arguments).status == "error", code


def test_unicode_and_spaces_in_names_are_just_names(tree: HostileTree, mcp: McpDriver) -> None:
    result = mcp.call("transcribe_audio", {"audio": str(tree.good), "end": "0:00.5"})
    assert result.get("isError") is False, result
    assert result["structuredContent"]["range"]["method"] == "clip"
    named = mcp.call("upload_audio", {"audio": str(tree.good), "end": "0:00.5", "display_name": "réunion 📼"})
    assert named.get("isError") is False, named


def test_a_whole_file_with_a_unicode_name_can_be_uploaded(tree: HostileTree, mcp: McpDriver) -> None:
    result = mcp.call("upload_audio", {"audio": str(tree.good)})
    assert result.get("isError") is False, result["content"]


_HANG_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from gemini_audio_tools.config import Settings
    from gemini_audio_tools.errors import GeminiAudioError
    from gemini_audio_tools.operations import call_operation_sync
    path = Path(sys.argv[1])
    settings = Settings(api_key="k", base_url="http://127.0.0.1:9", allowed_dirs=(path.parent,),
                        cache_dir=path.parent / "cache", max_retries=0)
    try:
        call_operation_sync("transcribe_audio", {"audio": str(path), "end": "0:01"}, settings=settings)
    except GeminiAudioError as err:
        print(type(err).__name__, err)
    """
)


def test_a_wav_header_on_a_10_gb_sparse_file_is_answered_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.wav"
    write_wav_header_then_sparse(path, 10 * 1024**3)
    try:
        subprocess.run(
            [sys.executable, "-c", _HANG_PROBE, str(path)], capture_output=True, timeout=5, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("transcribing the first second of a 10 GB sparse WAV did not finish in 5 s")
