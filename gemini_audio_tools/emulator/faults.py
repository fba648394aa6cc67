"""Fault injection and traffic counters, so clients' retry, resume and timeout paths can be tested.

Every request is tagged with an *operation* name (``upload.start``, ``upload.chunk``, ``files.get``,
``files.list``, ``files.delete``, ``models.generateContent``, ``models.streamGenerateContent``,
``models.countTokens``, ``models.get``, ``models.list``, ``files.download``, ``batches.*``,
``cachedContents.*``; ``batches.request`` is each request a batch answers); a rule matches operations with a
glob pattern (``models.*``). Rules fire a bounded number of times (or forever) and are consumed in the order
added.
"""

from __future__ import annotations

import fnmatch
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .errors import ApiError

OPERATIONS = (
    "upload.start",
    "upload.chunk",
    "files.get",
    "files.list",
    "files.delete",
    "models.generateContent",
    "models.streamGenerateContent",
    "models.countTokens",
    "models.get",
    "models.list",
    "files.download",
    "batches.create",
    "batches.get",
    "batches.list",
    "batches.cancel",
    "batches.delete",
    "batches.request",
    "cachedContents.create",
    "cachedContents.get",
    "cachedContents.list",
    "cachedContents.update",
    "cachedContents.delete",
)

_DEFAULT_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
}


@dataclass
class FaultRule:
    """One injected fault.

    ``kind``: ``"error"`` answers ``status_code`` with the API's error JSON (and ``Retry-After`` when set);
    ``"drop"`` closes the connection after receiving ``drop_after_bytes`` of the request body, with no
    response; ``"latency"`` delays the request by ``latency_seconds`` and then serves it normally.
    """

    kind: Literal["error", "drop", "latency"] = "error"
    operation: str = "*"
    times: int | None = 1
    """How many matching requests it hits; ``None`` = every one until cleared."""
    status_code: int = 503
    message: str | None = None
    retry_after: float | None = None
    drop_after_bytes: int = 0
    latency_seconds: float = 0.0

    def to_error(self) -> ApiError:
        message = self.message or _DEFAULT_MESSAGES.get(self.status_code, "Injected fault.")
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        return ApiError(self.status_code, message, headers=headers)


@dataclass
class ProcessingFault:
    """Hold the next ``files`` uploads (``None`` = all) in PROCESSING for ``seconds`` (``None`` = forever)."""

    seconds: float | None
    fail_message: str | None = "Processing timed out."
    """When set, the file turns FAILED with this message once released; ``None`` lets it turn ACTIVE."""
    files: int | None = 1


@dataclass
class TrafficStats:
    """Per-operation counters: requests, request-body bytes received, responses by HTTP status, and
    requests whose client left before the answer (``abandoned``, counted the moment the emulator notices;
    the request is counted under status 499 once it has ended)."""

    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bytes_received: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    abandoned: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "bytes_received": dict(self.bytes_received),
            "statuses": {op: dict(codes) for op, codes in self.statuses.items()},
            "abandoned": dict(self.abandoned),
        }


