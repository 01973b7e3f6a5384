"""Inbox, outbox, and an effects table that records every handler call (no dedupe of its own).

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from kulkuri.shared.db.schema import drop_messaging_tables_v1, messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(*, schema: str) -> None:
    for statement in messaging_tables_v1(schema):
        op.execute(statement)
    op.execute(f"CREATE TABLE {schema}.effects (event_id text NOT NULL, bib_id text NOT NULL)")


def downgrade(*, schema: str) -> None:
    op.execute(f"DROP TABLE {schema}.effects")
    for statement in drop_messaging_tables_v1(schema):
        op.execute(statement)
