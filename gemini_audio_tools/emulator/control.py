"""``/_emulator/*``: drive the emulator from another process (faults, clock, reset, state, counters, failing a
file or a batch).

The same operations are methods on :class:`EmulatorState` for in-process tests; this is for users running
``gemini-audio emulator`` and testing their own agents from outside. No API key is needed here.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .clock import rfc3339
from .errors import ApiError, invalid_argument
from .faults import FaultRule
from .state import EmulatorState


def control_routes(state: EmulatorState) -> list[Route]:
    async def get_state(request: Request) -> Response:
        now = state.clock.now()
        files = [
            {
                "name": f.name,
                "state": f.state(now),
                "sizeBytes": f.size_bytes,
                "expirationTime": rfc3339(f.expiration_time),
            }
            for f in state.store.all()
        ]
        batches = [{"name": j.name, "state": j.state(now)} for j in state.batches.all()]
        caches = [{"name": c.name, "expireTime": rfc3339(c.expire_time)} for c in state.caches.all()]
        return JSONResponse(
            {
                "now": rfc3339(now),
                "files": files,
                "batches": batches,
                "cachedContents": caches,
                "usedBytes": state.store.used_bytes(),
                "openUploadSessions": state.uploads.open_count(),
                "storageDir": str(state.root),
                **state.faults.describe(),
            }
        )

    async def add_fault(request: Request) -> Response:
        return await _guard(lambda body: _arm(state, body), request)

    async def clear_faults(request: Request) -> Response:
        state.faults.clear()
        return JSONResponse(state.faults.describe())

    async def clock(request: Request) -> Response:
        async def apply(body: dict[str, Any]) -> Response:
            if "advance_seconds" in body:
                state.clock.advance(float(body["advance_seconds"]))
            elif "now" in body:
                state.clock.set(datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00")))
            elif body.get("reset"):
                state.clock.reset()
            else:
                raise invalid_argument("Send {'advance_seconds': N}, {'now': ISO-8601} or {'reset': true}.")
            return JSONResponse({"now": rfc3339(state.clock.now())})

        return await _guard_async(apply, request)

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def fail_file(request: Request) -> Response:
        async def apply(body: dict[str, Any]) -> Response:
            message = str(body.get("message") or "File processing failed.")
            record = state.store.fail(request.path_params["file_id"], message)
            return JSONResponse({"name": record.name, "state": record.state(state.clock.now())})

        return await _guard_async(apply, request)

    async def fail_batch(request: Request) -> Response:
        async def apply(body: dict[str, Any]) -> Response:
            message = str(body.get("message") or "The batch failed.")
            job = state.batches.fail(request.path_params["batch_id"], message)
            return JSONResponse({"name": job.name, "state": job.state(state.clock.now())})

        return await _guard_async(apply, request)

    return [
        Route("/_emulator/state", get_state, methods=["GET"]),
        Route("/_emulator/batches/{batch_id}:fail", fail_batch, methods=["POST"]),
        Route("/_emulator/faults", add_fault, methods=["POST"]),
        Route("/_emulator/faults", clear_faults, methods=["DELETE"]),
        Route("/_emulator/clock", clock, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/files/{file_id}:fail", fail_file, methods=["POST"]),
    ]


def _arm(state: EmulatorState, body: dict[str, Any]) -> Response:
    """Arm one fault described by ``body["type"]``: error, drop, latency, slow_processing, fail_uploads or
    audio_latency; the other keys are the matching :class:`FaultPlan` method's arguments."""
    kind = body.pop("type", "error")
    faults = state.faults
    if kind in ("error", "drop", "latency"):
        faults.add(FaultRule(kind=kind, **body))
    elif kind == "slow_processing":
        faults.slow_processing(**body)
    elif kind == "fail_uploads":
        faults.fail_uploads(**body)
    elif kind == "audio_latency":
        faults.audio_latency(float(body["seconds_per_hour"]))
    else:
        raise invalid_argument(
            f"Unknown fault type '{kind}'; use error, drop, latency, slow_processing, fail_uploads "
            "or audio_latency."
        )
    return JSONResponse(faults.describe())


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise invalid_argument("The control endpoint expects a JSON object.") from None
    if not isinstance(data, dict):
        raise invalid_argument("The control endpoint expects a JSON object.")
    return data


async def _guard(apply: Any, request: Request) -> Response:
    try:
        return apply(await _body(request))  # type: ignore[no-any-return]
    except ApiError as err:
        return err.to_response()
    except (TypeError, ValueError, KeyError) as err:
        return invalid_argument(f"Invalid control request: {err}").to_response()


async def _guard_async(apply: Any, request: Request) -> Response:
    try:
        return await apply(await _body(request))  # type: ignore[no-any-return]
    except ApiError as err:
        return err.to_response()
    except (TypeError, ValueError, KeyError) as err:
        return invalid_argument(f"Invalid control request: {err}").to_response()
