"""Inbox, outbox, and the transport service's state: transfers and crates.

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
    # history: the transfer's steps as a JSON array, appended to and never rewritten.
    # seq: request order, which decides which of a copy's open transfers runs first.
    op.execute(
        f"""
        CREATE TABLE {schema}.transfers (
            transfer_id    text PRIMARY KEY,
            seq            bigint GENERATED ALWAYS AS IDENTITY,
            item_id        text NOT NULL,
            bib_id         text NOT NULL,
            from_library   text NOT NULL,
            requested_to   text NOT NULL,
            requested_reason text NOT NULL,
            requested_hold text,
            to_library     text NOT NULL,
            reason         text NOT NULL,
            hold_id        text,
            status         text NOT NULL,
            waiting_behind text,
            crate_id       text,
            van_run        text,
            location       text,
            history        jsonb NOT NULL,
            requested_at   timestamptz NOT NULL,
            status_since   timestamptz NOT NULL,
            loaded_at      timestamptz,
            overdue_at     timestamptz
        )"""
    )
    ended = "('received', 'cancelled', 'missing')"
    op.execute(
        f"CREATE INDEX transfers_open_item ON {schema}.transfers (item_id, seq) "
        f"WHERE status NOT IN {ended}"
    )
    op.execute(f"CREATE INDEX transfers_from ON {schema}.transfers (from_library, status)")
    op.execute(f"CREATE INDEX transfers_to ON {schema}.transfers (to_library, status)")
    op.execute(f"CREATE INDEX transfers_crate ON {schema}.transfers (crate_id)")
    op.execute(
        f"CREATE INDEX transfers_in_transit ON {schema}.transfers (loaded_at) "
        "WHERE status IN ('loaded', 'unloaded')"
    )
    op.execute(
        f"""
        CREATE TABLE {schema}.crates (
            crate_id     text PRIMARY KEY,
            origin       text NOT NULL,
            next_stop    text NOT NULL,
            destination  text,
            service_day  date NOT NULL,
            capacity     integer NOT NULL CHECK (capacity > 0),
            status       text NOT NULL,
            transfer_ids text[] NOT NULL,
            van_run      text,
            location     text,
            history      jsonb NOT NULL,
            created_at   timestamptz NOT NULL,
            status_since timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX crates_origin_day ON {schema}.crates (origin, service_day)")
    op.execute(f"CREATE SEQUENCE {schema}.crate_numbers")


def downgrade(*, schema: str) -> None:
    op.execute(f"DROP SEQUENCE {schema}.crate_numbers")
    op.execute(f"DROP TABLE {schema}.crates")
    op.execute(f"DROP TABLE {schema}.transfers")
    for statement in drop_messaging_tables_v1(schema):
        op.execute(statement)
