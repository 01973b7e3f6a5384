"""Alembic environment of the routing service (schema ``routing``)."""

from alembic import context

from kulkuri.shared.db.migrations import run_env

run_env(context)
