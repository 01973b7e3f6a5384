"""The asyncpg pool, and which database faults are worth a retry."""

from __future__ import annotations

import asyncpg

_TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient_db_error(exc: BaseException) -> bool:
    """True for faults that a retry may cure: lost connections, restarts, deadlocks."""
    return isinstance(exc, _TRANSIENT_DB_ERRORS)


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 5) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
    if pool is None:  # asyncpg types the result as optional
        raise RuntimeError("asyncpg returned no pool")
    return pool
