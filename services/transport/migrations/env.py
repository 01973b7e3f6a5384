"""Alembic environment of the transport service (schema ``transport``)."""

from alembic import context

from kulkuri.shared.db.migrations import run_env

run_env(context)
