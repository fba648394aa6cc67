"""Everything that differs between the mcp SDK's majors, behind three helpers.

Resources (the complete transcripts behind paged results, ``gemini-audio://transcripts/{id}``) are served by
both majors from the same dicts (:func:`.tools.list_resources` / :func:`.tools.read_resource`).

mcp 1.x's low-level ``Server`` registers handlers with decorators and reads the current request from a context
variable; mcp 2.x passes handlers to the constructor as ``on_*`` callables receiving ``(ctx, params)``.
Progress is sent against the caller's ``progressToken`` in 1.x and through ``ctx.session.report_progress`` in
2.x. The streamable-HTTP app (``http_app``) is assembled in both majors from SDK parts they share, so that
authentication and limits sit in front of the session manager the same way.

We use the low-level server in both majors (not FastMCP/MCPServer) because tools come from the registry with
ready-made JSON schemas and results: the high-level servers derive schemas from function signatures and turn
exceptions into errors differently per major (in 2.x only a ``ToolError``'s text reaches the model).
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from gemini_audio_tools.context import ProgressSink

from .access_log import CALLER, caller_of
from .tools import ResourceNotFound, list_resources, read_resource, resource_templates

if TYPE_CHECKING:
    from .http_app import HttpOptions
    from .tool_guard import ToolProvider

MCP_MAJOR = int(version("mcp").split(".")[0])
_INVALID_PARAMS = -32602  # JSON-RPC "invalid params": an unknown resource URI


def make_server(name: str, server_version: str, instructions: str, tools: ToolProvider) -> Any:
    """A low-level ``Server`` whose tools/list and tools/call are answered by ``tools``."""
    if MCP_MAJOR >= 2:
        return _make_server_v2(name, server_version, instructions, tools)
    return _make_server_v1(name, server_version, instructions, tools)


def _make_server_v1(name: str, server_version: str, instructions: str, tools: ToolProvider) -> Any:
    from mcp import types
    from mcp.server.lowlevel import Server

    server: Any = Server(name, version=server_version, instructions=instructions)

    async def list_tools() -> list[types.Tool]:
        return [types.Tool.model_validate(tool) for tool in tools.list_tools()]

    async def call_tool(tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
        ctx = server.request_context
        token = ctx.meta.progressToken if ctx.meta is not None else None
        _note_caller(ctx.request)

        async def sink(progress: float, total: float | None = None, message: str | None = None) -> None:
            if token is not None:
                await ctx.session.send_progress_notification(
                    token, progress, total, message, related_request_id=str(ctx.request_id)
                )

        return types.CallToolResult.model_validate(await tools.call_tool(tool, arguments, sink))

    server.list_tools()(list_tools)
    # Arguments are validated by the operation's own model, whose messages are written for the model.
    server.call_tool(validate_input=False)(call_tool)
    _add_resources_v1(server)
    return server


def _add_resources_v1(server: Any) -> None:
    """resources/list, resources/templates/list and resources/read: the complete transcripts behind paged
    results. Registered as raw request handlers, so results are built from our dicts as in 2.x."""
    from mcp import types
    from mcp.shared.exceptions import McpError

    async def on_list(_: Any) -> types.ServerResult:
        return types.ServerResult(types.ListResourcesResult.model_validate({"resources": list_resources()}))

    async def on_templates(_: Any) -> types.ServerResult:
        result = types.ListResourceTemplatesResult.model_validate({"resourceTemplates": resource_templates()})
        return types.ServerResult(result)

    async def on_read(request: types.ReadResourceRequest) -> types.ServerResult:
        try:
            result = read_resource(str(request.params.uri))
        except ResourceNotFound as err:
            raise McpError(types.ErrorData(code=types.INVALID_PARAMS, message=str(err))) from None
        return types.ServerResult(types.ReadResourceResult.model_validate(result))

    server.request_handlers[types.ListResourcesRequest] = on_list
    server.request_handlers[types.ListResourceTemplatesRequest] = on_templates
    server.request_handlers[types.ReadResourceRequest] = on_read


def _make_server_v2(name: str, server_version: str, instructions: str, tools: ToolProvider) -> Any:
    from mcp import types
    from mcp.server.lowlevel import Server

    async def on_list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=[types.Tool.model_validate(tool) for tool in tools.list_tools()])

    async def on_call_tool(ctx: Any, params: Any) -> Any:
        progress: ProgressSink = ctx.session.report_progress  # a no-op when the caller sent no progressToken
        _note_caller(ctx.request)
        return types.CallToolResult.model_validate(
            await tools.call_tool(params.name, params.arguments, progress)
        )

    async def on_list_resources(ctx: Any, params: Any) -> Any:
        return types.ListResourcesResult.model_validate({"resources": list_resources()})

    async def on_list_resource_templates(ctx: Any, params: Any) -> Any:
        return types.ListResourceTemplatesResult.model_validate({"resourceTemplates": resource_templates()})

    async def on_read_resource(ctx: Any, params: Any) -> Any:
        from mcp.shared.exceptions import MCPError  # type: ignore[attr-defined,unused-ignore]

        try:
            return types.ReadResourceResult.model_validate(read_resource(str(params.uri)))
        except ResourceNotFound as err:
            raise MCPError(_INVALID_PARAMS, str(err)) from None

    return Server(  # type: ignore[call-arg,unused-ignore]  # mypy checks against mcp 1.x
        name,
        version=server_version,
        instructions=instructions,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=on_list_resources,
        on_list_resource_templates=on_list_resource_templates,
        on_read_resource=on_read_resource,
    )


async def run_stdio(server: Any) -> None:
    """Serve one client over stdin/stdout until it disconnects.

    Stray output (a library's ``print``, a C extension writing to fd 1) must not corrupt the JSON-RPC stream:
    mcp 2.x points fd 1 at stderr while serving; for 1.x we do the same here.
    """
    from mcp.server.stdio import stdio_server

    if MCP_MAJOR >= 2:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
        return
    import anyio

    sys.stdout.flush()
    wire_fd = os.dup(1)
    os.dup2(2, 1)
    try:
        with open(wire_fd, "w", encoding="utf-8", closefd=True) as wire:
            async with stdio_server(stdout=anyio.wrap_file(wire)) as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        sys.stdout.flush()


def _note_caller(request: Any) -> None:
    """Make the HTTP caller's identity (recorded by ``http_app.Limits``) visible to the access log."""
    CALLER.set(caller_of(request))


async def run_streamable_http(server: Any, options: HttpOptions) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp`` with ``options``' checks, until interrupted.

    The same in both majors: the app is assembled from SDK parts whose names and signatures they share
    (``StreamableHTTPSessionManager.handle_request``, the ``mcp.server.auth`` middleware and routes).
    """
    import uvicorn

    from .http_app import build_http_app
    from .http_serve import uvicorn_config

    app = build_http_app(server, options)
    await uvicorn.Server(uvicorn_config(app, options.host, options.port, options.request_timeout)).serve()
