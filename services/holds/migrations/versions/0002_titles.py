"""The state of the ``Title`` aggregate: everything its items and holds know.

Items gain the allocation state of a copy (the hold it is promised to, the open transfer
and the counter that numbers transfer ids, when it was last returned); holds gain their
copy, their status history and the digital pass-through flag. Both gain ``ordinal``, the
entity's place in its title's insertion order, so a loaded ``Title`` iterates its copies
and holds as the saved one did.

Every new column is nullable or has a default, so rows written with 0001's columns only
(the handlers' first repository) stay valid; ``TitleRepository`` reads such holds (empty
``history``) as if placed and then moved once to their current status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op

from kulkuri.shared.db.schema import checked_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ITEM_COLUMNS = (
    ("ordinal", "integer NOT NULL DEFAULT 0"),
    ("last_returned_at", "timestamptz"),
    ("hold_id", "text"),  # the hold this copy is assigned to
    ("destination", "text"),  # while in transit
    ("transfer_id", "text"),  # the open transfer, while in transit
    ("transfer_reason", "text"),
    ("transfers", "integer NOT NULL DEFAULT 0"),  # numbers the next transfer id
)
HOLD_COLUMNS = (
    ("ordinal", "integer NOT NULL DEFAULT 0"),
    ("item_id", "text"),  # the copy assigned to it
    ("history", "jsonb NOT NULL DEFAULT '[]'::jsonb"),  # [[status, ISO 8601 time], ...]
    ("passed_through", "boolean NOT NULL DEFAULT false"),
)


def upgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(
        f"ALTER TABLE {s}.items "
        + ", ".join(f"ADD COLUMN {name} {kind}" for name, kind in ITEM_COLUMNS)
    )
    op.execute(
        f"ALTER TABLE {s}.holds "
        + ", ".join(f"ADD COLUMN {name} {kind}" for name, kind in HOLD_COLUMNS)
    )


def downgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(
        f"ALTER TABLE {s}.holds " + ", ".join(f"DROP COLUMN {name}" for name, _ in HOLD_COLUMNS)
    )
    op.execute(
        f"ALTER TABLE {s}.items " + ", ".join(f"DROP COLUMN {name}" for name, _ in ITEM_COLUMNS)
    )
