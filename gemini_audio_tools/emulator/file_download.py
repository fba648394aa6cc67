"""``GET /{v}/files/{id}:download?alt=media``: the bytes of a file the service generated (batch results).

google-genai 3.6.1's ``files.download`` requests ``files/{id}:download?alt=media`` under the API version
(``/v1/…``); the batch guide's curl uses ``/download/v1beta/files/{id}:download?alt=media``. Both are served.
Uploaded files cannot be downloaded, as the SDK itself warns ("Only generated files can be downloaded").
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .errors import invalid_argument
from .state import EmulatorState


class FileDownloads:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def download(self, request: Request) -> Response:
        record = self.state.store.get(request.path_params["file_id"])
        if record.source != "GENERATED":
            raise invalid_argument(
                f"File {record.name} was uploaded; only files the service generated (such as batch results) "
                "can be downloaded."
            )
        if request.query_params.get("alt") != "media":
            raise invalid_argument("Add ?alt=media to download a file's bytes.")
        return FileResponse(record.path, media_type=record.mime_type)
