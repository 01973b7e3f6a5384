"""The reports as an app of their own, with /healthz, /readyz and /metrics, on DATABASE_URL
and with AUTH_TOKEN_SECRET's tokens::

    uvicorn --factory kulkuri.reports.entrypoints.app:create_app

Inside another service, ``entrypoints.http.mount_reports`` shares that service's pool instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.reports.config import ReportsConfig
from kulkuri.reports.entrypoints.http import mount_reports
from kulkuri.shared.auth import authority_from
from kulkuri.shared.db.pool import create_pool
from kulkuri.shared.observability.http import add_ops_routes


def create_app(config: ReportsConfig | None = None, *, database_url: str | None = None) -> FastAPI:
    config = config or ReportsConfig()
    url = database_url or config.database.url
    if url is None:
        raise ValueError("the reports app needs DATABASE_URL (the services' database)")
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = config.database
        pools.append(
            await create_pool(url, min_size=settings.pool_min_size, max_size=settings.pool_max_size)
        )
        try:
            yield
        finally:
            await pools.pop().close()

    def pool() -> asyncpg.Pool | None:
        return pools[0] if pools else None

    async def database_answers() -> None:
        found = pool()
        if found is None:
            raise RuntimeError("no database pool yet")
        await found.fetchval("SELECT 1")

    app = FastAPI(title="kulkuri reports", version="0.1.0", lifespan=lifespan)
    mount_reports(app, pool, authority_from(config.auth), config.reports)
    return add_ops_routes(app, CollectorRegistry(), {"database": database_answers})
