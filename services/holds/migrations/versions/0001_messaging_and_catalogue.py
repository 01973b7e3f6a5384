"""Inbox, outbox, and the holds service's first state: items and holds.

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
    op.execute(
        f"""
        CREATE TABLE {schema}.items (
            item_id         text PRIMARY KEY,
            bib_id          text NOT NULL,
            owning_library  text NOT NULL,
            current_library text NOT NULL,
            collection      text NOT NULL,
            format          text NOT NULL,
            status          text NOT NULL,
            status_since    timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX items_bib ON {schema}.items (bib_id)")
    op.execute(
        f"""
        CREATE TABLE {schema}.holds (
            hold_id        text PRIMARY KEY,
            bib_id         text NOT NULL,
            pickup_library text NOT NULL,
            placed_at      timestamptz NOT NULL,
            expires_at     timestamptz,
            status         text NOT NULL,
            status_since   timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX holds_bib_status ON {schema}.holds (bib_id, status)")


def downgrade(*, schema: str) -> None:
    op.execute(f"DROP TABLE {schema}.holds")
    op.execute(f"DROP TABLE {schema}.items")
    for statement in drop_messaging_tables_v1(schema):
        op.execute(statement)
