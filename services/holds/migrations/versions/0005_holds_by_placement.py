"""Holds of a title by when they were placed, for counting a title's recent demand.

The rebalance advisor counts, per batch, the holds placed on the batch's titles within the
window (``adapters/demand.py``); with only ``(bib_id, status)`` indexed that reads every hold
a popular title ever had. ``(bib_id, placed_at)`` reads just the window.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from alembic import op

from kulkuri.shared.db.schema import checked_schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"CREATE INDEX holds_bib_placed ON {s}.holds (bib_id, placed_at)")


def downgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"DROP INDEX {s}.holds_bib_placed")
