"""The emulator's errors: the Gemini API's error responses, and the emulator's own internal failures.

Every failure the emulator reports is an :class:`ApiError` turned into ``{"error": {"code", "message",
"status"}}`` with the matching HTTP status, so the google-genai SDK raises its own ``ClientError`` /
``ServerError`` with the right ``.code`` and ``.status``. The messages copy the real service's wording where
it is known (collected from SDK issue threads and users' logs), because client code matches on them.

:class:`EmulatorError` and its subclasses are failures inside the emulator (audio it cannot decode, a broken
recognizer install); the HTTP layer turns them into API errors. They are the emulator's own, not the
library's: the emulator imitates a remote service and shares no error types with its clients.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

_STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    408: "DEADLINE_EXCEEDED",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class EmulatorError(Exception):
    """A failure inside the emulator (not an API answer); the HTTP layer decides what the client sees."""


class UndecodableAudioError(EmulatorError):
    """Bytes that are not audio FFmpeg can decode (or decode to no samples at all)."""


class EmulatorConfigurationError(EmulatorError):
    """The emulator is set up wrongly (e.g. a configured speech model that is missing or fails checks)."""


class ApiError(Exception):
    """A failure to report to the client as the Gemini API would: HTTP ``code``, gRPC-style ``status``."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        headers: Mapping[str, str] | None = None,
        details: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS_BY_CODE.get(code, "UNKNOWN")
        self.headers = dict(headers or {})
        self.details = details

    def to_json(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def to_response(self, extra_headers: Mapping[str, str] | None = None) -> JSONResponse:
        headers = {**self.headers, **(extra_headers or {})}
        return JSONResponse(self.to_json(), status_code=self.code, headers=headers)


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def failed_precondition(message: str) -> ApiError:
    return ApiError(400, message, "FAILED_PRECONDITION")


def file_not_accessible(file_id: str) -> ApiError:
    """What the real API answers for a file that never existed, was deleted or expired: 403, not 404."""
    return ApiError(
        403,
        f"You do not have permission to access the File {file_id} or it may not exist.",
        "PERMISSION_DENIED",
    )


def file_not_active(file_id: str, state: str) -> ApiError:
    return failed_precondition(f"The File {file_id} is not in an ACTIVE state and usage is not allowed.")


def model_not_found(model: str, version: str, method: str) -> ApiError:
    """The real API's answer for a retired or unknown model id. ``method`` as the API names it: a
    streamGenerateContent request is reported as ``generateContent``, as the real service does."""
    return ApiError(
        404,
        f"models/{model} is not found for API version {version}, or is not supported for {method}. "
        "Call ListModels to see the list of available models and their supported methods.",
        "NOT_FOUND",
    )


def missing_api_key() -> ApiError:
    return ApiError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API.",
        "PERMISSION_DENIED",
    )


def invalid_api_key() -> ApiError:
    """As Google answers a wrong key, including the ``API_KEY_INVALID`` reason clients look for."""
    info: dict[str, object] = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"},
    }
    return ApiError(
        400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", details=[info]
    )


def unsupported_mime_type(mime_type: str) -> ApiError:
    return invalid_argument(f"Unsupported MIME type: {mime_type}")


def payload_too_large(limit: int) -> ApiError:
    return invalid_argument(f"Request payload size exceeds the limit: {limit} bytes.")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found.", "NOT_FOUND")
