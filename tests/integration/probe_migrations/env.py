"""Alembic environment of the probe service used by the messaging tests."""

from alembic import context

from kulkuri.shared.db.migrations import run_env

run_env(context)
