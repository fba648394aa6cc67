"""The emulator's ASGI app: routes of the Gemini Developer API (``v1``, ``v1beta``, ``v1alpha``) + control.

google-genai 3.x sends ``/v1/…``; older releases send ``/v1beta/…``; both are served identically.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from .batches_api import BatchesApi
from .cached_contents_api import CachedContentsApi
from .control import control_routes
from .dispatch import Handler, Operation
from .errors import ApiError
from .file_download import FileDownloads
from .files_api import FilesApi
from .models_api import ModelsApi
from .state import EmulatorState

_UPLOAD_HEADERS = {"X-Goog-Upload-Status": "final"}
"""On an upload error the SDK must see a status header, or it sleeps and retries the chunk (1 + 2 + 4 s)."""


class _UploadRouter:
    """``POST /upload/{v}/files``: a session start needs the API key; chunks to the session URL do not (the
    ``upload_id`` is the capability, as with Google's upload servers), and are counted as ``upload.chunk``."""

    def __init__(self, start: Operation, chunk: Operation) -> None:
        self.start, self.chunk = start, chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.chunk if b"upload_id=" in scope.get("query_string", b"") else self.start
        await target(scope, receive, send)


def create_app(state: EmulatorState | None = None) -> Starlette:
    """Build the app for ``state`` (a fresh project when omitted); ``app.state.emulator`` holds the state."""
    state = state or EmulatorState()
    files = FilesApi(state)
    models = ModelsApi(state)
    batches = BatchesApi(state, models)
    caches = CachedContentsApi(state, models)
    downloads = FileDownloads(state)

    def op(name: str, handler: Handler) -> Operation:
        return Operation(name, handler, state)

    def read(name: str, handler: Handler) -> Operation:
        """Reads (metadata, model calls) change nothing: once their client has left, finishing them is
        wasted work, so they stop. Writes (uploads, delete) finish, as the real service would."""
        return Operation(name, handler, state, cancel_when_abandoned=True)

    upload = _UploadRouter(
        Operation("upload.start", files.upload, state, error_headers=_UPLOAD_HEADERS),
        Operation("upload.chunk", files.upload, state, needs_key=False, error_headers=_UPLOAD_HEADERS),
    )
    model = "/{version}/models/{model}"
    batch = "/{version}/batches/{batch_id}"
    cache = "/{version}/cachedContents/{cache_id}"
    download = read("files.download", downloads.download)
    routes: list[BaseRoute] = [
        Route("/upload/{version}/files", upload, methods=["POST"]),
        # before files/{file_id}, which would take "abc:download" as an id
        Route("/{version}/files/{file_id}:download", download, methods=["GET"]),
        Route("/download/{version}/files/{file_id}:download", download, methods=["GET"]),
        Route("/{version}/files", read("files.list", files.list), methods=["GET"]),
        Route("/{version}/files/{file_id}", read("files.get", files.get), methods=["GET"]),
        Route("/{version}/files/{file_id}", op("files.delete", files.delete), methods=["DELETE"]),
        Route("/{version}/models", read("models.list", models.list), methods=["GET"]),
        Route(f"{model}:generateContent", read("models.generateContent", models.generate), methods=["POST"]),
        Route(
            f"{model}:streamGenerateContent",
            read("models.streamGenerateContent", models.stream_generate),
            methods=["POST"],
        ),
        Route(f"{model}:countTokens", read("models.countTokens", models.count_tokens), methods=["POST"]),
        Route(f"{model}:batchGenerateContent", op("batches.create", batches.create), methods=["POST"]),
        Route("/{version}/batches", read("batches.list", batches.list), methods=["GET"]),
        Route(f"{batch}:cancel", op("batches.cancel", batches.cancel), methods=["POST"]),
        Route(batch, read("batches.get", batches.get), methods=["GET"]),
        Route(batch, op("batches.delete", batches.delete), methods=["DELETE"]),
        Route("/{version}/cachedContents", op("cachedContents.create", caches.create), methods=["POST"]),
        Route("/{version}/cachedContents", read("cachedContents.list", caches.list), methods=["GET"]),
        Route(cache, read("cachedContents.get", caches.get), methods=["GET"]),
        Route(cache, op("cachedContents.update", caches.update), methods=["PATCH"]),
        Route(cache, op("cachedContents.delete", caches.delete), methods=["DELETE"]),
        Route(model, read("models.get", models.get), methods=["GET"]),
        *control_routes(state),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.emulator = state
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods also answer in the API's error JSON, so SDK errors stay readable."""
    assert isinstance(exc, HTTPException)
    message = f"{exc.detail}: {request.method} {request.url.path} is not part of the emulated Gemini API."
    return ApiError(exc.status_code, message).to_response(exc.headers)
