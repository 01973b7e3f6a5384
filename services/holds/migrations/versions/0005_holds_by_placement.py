"""Holds by when they were placed: a title's recent demand, and the open ones by status.

The rebalance advisor counts, per batch, the holds placed on the batch's titles within the
window (``adapters/demand.py``); with only ``(bib_id, status)`` indexed that reads every hold
a popular title ever had. ``(bib_id, placed_at)`` reads just the window. The waiting-holds
gauge, the expiry job and the nightly job ask for waiting or ready holds across all titles;
the partial index keeps those reads to the open holds instead of the whole history.

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
    op.execute(
        f"CREATE INDEX holds_waiting_or_ready ON {s}.holds (status, placed_at)"
        " WHERE status IN ('waiting', 'ready')"
    )


def downgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"DROP INDEX {s}.holds_waiting_or_ready")
    op.execute(f"DROP INDEX {s}.holds_bib_placed")
