"""The Files API: resumable upload (start, chunks, query, cancel), get, list and delete.

Wire format as the google-genai SDK speaks it (``files.py`` and ``_api_client.upload_file``): camelCase JSON,
``X-Goog-Upload-*`` headers, an absolute ``X-Goog-Upload-URL`` pointing back at this server.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import ApiError, UndecodableAudioError, invalid_argument, unsupported_mime_type
from .model_types import AudioInput, AudioTokenCount
from .state import EmulatorState
from .uploads import UploadSession, receive_chunk

_FINAL = {"X-Goog-Upload-Status": "final"}


def api_root(request: Request) -> str:
    """``http://host:port/v1`` for this request: the prefix of file URIs the client can fetch back."""
    return f"{str(request.base_url).rstrip('/')}/{request.path_params['version']}"


class FilesApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # --- upload ----------------------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """``POST /upload/{v}/files``: starts a session, or (with ``upload_id``) takes one session command."""
        if "upload_id" in request.query_params:
            return await self._session_command(request)
        return await self._start(request)

    async def _start(self, request: Request) -> Response:
        headers = request.headers
        if headers.get("x-goog-upload-protocol", "").lower() != "resumable":
            raise invalid_argument(
                "The emulator supports resumable uploads only (X-Goog-Upload-Protocol: resumable)."
            )
        if headers.get("x-goog-upload-command", "").lower() != "start":
            raise invalid_argument("A new upload must start with X-Goog-Upload-Command: start.")
        metadata = _json_object(await request.body()).get("file") or {}
        if not isinstance(metadata, dict):
            raise invalid_argument("Invalid JSON payload: 'file' must be an object.")
        size = _declared_size(headers.get("x-goog-upload-header-content-length"))
        # The SDK sends the File metadata in snake_case; the REST docs show camelCase. Both are accepted.
        declared = headers.get("x-goog-upload-header-content-type")
        declared = declared or metadata.get("mimeType") or metadata.get("mime_type")
        mime_type = str(declared or "").lower().split(";")[0].strip()
        if not mime_type:
            raise invalid_argument("The file's MIME type is missing (X-Goog-Upload-Header-Content-Type).")
        if mime_type not in self.state.settings.upload_mime_types:
            raise unsupported_mime_type(mime_type)
        self.state.store.check_quota(size, pending_bytes=self.state.uploads.pending_bytes())
        requested = metadata.get("name")
        if requested and str(requested).removeprefix("files/") in self.state.uploads.reserved_file_ids():
            raise ApiError(409, f"File {requested} is already being uploaded.", "ALREADY_EXISTS")
        file_id = self.state.store.claim_id(str(requested) if requested else None)
        display_name = metadata.get("displayName") or metadata.get("display_name")
        session = self.state.uploads.start(file_id, display_name, mime_type, size)
        url = (
            f"{str(request.base_url).rstrip('/')}/upload/{request.path_params['version']}/files"
            f"?upload_id={session.upload_id}&upload_protocol=resumable"
        )
        return Response(
            status_code=200,
            headers={
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-URL": url,
                "X-Goog-Upload-Control-URL": url,
                "X-Goog-Upload-Chunk-Granularity": str(self.state.settings.upload_chunk_granularity),
            },
        )

    async def _session_command(self, request: Request) -> Response:
        session = self.state.uploads.get(request.query_params.get("upload_id"))
        commands = {c.strip().lower() for c in request.headers.get("x-goog-upload-command", "").split(",")}
        async with session.lock:
            self.state.uploads.ensure_live(session)  # cancelled, failed or expired while we waited
            if session.finished_file_id is not None:
                return self._file_response(request, session.finished_file_id)
            if "query" in commands:
                return Response(
                    headers={
                        "X-Goog-Upload-Status": "active",
                        "X-Goog-Upload-Size-Received": str(session.offset),
                    }
                )
            if "cancel" in commands:
                self.state.uploads.discard(session)
                return Response(headers={"X-Goog-Upload-Status": "cancelled"})
            if "upload" not in commands and "finalize" not in commands:
                raise invalid_argument(
                    f"Unknown X-Goog-Upload-Command '{request.headers.get('x-goog-upload-command')}'."
                )
            try:
                return await self._upload_chunk(request, session, commands)
            except ApiError:
                # The SDK cannot resume a rejected chunk: end the session and leave nothing behind.
                self.state.uploads.discard(session)
                raise

    async def _upload_chunk(self, request: Request, session: UploadSession, commands: set[str]) -> Response:
        final = "finalize" in commands
        if "upload" in commands:
            offset = request.headers.get("x-goog-upload-offset")
            if offset is None or not offset.isdigit() or int(offset) != session.offset:
                raise invalid_argument(
                    f"Invalid X-Goog-Upload-Offset {offset!r}: the server has received {session.offset} "
                    "bytes; query the upload status and resume from there."
                )
            await receive_chunk(
                session, request.stream(), final, self.state.settings.upload_chunk_granularity
            )
        if not final:
            return Response(headers={"X-Goog-Upload-Status": "active"})
        if session.offset != session.declared_size:
            raise invalid_argument(
                f"Upload finalized after {session.offset} bytes, but {session.declared_size} bytes were "
                "declared (X-Goog-Upload-Header-Content-Length)."
            )
        await self._finish(session)
        return self._file_response(request, session.file_id)

    async def _finish(self, session: UploadSession) -> None:
        """Measure the bytes ("processing": the audio's length, or why it failed), then move them into the
        store. Measuring first means that a request stopped meanwhile (a server shutting down) leaves the
        bytes with their session, which expires, instead of an unrecorded file in the store."""
        audio: AudioTokenCount | None = None
        failure: str | None = None
        if session.mime_type.startswith("audio/"):
            audio, failure = await anyio.to_thread.run_sync(
                self._measure, session.path, session.mime_type, session.hasher.hexdigest()
            )
        # Nothing below awaits: the move, the record and the session's end happen together.
        store = self.state.store
        path = store.root / session.file_id
        session.path.replace(path)
        forced = self.state.faults.take_failed_upload()
        failure = forced or failure
        record = store.add(
            session.file_id,
            display_name=session.display_name,
            mime_type=session.mime_type,
            size_bytes=session.declared_size,
            sha256_hex=session.hasher.hexdigest(),
            path=path,
            audio=None if failure else audio,
            failure=failure,
        )
        hold = self.state.faults.take_processing()
        if hold is not None:
            if hold.seconds is None:
                record.hold_forever = True
            else:
                record.hold_until = record.create_time + timedelta(seconds=hold.seconds)
            if hold.fail_message:
                record.failure = hold.fail_message
        # Kept (bytes now owned by the store) so a repeated finalize or a query answers with the file.
        session.finished_file_id = session.file_id

    def _measure(self, path: Path, mime_type: str, sha256: str) -> tuple[AudioTokenCount | None, str | None]:
        try:  # decoded from the file on disk: a 2 GB upload is never held in memory (nor hashed again)
            return self.state.model.count_audio(AudioInput(b"", mime_type, path=path, sha256=sha256)), None
        except UndecodableAudioError as err:
            return None, f"The file could not be processed as {mime_type}: {err}"

    def _file_response(self, request: Request, file_id: str) -> Response:
        record = self.state.store.get(file_id)
        body = {"file": record.to_json(self.state.clock.now(), api_root(request))}
        return JSONResponse(body, headers=_FINAL)

    # --- metadata --------------------------------------------------------------------------------------

    async def get(self, request: Request) -> Response:
        record = self.state.store.get(request.path_params["file_id"])
        return JSONResponse(record.to_json(self.state.clock.now(), api_root(request)))

    async def delete(self, request: Request) -> Response:
        self.state.store.delete(request.path_params["file_id"])
        return JSONResponse({})

    async def list(self, request: Request) -> Response:
        params = request.query_params
        page_size = params.get("pageSize") or params.get("page_size")
        if page_size is not None and not page_size.lstrip("-").isdigit():
            raise invalid_argument(f"Invalid value for pageSize: '{page_size}' is not an integer.")
        if page_size is not None and int(page_size) < 0:
            raise invalid_argument(f"pageSize must not be negative, got {page_size}.")
        records, token = self.state.store.page(
            int(page_size) if page_size else None, params.get("pageToken") or params.get("page_token")
        )
        now, root = self.state.clock.now(), api_root(request)
        body: dict[str, object] = {}
        if records:
            body["files"] = [r.to_json(now, root) for r in records]
        if token:
            body["nextPageToken"] = token
        return JSONResponse(body)


def _declared_size(value: str | None) -> int:
    if value is None or not value.strip().isdigit():
        raise invalid_argument(
            f"X-Goog-Upload-Header-Content-Length must be the file's size in bytes, got {value!r}."
        )
    return int(value)


def _json_object(body: bytes) -> dict[str, object]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(data, dict):
        raise invalid_argument("Invalid JSON payload received: expected an object.")
    return data
