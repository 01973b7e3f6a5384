"""Alembic environment of the holds service (schema ``holds``)."""

from alembic import context

from kulkuri.shared.db.migrations import run_env

run_env(context)