class FaultPlan:
    """The active faults plus the traffic counters. Thread-safe: tests arm faults from their own thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.processing: list[ProcessingFault] = []
        self.failed_uploads: list[str] = []
        """Messages for the next uploads that must turn FAILED whatever their bytes."""
        self.audio_latency_per_hour = 0.0
        """Seconds of extra latency per hour of audio in a generateContent request."""
        self.stats = TrafficStats()

    # --- arming --------------------------------------------------------------------------------------

    def add(self, rule: FaultRule) -> FaultRule:
        """Arm ``rule``.

        Raises:
            ValueError: the rule's numbers are out of range.
        """
        if rule.times is not None and rule.times < 1:
            raise ValueError(f"A fault must fire at least once (times={rule.times}); use None for 'always'.")
        if rule.kind == "error" and not 400 <= rule.status_code <= 599:
            raise ValueError(f"status_code must be an HTTP error status (4xx/5xx), got {rule.status_code}.")
        if rule.drop_after_bytes < 0 or rule.latency_seconds < 0:
            raise ValueError("drop_after_bytes and latency_seconds must not be negative.")
        with self._lock:
            self.rules.append(rule)
        return rule

    def error(
        self,
        status_code: int = 503,
        operation: str = "*",
        times: int | None = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with ``status_code`` (429: add ``retry_after``).

        Raises:
            ValueError: ``status_code`` is not 4xx/5xx or ``times`` < 1.
        """
        return self.add(FaultRule("error", operation, times, status_code, message, retry_after))

    def drop_connection(
        self, operation: str = "upload.chunk", after_bytes: int = 0, times: int = 1
    ) -> FaultRule:
        """Close the socket after ``after_bytes`` of the next matching request's body, without answering.

        Raises:
            ValueError: ``after_bytes`` < 0 or ``times`` < 1.
        """
        return self.add(FaultRule("drop", operation, times, drop_after_bytes=after_bytes))

    def latency(self, seconds: float, operation: str = "*", times: int | None = 1) -> FaultRule:
        """Delay the next matching requests by ``seconds`` (real time).

        Raises:
            ValueError: ``seconds`` < 0 or ``times`` < 1.
        """
        return self.add(FaultRule("latency", operation, times, latency_seconds=seconds))

    def slow_processing(
        self, seconds: float | None, fail_message: str | None = "Processing timed out.", files: int | None = 1
    ) -> ProcessingFault:
        """Keep the next ``files`` uploads PROCESSING for ``seconds`` of emulator clock (None: forever)."""
        fault = ProcessingFault(seconds, fail_message, files)
        with self._lock:
            self.processing.append(fault)
        return fault

    def fail_uploads(self, count: int = 1, message: str = "File processing failed.") -> None:
        """Make the next ``count`` uploads FAILED (after processing), whatever their bytes."""
        with self._lock:
            self.failed_uploads.extend([message] * count)

    def audio_latency(self, seconds_per_hour: float) -> None:
        """Delay every generateContent by ``seconds_per_hour`` per hour of audio it carries (0 turns it off).

        Raises:
            ValueError: ``seconds_per_hour`` is negative.
        """
        if seconds_per_hour < 0:
            raise ValueError(f"seconds_per_hour must not be negative, got {seconds_per_hour}.")
        with self._lock:
            self.audio_latency_per_hour = float(seconds_per_hour)

    def clear(self) -> None:
        """Disarm every fault (counters are kept; see :meth:`reset_stats`)."""
        with self._lock:
            self.rules.clear()
            self.processing.clear()
            self.failed_uploads.clear()
            self.audio_latency_per_hour = 0.0

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = TrafficStats()

    # --- consuming (server side) ----------------------------------------------------------------------

    def take(self, operation: str) -> FaultRule | None:
        """The first armed rule matching ``operation``, consuming one of its ``times``."""
        with self._lock:
            for rule in self.rules:
                if fnmatch.fnmatchcase(operation, rule.operation):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times == 0:
                            self.rules.remove(rule)
                    return rule
        return None

    def take_processing(self) -> ProcessingFault | None:
        with self._lock:
            if not self.processing:
                return None
            fault = self.processing[0]
            if fault.files is not None:
                fault.files -= 1
                if fault.files <= 0:
                    self.processing.pop(0)
            return fault

    def take_failed_upload(self) -> str | None:
        with self._lock:
            return self.failed_uploads.pop(0) if self.failed_uploads else None

    def count_request(self, operation: str) -> None:
        with self._lock:
            self.stats.requests[operation] += 1

    def count_bytes(self, operation: str, n: int) -> None:
        with self._lock:
            self.stats.bytes_received[operation] += n

    def count_abandoned(self, operation: str) -> None:
        with self._lock:
            self.stats.abandoned[operation] += 1

    def count_status(self, operation: str, status: int) -> None:
        with self._lock:
            self.stats.statuses[operation][status] += 1

    def uncount_status(self, operation: str, status: int) -> None:
        """Take back one ``count_status`` (an answer counted as sent, then cut off by its client)."""
        with self._lock:
            codes = self.stats.statuses[operation]
            codes[status] -= 1
            if codes[status] <= 0:
                del codes[status]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rules": [asdict(r) for r in self.rules],
                "processing": [asdict(p) for p in self.processing],
                "failed_uploads": list(self.failed_uploads),
                "audio_latency_per_hour": self.audio_latency_per_hour,
                "stats": self.stats.snapshot(),
            }
