"""The operations endpoints every service serves: /metrics, /healthz and /readyz.

/healthz says the process is alive (the orchestrator restarts it otherwise); /readyz says the
broker and database answer (the orchestrator routes no traffic to it otherwise).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]
_CHECK_TIMEOUT_S = 3.0


def add_ops_routes(
    app: FastAPI, registry: CollectorRegistry, checks: Mapping[str, ReadinessCheck]
) -> FastAPI:
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(*(_run(check) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ready = all(result == "ok" for result in results)
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": report},
            status_code=200 if ready else 503,
        )

    return app


async def _run(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=_CHECK_TIMEOUT_S)
    except Exception as exc:  # a failed check is a report, not an error of ours
        return f"{type(exc).__name__}: {exc}"[:300]
    return "ok"
