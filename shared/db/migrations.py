"""Schema migrations with Alembic, one schema and one version table per service.

Each service ships an Alembic script directory (``env.py`` + ``versions/``) inside its package;
``env.py`` calls :func:`run_env`. Migrations run through SQLAlchemy's asyncpg dialect, on a
connection made by asyncpg itself so that every URL asyncpg accepts (unix sockets included)
works here too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from kulkuri.shared.db.schema import checked_schema


@dataclass(frozen=True)
class MigrationSet:
    """One service's migrations: where the scripts are and which schema they own."""

    schema: str
    script_location: Path

    def config(self, database_url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.script_location))
        cfg.attributes["database_url"] = database_url
        cfg.attributes["schema"] = checked_schema(self.schema)
        return cfg


async def upgrade(migrations: MigrationSet, database_url: str, revision: str = "head") -> None:
    # Alembic's env runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, migrations.config(database_url), revision)


async def downgrade(migrations: MigrationSet, database_url: str, revision: str = "base") -> None:
    await asyncio.to_thread(command.downgrade, migrations.config(database_url), revision)


async def current_revision(migrations: MigrationSet, database_url: str) -> str | None:
    conn = await asyncpg.connect(database_url)
    try:
        table = f"{checked_schema(migrations.schema)}.alembic_version"
        exists = await conn.fetchval("SELECT to_regclass($1)", table)
        if exists is None:
            return None
        value: str | None = await conn.fetchval(f"SELECT version_num FROM {table}")
        return value
    finally:
        await conn.close()


def run_env(context: Any) -> None:
    """Body of every service's ``env.py``: online migrations in the service's schema."""
    env: EnvironmentContext = context
    cfg = env.config
    url: str = cfg.attributes["database_url"]
    schema: str = cfg.attributes["schema"]
    if env.is_offline_mode():
        raise RuntimeError("kulkuri migrations run online only")
    asyncio.run(_run_online(env, url, schema))


async def _run_online(env: EnvironmentContext, url: str, schema: str) -> None:
    engine = create_async_engine(
        "postgresql+asyncpg://",
        async_creator=lambda: asyncpg.connect(url),
        poolclass=NullPool,
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, env, schema)
            await connection.commit()
    finally:
        await engine.dispose()


def _migrate(connection: Connection, env: EnvironmentContext, schema: str) -> None:
    # A migration Job and a starting service may migrate at once: one waits for the other.
    # The lock is the session's, and goes with the connection when the engine is disposed.
    connection.execute(
        text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": f"kulkuri.migrate.{schema}"}
    )
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    env.configure(
        connection=connection,
        version_table_schema=schema,
        include_schemas=True,
    )
    with env.begin_transaction():
        env.run_migrations(schema=schema)
